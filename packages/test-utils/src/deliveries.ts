// Signed deliveries as a sender posts them, for any scheme: the body, its signature headers, and
// the broken variants (wrong signature, tampered body) every receiver test needs.
import { type Scheme, schemes, sign } from "@hooks/core";

/** A delivery as it goes over the wire: the exact body and the headers sent with it. */
export interface SignedDelivery<Body extends string | Uint8Array = string> {
  readonly headers: Record<string, string>;
  readonly body: Body;
}

/** How a delivery is signed. */
export interface SigningOptions {
  /** Default: `schemes.vastai`. */
  readonly scheme?: Scheme | undefined;
  /** The sender's secret (several: one signature each, where the scheme carries a list). */
  readonly secret: string | readonly string[];
  /** Unix seconds to sign with. Default: the clock's time when one is given, else now. */
  readonly timestamp?: number | undefined;
  /** Where the default timestamp comes from, e.g. a `FakeClock` (its `now()` in ms). */
  readonly clock?: { now(): number } | undefined;
  /** The delivery id, for schemes that send one. Default: a random UUID. */
  readonly id?: string | undefined;
  /**
   * Headers sent besides the signature's (content-type, a provider's event header…). They win over
   * the signature's, so a test can replace one on purpose.
   */
  readonly headers?: Readonly<Record<string, string>> | undefined;
}

/** The fields of the `{ id, type, data, created }` event body. */
export interface EventBodyOptions {
  /** Default: `"resource.created"`. */
  readonly type?: string | undefined;
  /** Default: `{}`. */
  readonly data?: unknown;
  /** Unix seconds. Default: 1. */
  readonly created?: number | undefined;
}

const JSON_CONTENT = { "content-type": "application/json" } as const;

function timestampOf(options: SigningOptions): number | undefined {
  if (options.timestamp !== undefined) return options.timestamp;
  return options.clock ? Math.floor(options.clock.now() / 1000) : undefined;
}

async function signatureHeaders(body: string | Uint8Array, options: SigningOptions): Promise<Record<string, string>> {
  const timestamp = timestampOf(options);
  return sign({
    scheme: options.scheme ?? schemes.vastai,
    secret: options.secret,
    payload: body,
    ...(timestamp !== undefined ? { timestamp } : {}),
    ...(options.id !== undefined ? { id: options.id } : {}),
  });
}

/**
 * Signs `body` with core's `sign`: `{ headers, body }` with the scheme's headers (plus
 * `options.headers`), ready for `receiver.receive` or `postDelivery`.
 *
 * @example
 * const d = await signedDelivery(body, { scheme: schemes.stripe, secret: "whsec_test", clock });
 * await receiver.receive(d);
 */
export async function signedDelivery<Body extends string | Uint8Array>(
  body: Body,
  options: SigningOptions,
): Promise<SignedDelivery<Body>> {
  const signature = await signatureHeaders(body, options);
  return { headers: { ...signature, ...options.headers }, body };
}

/** The JSON body of an event as the `{ id, type, data, created }` envelope (vastai, Stripe-like senders). */
export function eventBody(id: string, { type = "resource.created", data = {}, created = 1 }: EventBodyOptions = {}) {
  return JSON.stringify({ id, type, data, created });
}

/**
 * A signed `{ id, type, data, created }` event with `content-type: application/json`, as a sender
 * posts it over HTTP.
 *
 * @example
 * const d = await eventDelivery("evt_1", { secret: SECRET, data: { name: "gpu-1" } });
 * expect((await postDelivery(url, d)).code).toBe("processed");
 */
export async function eventDelivery(
  id: string,
  options: SigningOptions & EventBodyOptions,
): Promise<SignedDelivery & { readonly id: string }> {
  const body = eventBody(id, options);
  const signed = await signedDelivery(body, { ...options, headers: { ...JSON_CONTENT, ...options.headers } });
  return { id, ...signed };
}

/**
 * Like {@link signedDelivery}, but the signature is wrong: the scheme's headers in their format, same
 * timestamp and id, with characters of every signature changed. Works for every scheme, asymmetric
 * ones and secret lists included; a receiver must answer `signature_mismatch`.
 */
export async function forgedDelivery<Body extends string | Uint8Array>(
  body: Body,
  options: SigningOptions,
): Promise<SignedDelivery<Body>> {
  // Two signatures of different payloads with the same timestamp and id differ exactly where the
  // headers carry signature bytes: change the first character of every stretch that differs.
  const fixed: SigningOptions = {
    ...options,
    timestamp: timestampOf(options) ?? Math.floor(Date.now() / 1000),
    id: options.id ?? crypto.randomUUID(),
  };
  const real = await signatureHeaders(body, fixed);
  const other = await signatureHeaders(otherPayload(body), fixed);
  const forged: Record<string, string> = {};
  for (const [name, value] of Object.entries(real)) {
    const against = other[name] ?? value;
    const chars = [...value];
    for (let i = 0; i < chars.length; i++) {
      if (value[i] === against[i] || value[i - 1] !== against[i - 1]) continue;
      // The character before base64 padding carries unused low bits: changing it can make the value
      // non-canonical (malformed, not a mismatch). Change the one before it instead.
      const at = value[i + 1] === "=" && i > 0 ? i - 1 : i;
      chars[at] = swap(chars[at]!);
    }
    forged[name] = chars.join("");
  }
  return { headers: { ...forged, ...options.headers }, body };
}

function otherPayload(body: string | Uint8Array): string | Uint8Array {
  if (typeof body === "string") return `${body}.`;
  const bytes = new Uint8Array(body.length + 1);
  bytes.set(body);
  return bytes;
}

// Replacements stay in the character's alphabet, so hex stays hex and base64(url) stays base64(url).
const CYCLES = ["0123456789", "abcdef", "ghijklmnopqrstuvwxyz", "ABCDEF", "GHIJKLMNOPQRSTUVWXYZ", "+/", "-_"];

function swap(char: string): string {
  for (const cycle of CYCLES) {
    const at = cycle.indexOf(char);
    if (at >= 0) return cycle[(at + 1) % cycle.length]!;
  }
  throw new Error(`forgedDelivery: no replacement for ${JSON.stringify(char)} in a signature`);
}

/**
 * The same headers with another body, as an attacker who rewrites a delivery in flight sends it.
 * Default edit: a space appended (still valid JSON, different bytes).
 */
export function tampered<Body extends string>(
  delivery: SignedDelivery<Body>,
  edit: (body: string) => string = (body) => `${body} `,
): SignedDelivery {
  return { headers: delivery.headers, body: edit(delivery.body) };
}
