// One error model: every error @hooks throws is a HooksError whose `code` says why.

/** Why a delivery failed verification. Stable: switch on it, log it, map it to a status code. */
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
  /** The payload is not the raw body (string, Uint8Array or ArrayBuffer), or a parser consumed it first. */
  | "invalid_payload"
  /** A configured secret is missing, empty, blank or not in the scheme's format. */
  | "invalid_secret"
  /** The delivery needs an algorithm this runtime's crypto does not offer (e.g. Ed25519). */
  | "unsupported_algorithm";

/** Why a request's body could not be read whole (see `@hooks/core/node` and `receiver.fetch`). */
export type RequestBodyErrorCode =
  /** Larger than `maxBodyBytes`, declared or as it arrived: refused having read at most the limit. */
  | "payload_too_large"
  /** The body did not arrive whole within `bodyTimeoutMs` (withheld or trickled). */
  | "body_timeout"
  /** The client went away (reset, bad chunk framing) before the body ended: nothing to answer. */
  | "request_aborted";

/** Every `code` a {@link HooksError} may carry. Stable across releases: switch on it. */
export type HooksErrorCode =
  | WebhookVerificationErrorCode
  | RequestBodyErrorCode
  /** An option or argument is not what the function takes; the message names it. */
  | "invalid_option"
  /** The idempotency store did not answer. */
  | "store_unavailable"
  /** The queue did not store the event. */
  | "queue_unavailable"
  /** Another run holds the event. */
  | "in_progress"
  /** The event's id was handled before with a different body. */
  | "fingerprint_mismatch"
  /** A handler ran past its lease: its signal aborted with this error. */
  | "handler_timeout"
  /** A queued event's type has no handler in this worker and the policy is `unhandled: "reject"`. */
  | "unhandled_rejected";

/**
 * The base of every error @hooks throws. Check `code` (or {@link isHooksError}) rather than
 * `instanceof`: two installed copies of @hooks/core make two classes, but the codes are the same.
 */
export class HooksError extends Error {
  override readonly name: string = "HooksError";
  readonly code: HooksErrorCode;

  constructor(code: HooksErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }
}

/** Whether `error` is an error from @hooks (any copy of it), optionally with one of `codes`. */
export function isHooksError<C extends HooksErrorCode = HooksErrorCode>(
  error: unknown,
  ...codes: C[]
): error is HooksError & { readonly code: C } {
  if (!(error instanceof Error)) return false;
  const { code } = error as { code?: unknown };
  if (typeof code !== "string" || !CODES.has(code)) return false;
  return codes.length === 0 || (codes as string[]).includes(code);
}

const CODES: ReadonlySet<string> = /* @__PURE__ */ new Set<HooksErrorCode>([
  "missing_header",
  "malformed_header",
  "invalid_timestamp",
  "timestamp_too_old",
  "timestamp_in_future",
  "malformed_signature",
  "signature_mismatch",
  "invalid_payload",
  "invalid_secret",
  "unsupported_algorithm",
  "payload_too_large",
  "body_timeout",
  "request_aborted",
  "invalid_option",
  "store_unavailable",
  "queue_unavailable",
  "in_progress",
  "fingerprint_mismatch",
  "handler_timeout",
  "unhandled_rejected",
]);

/**
 * Thrown by `verify` (and by `sign` for bad secrets or payloads). Never carries a secret or an
 * expected signature.
 *
 * @example
 * try {
 *   await verify({ scheme: schemes.github, secret, headers, payload });
 * } catch (error) {
 *   if (isHooksError(error)) return new Response(error.code, { status: 401 });
 *   throw error;
 * }
 */
export class WebhookVerificationError extends HooksError {
  override readonly name: string = "WebhookVerificationError";
  declare readonly code: WebhookVerificationErrorCode;
  /** The header the failure is about, when there is one (lowercase). */
  readonly header: string | undefined;

  constructor(code: WebhookVerificationErrorCode, message: string, header?: string) {
    super(code, message);
    this.header = header;
  }
}

/** A request body that could not be read whole: too large, too slow, or cut off by the client. */
export class RequestBodyError extends HooksError {
  override readonly name: string = "RequestBodyError";
  declare readonly code: RequestBodyErrorCode;

  constructor(code: RequestBodyErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
  }
}

/** An option or argument that the function does not take; `option` names it. */
export class InvalidOptionError extends HooksError {
  override readonly name: string = "InvalidOptionError";
  declare readonly code: "invalid_option";
  readonly option: string;

  constructor(option: string, message: string) {
    super("invalid_option", message);
    this.option = option;
  }
}

/** Throws {@link InvalidOptionError}: one line at each check. */
export function invalidOption(option: string, message: string): never {
  throw new InvalidOptionError(option, message);
}

/**
 * A handler ran past its lease (or its claim took longer than the lease): the handlers' signal
 * aborts with this error, and `Receiver.process` throws it so the queue retries.
 */
export class HandlerTimeoutError extends HooksError {
  override readonly name: string = "HandlerTimeoutError";
  declare readonly code: "handler_timeout";

  constructor(message: string) {
    super("handler_timeout", message);
  }
}

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
