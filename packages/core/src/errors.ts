// The one error verification throws, with a stable code callers can switch on.

/**
 * Why a delivery failed verification. Stable across releases: switch on it, log it, map it to a
 * status code. The message is for humans and may change.
 */
export type WebhookVerificationErrorCode =
  /** A header the scheme needs is absent (an empty one is refused by its own rule). */
  | "missing_header"
  /** A header other than the signature or timestamp (e.g. the id) has an unusable value. */
  | "malformed_header"
  /** The timestamp is not a canonical decimal integer of unix seconds. */
  | "invalid_timestamp"
  /** The timestamp is older than the tolerance allows: a replay, or a slow clock. */
  | "timestamp_too_old"
  /** The timestamp is further ahead than the tolerance allows: a forged time, or a fast clock. */
  | "timestamp_in_future"
  /** The signature header cannot be parsed, or carries no signature of a known version. */
  | "malformed_signature"
  /** The signature is well formed but matches no configured secret. */
  | "signature_mismatch"
  /** The payload is not the raw body (string, Uint8Array or ArrayBuffer). */
  | "invalid_payload"
  /** A configured secret is empty, blank or not in the scheme's format. */
  | "invalid_secret"
  /** The delivery needs an algorithm this runtime's crypto does not offer (e.g. Ed25519). */
  | "unsupported_algorithm";

/**
 * Thrown by `verify` (and by `sign` for bad secrets or payloads). Never carries a secret or an
 * expected signature.
 *
 * @example
 * try {
 *   await verify({ scheme: schemes.github, secret, headers, payload });
 * } catch (error) {
 *   if (error instanceof WebhookVerificationError) return new Response(error.code, { status: 401 });
 *   throw error;
 * }
 */
export class WebhookVerificationError extends Error {
  override readonly name = "WebhookVerificationError";
  /** Why verification failed; see {@link WebhookVerificationErrorCode}. */
  readonly code: WebhookVerificationErrorCode;
  /** The header the failure is about, when there is one (lowercase). */
  readonly header: string | undefined;

  constructor(code: WebhookVerificationErrorCode, message: string, header?: string) {
    super(message);
    this.code = code;
    this.header = header;
  }
}

type StackLimit = { stackTraceLimit?: number };

/** The receiver's own setup is wrong: these keep their stack, which points at the misconfigured call. */
const SETUP_CODES: readonly WebhookVerificationErrorCode[] = [
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
