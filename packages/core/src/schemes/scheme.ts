// What a signature scheme is, the helper to define one, and the header parsers schemes share.

import type { EventFields, Key, VerifiedDelivery } from "../delivery";
import { invalidOption } from "../errors";
import { fail, required } from "../fail";
import type { HeaderReader } from "../headers";

/** What a scheme reads off a delivery's headers. */
export interface SignedParts {
  /** Unix seconds of the delivery attempt; when present, the replay window is enforced. */
  readonly timestamp?: number | undefined;
  /** The delivery's or event's id, where the scheme's headers carry one. */
  readonly id?: string | undefined;
  /** HMAC-SHA256 signatures found in the headers; any one matching a secret verifies. */
  readonly signatures: readonly Uint8Array[];
  /** Public-key signatures (Standard Webhooks `v1a`), checked against asymmetric keys. */
  readonly asymmetricSignatures?: readonly Uint8Array[] | undefined;
}

/** What `sign` hands a scheme to build a delivery's headers from. */
export interface SigningParts {
  readonly timestamp: number;
  readonly id: string;
  readonly signatures: readonly Uint8Array[];
  readonly asymmetricSignatures: readonly Uint8Array[];
}

/**
 * A webhook signature scheme: where the signature, timestamp and id travel, and what is signed.
 * The signed content is always `prefix(parts) + raw body`; the core does the cryptography, the
 * replay window and the constant-time comparison, so a scheme is only parsing and formatting.
 */
export interface Scheme {
  /** A short stable name, e.g. `"stripe"`. */
  readonly name: string;
  /**
   * Reads the signed parts from the request headers. Throws a `WebhookVerificationError`
   * (`missing_header`, `invalid_timestamp`, `malformed_signature`, …) for anything unusable.
   */
  parse(header: HeaderReader): SignedParts;
  /** The text signed before the raw body, e.g. `` `${timestamp}.` ``; `""` for body-only schemes. */
  prefix(parts: { readonly timestamp?: number | undefined; readonly id?: string | undefined }): string;
  /** The headers a sender puts on a delivery. */
  headers(parts: SigningParts): Record<string, string>;
  /** Turns one configured secret into a key. Default: the secret's UTF-8 bytes as an HMAC key. */
  key?(secret: string): Key;
  /**
   * Where this sender puts the event's id, type and data (body or headers), read after
   * verification. Default: the body's `{ id, type, data }` envelope, as Stripe and the seeds send.
   */
  event?(body: unknown, header: HeaderReader, delivery: VerifiedDelivery): EventFields;
}

/** `object[key]` when `object` is a non-null object, else undefined. */
export function field(object: unknown, key: string): unknown {
  return typeof object === "object" && object !== null ? (object as Record<string, unknown>)[key] : undefined;
}

/**
 * Defines a custom scheme. Use the exported parsers (`parseTimestamp`, `parseId`, `decodeHex`,
 * `decodeBase64`) so that custom schemes refuse malformed input the way built-in ones do.
 *
 * @example
 * const acme = defineScheme({
 *   name: "acme",
 *   parse: (header) => ({
 *     timestamp: parseTimestamp(header("acme-time"), "acme-time"),
 *     signatures: [parseSignature(header("acme-sig"), "acme-sig", decodeHex)],
 *   }),
 *   prefix: ({ timestamp }) => `${timestamp}:`,
 *   headers: ({ timestamp, signatures }) => ({ "acme-time": `${timestamp}`, "acme-sig": encodeHex(oneSignature(signatures, "acme")) }),
 * });
 */
export function defineScheme<S extends Scheme>(scheme: S): S {
  if (
    typeof scheme?.name !== "string" ||
    typeof scheme.parse !== "function" ||
    typeof scheme.prefix !== "function" ||
    typeof scheme.headers !== "function"
  ) {
    invalidOption("scheme", "a scheme needs a name and parse, prefix and headers functions");
  }
  return scheme;
}

/** Ids end up in logs and store keys: printable ASCII without spaces or commas, at most 256 chars. */
const MAX_ID_LENGTH = 256;

/** Whether `value` may serve as an id: 1 to 256 printable ASCII characters, no spaces or commas. */
export function isValidId(value: string): boolean {
  let ok = value.length > 0 && value.length <= MAX_ID_LENGTH;
  for (let i = 0; ok && i < value.length; i++) {
    const code = value.charCodeAt(i);
    ok = code > 32 && code < 127 && code !== 44;
  }
  return ok;
}

/**
 * Reads an id header. Absent: `missing_header`. Present but empty, too long, or with spaces,
 * commas (a repeated header) or control characters: `malformed_header`.
 */
export function parseId(value: string | undefined, header: string): string {
  value = required(value, header);
  return isValidId(value) ? value : fail("malformed_header", `the ${header} header is not a valid id`, header);
}

/** {@link parseId} for a header senders may leave out: `undefined` when absent. */
export function parseOptionalId(value: string | undefined, header: string): string | undefined {
  return value === undefined ? undefined : parseId(value, header);
}

/**
 * Bounds for signature headers that hold a list (rotation sends a few entries): past them the
 * header is malformed, so a hostile one costs no more than a glance.
 */
export const MAX_LIST_HEADER_LENGTH = 4096;
export const MAX_LIST_ENTRIES = 16;

/** An HMAC-SHA256 signature is 32 bytes. */
export const SIGNATURE_BYTES = 32;

/**
 * Decodes one signature value with `decode` (hex or base64) and checks its length. Absent:
 * `missing_header`; undecodable or the wrong length: `malformed_signature`.
 */
export function parseSignature(
  value: string | undefined,
  header: string,
  decode: (text: string) => Uint8Array | undefined,
  bytes = SIGNATURE_BYTES,
): Uint8Array {
  value = required(value, header);
  // Bounding the length before decoding keeps a huge header from costing more than a glance.
  const decoded = value.length <= bytes * 2 ? decode(value) : undefined;
  return decoded?.length === bytes
    ? decoded
    : fail("malformed_signature", `the ${header} header is not a signature of the expected form`, header);
}

/** The one signature a single-signature scheme sends; signing with several secrets is refused. */
export function oneSignature(signatures: readonly Uint8Array[], scheme: string): Uint8Array {
  if (signatures.length !== 1)
    invalidOption("secret", `the ${scheme} scheme carries one signature: sign with one secret`);
  return signatures[0]!;
}

/**
 * `value` without its required `label` (e.g. `"sha256="`); `""` (so: malformed) when the label is
 * missing, `undefined` (so: missing header) when the value is.
 */
export function withoutLabel(value: string | undefined, label: string): string | undefined {
  if (value === undefined) return undefined;
  return value.startsWith(label) ? value.slice(label.length) : "";
}
