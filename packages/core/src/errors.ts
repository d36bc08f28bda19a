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
    // The mark every copy of @hooks/core shares (a registered symbol), so that an error of the
    // app's own that happens to carry one of our codes is never taken for ours. Not enumerable:
    // loggers that copy an error's properties do not print it.
    Object.defineProperty(this, BRAND, { value: true });
  }
}

const BRAND = /* @__PURE__ */ Symbol.for("@hooks/core.error");

/**
 * The error class a code belongs to, so that `isHooksError(error, "invalid_option")` gives
 * `error.option`, a verification code `error.header`, and so on.
 */
export type HooksErrorOf<C extends HooksErrorCode> = C extends WebhookVerificationErrorCode
  ? WebhookVerificationError & { readonly code: C }
  : C extends RequestBodyErrorCode
    ? RequestBodyError & { readonly code: C }
    : C extends "invalid_option"
      ? InvalidOptionError
      : C extends "handler_timeout"
        ? HandlerTimeoutError
        : HooksError & { readonly code: C };

/**
 * Whether `error` was thrown by @hooks (any installed copy of it), optionally with one of `codes`.
 * An error of your own with a `code` like ours is not one.
 */
export function isHooksError<C extends HooksErrorCode = HooksErrorCode>(
  error: unknown,
  ...codes: C[]
): error is HooksErrorOf<C> {
  if (!(error instanceof Error) || (error as { [BRAND]?: unknown })[BRAND] !== true) return false;
  const { code } = error as { code?: unknown };
  if (typeof code !== "string") return false;
  const known =
    (VERIFICATION_CODES as readonly string[]).includes(code) || (OTHER_CODES as readonly string[]).includes(code);
  if (!known) return false;
  return codes.length === 0 || (codes as string[]).includes(code);
}

/** The codes of {@link WebhookVerificationError}: what a failed verification is answered with. */
export const VERIFICATION_CODES: readonly WebhookVerificationErrorCode[] = [
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
];

/** The other codes (written out: a bundler keeps a module-level spread even when nothing uses it). */
const OTHER_CODES: readonly HooksErrorCode[] = [
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
];

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
