// Strict hex and base64 codecs: they return undefined on any malformed input and never throw.

const BASE64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

let encoder: TextEncoder | undefined;

/** UTF-8 bytes of a string. */
export function utf8(text: string): Uint8Array {
  encoder ??= new TextEncoder();
  return encoder.encode(text);
}

/** Value of a hex digit (either case), or -1. */
function hexValue(code: number): number {
  if (code >= 48 && code <= 57) return code - 48; // 0-9
  const lower = code | 0x20; // folds A-F onto a-f and leaves no other char in a-f
  return lower >= 97 && lower <= 102 ? lower - 87 : -1;
}

/** Decodes hex of either case; undefined for odd length or any non-hex character. */
export function fromHex(text: string): Uint8Array | undefined {
  const length = text.length;
  if (length % 2 !== 0) return undefined;
  const out = new Uint8Array(length / 2);
  for (let i = 0, j = 0; i < length; i += 2, j++) {
    const high = hexValue(text.charCodeAt(i));
    const low = hexValue(text.charCodeAt(i + 1));
    if (high < 0 || low < 0) return undefined;
    out[j] = (high << 4) | low;
  }
  return out;
}

/** Lowercase hex. Signing only, so brevity over speed. */
export function toHex(bytes: Uint8Array): string {
  return Array.from(bytes, (byte) => byte.toString(16).padStart(2, "0")).join("");
}

let base64Values: Int8Array | undefined;

/**
 * Decodes standard base64, padded or not. Refuses non-alphabet characters, impossible lengths and
 * non-zero trailing bits, so every byte string has exactly one accepted encoding (a changed
 * character can never decode to the same signature).
 */
export function fromBase64(text: string): Uint8Array | undefined {
  if (!base64Values) {
    base64Values = new Int8Array(128).fill(-1);
    for (let i = 0; i < 64; i++) base64Values[BASE64.charCodeAt(i)] = i;
  }
  let end = text.length;
  if (end % 4 === 0 && text.charCodeAt(end - 1) === 61) end -= text.charCodeAt(end - 2) === 61 ? 2 : 1;
  if (end % 4 === 1) return undefined;
  const out = new Uint8Array((end * 3) >> 2);
  let bits = 0;
  let buffer = 0;
  for (let i = 0, j = 0; i < end; i++) {
    const code = text.charCodeAt(i);
    const value = code < 128 ? base64Values[code]! : -1;
    if (value < 0) return undefined;
    buffer = ((buffer << 6) | value) & 0xffffff;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out[j++] = (buffer >> bits) & 255;
    }
  }
  return (buffer & ((1 << bits) - 1)) === 0 ? out : undefined;
}

/** Standard base64 with padding. Signing only (signatures are a few dozen bytes), so `btoa` serves. */
export function toBase64(bytes: Uint8Array): string {
  return btoa(String.fromCharCode(...bytes));
}

/** The chunks of a body as one array of `total` bytes (the one chunk itself when there is one). */
export function concatBytes(chunks: readonly Uint8Array[], total: number): Uint8Array {
  if (chunks.length === 1) return chunks[0]!;
  const body = new Uint8Array(total);
  let offset = 0;
  for (const chunk of chunks) {
    body.set(chunk, offset);
    offset += chunk.length;
  }
  return body;
}
