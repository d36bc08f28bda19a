// Refusing a delivery: the one-line throw of a verification error, without the cost of a stack.
import { WebhookVerificationError, type WebhookVerificationErrorCode } from "./errors";

type StackLimit = { stackTraceLimit?: number };

/** The receiver's own setup is wrong: these keep their stack, which points at the misconfigured call. */
export const SETUP_CODES: readonly WebhookVerificationErrorCode[] = [
  "invalid_secret",
  "invalid_payload",
  "unsupported_algorithm",
];

/**
 * Shorthand used across the core so every throw site stays one line. A refused delivery carries
 * no stack trace: it is an expected outcome, not a bug to trace, and capturing a stack costs about
 * 10 µs, several times the HMAC of a small body, on the path a flood of forged deliveries takes.
 */
export function fail(code: WebhookVerificationErrorCode, message: string, header?: string): never {
  const errors = Error as StackLimit;
  const limit = errors.stackTraceLimit;
  // V8 and JavaScriptCore read Error.stackTraceLimit; elsewhere it does not exist and is left so.
  const quiet = typeof limit === "number" && !SETUP_CODES.includes(code);
  try {
    if (quiet) errors.stackTraceLimit = 0;
  } catch {
    // A frozen Error (a hardened realm): the stack is captured as usual.
  }
  try {
    throw new WebhookVerificationError(code, message, header);
  } finally {
    try {
      if (quiet) errors.stackTraceLimit = limit;
    } catch {}
  }
}

/** `value`, or `missing_header` naming `header` when it is absent. */
export function required(value: string | undefined, header: string): string {
  return value ?? fail("missing_header", `missing the ${header} header`, header);
}
