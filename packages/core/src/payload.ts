// Accepts only the raw body: strings and bytes. A parsed object is the classic mistake, named.
import type { Body } from "./crypto/hmac";
import { fail } from "./fail";

/** The raw request body exactly as received. A `string` is hashed as its UTF-8 bytes. */
export type Payload = string | Uint8Array | ArrayBuffer;

const tag = (value: unknown) => Object.prototype.toString.call(value);
const byteLength = Object.getOwnPropertyDescriptor(ArrayBuffer.prototype, "byteLength")!.get!;

/** Whether `value` is a real ArrayBuffer of any realm: its internal slot, not its tag, decides. */
function isArrayBuffer(value: unknown): value is ArrayBuffer {
  try {
    byteLength.call(value);
    return true;
  } catch {
    return false;
  }
}

/** Normalises a payload to bytes or a string, or throws `invalid_payload` with the fix. */
export function rawBody(payload: unknown): Body {
  if (typeof payload === "string") return payload;
  // Brand checks first: a Proxy of a Uint8Array passes instanceof but is not bytes. Bytes from
  // another realm (a VM context, a jsdom test environment) fail instanceof but pass these.
  if (ArrayBuffer.isView(payload)) {
    if (payload instanceof Uint8Array) return payload;
    if (tag(payload) === "[object Uint8Array]")
      return new Uint8Array(payload.buffer, payload.byteOffset, payload.byteLength);
  } else if (isArrayBuffer(payload)) return new Uint8Array(payload);
  const got = Array.isArray(payload) ? "an array" : payload === null ? "null" : typeof payload;
  return fail(
    "invalid_payload",
    `payload must be the raw request body (string, Uint8Array or ArrayBuffer), not ${got}: read it before any JSON parser`,
  );
}
