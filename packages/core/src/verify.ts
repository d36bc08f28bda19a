// verify(): checks a delivery's signature and replay window, and says exactly why it failed.
import { type Body, backend, type Message, messageBytes } from "./crypto/hmac";
import type { Key, VerifiedDelivery } from "./delivery";
import { invalidOption } from "./errors";
import { fail } from "./fail";
import { type HeaderReader, type HeadersInput, headerReader } from "./headers";
import { keysFor } from "./keys";
import { type Payload, rawBody } from "./payload";
import type { Scheme, SignedParts } from "./schemes/scheme";
import { checkWindow } from "./timestamp";

/** Options of {@link verify}. */
export interface VerifyOptions {
  /** The sender's scheme, e.g. `schemes.stripe` or `timestampedHmac({ provider: "acme" })`. */
  readonly scheme: Scheme;
  /** The signing secret, or several during a rotation (any one may match). */
  readonly secret: string | readonly string[];
  /** The request headers: a Web `Headers`, or a record such as Node's `req.headers`. */
  readonly headers: HeadersInput;
  /** The raw request body, exactly as received: never the parsed and re-serialised JSON. */
  readonly payload: Payload;
  /** How far the delivery's timestamp may be from now, in either direction. Default 300. */
  readonly toleranceSeconds?: number;
  /** The clock, in milliseconds since the epoch. Default `Date.now`. */
  readonly now?: () => number;
}

/** Default replay window: five minutes, as Stripe, Svix and Slack use. */
export const DEFAULT_TOLERANCE_SECONDS = 300;

/** Checks a `toleranceSeconds` option once; 0 is allowed, NaN, negatives and Infinity are not. */
export function tolerance(value: number | undefined): number {
  if (value === undefined) return DEFAULT_TOLERANCE_SECONDS;
  // 0 is allowed (exact second); NaN, negatives and Infinity would switch the protection off.
  if (!Number.isSafeInteger(value) || value < 0)
    invalidOption("toleranceSeconds", "toleranceSeconds must be a whole number, 0 or more");
  return value;
}

/**
 * Verifies a webhook delivery: the signature over the raw body with any of the secrets, and for
 * schemes with a timestamp, that it lies within `toleranceSeconds` of now in either direction.
 *
 * Resolves with what the delivery carries; rejects with a {@link WebhookVerificationError}
 * whose `code` says why. Never returns a boolean that could be ignored. Programming mistakes
 * (a `toleranceSeconds` that is not a whole number, `headers` that are not an object, a `now`
 * that returns NaN) throw an `InvalidOptionError` (code `invalid_option`) instead.
 *
 * @example
 * const { id } = await verify({
 *   scheme: schemes.standardWebhooks,
 *   secret: process.env.WEBHOOK_SECRET!,
 *   headers: request.headers,
 *   payload: await request.arrayBuffer(),
 * });
 */
export function verify(options: VerifyOptions): Promise<VerifiedDelivery> {
  // One promise, settled from a synchronous path wherever the runtime allows (Node, HMAC keys):
  // an async function around an async helper would cost two promises and three extra ticks.
  try {
    const { scheme, secret, now = Date.now } = options ?? ({} as Partial<VerifyOptions>);
    const keys = keysFor(scheme as Scheme, secret as string, "verify");
    if (typeof now !== "function") invalidOption("now", "now must be a function");
    const body = rawBody(options.payload);
    const toleranceSeconds = tolerance(options.toleranceSeconds);
    const result = verifyDelivery(scheme as Scheme, keys, headerReader(options.headers), body, toleranceSeconds, now);
    return result instanceof Promise ? result : Promise.resolve(result);
  } catch (error) {
    return Promise.reject(error);
  }
}

/**
 * verify() after its options were checked: the receiver checks them once and calls this per
 * delivery. Synchronous (returns the delivery or throws) when every step is: HMAC keys on the
 * Node backend; otherwise a promise.
 * @internal
 */
export function verifyDelivery(
  scheme: Scheme,
  keys: readonly Key[],
  header: HeaderReader,
  body: Body,
  toleranceSeconds: number,
  now: () => number,
): VerifiedDelivery | Promise<VerifiedDelivery> {
  const parts = scheme.parse(header);
  const { timestamp, signatures } = parts;
  if (timestamp !== undefined) {
    // A custom scheme's parse could hand over NaN, which would pass every comparison.
    if (!Number.isSafeInteger(timestamp) || timestamp < 0) {
      return fail("invalid_timestamp", `the ${scheme.name} scheme read a timestamp that is not unix seconds`);
    }
    const nowMs = now();
    if (!Number.isFinite(nowMs)) invalidOption("now", "now() must return milliseconds since the epoch");
    checkWindow(timestamp, toleranceSeconds, nowMs);
  }

  const message: Message = { prefix: scheme.prefix(parts), body };
  for (const key of keys) if (key.type !== "hmac") return verifyAsync(scheme, keys, parts, message, 0);
  const crypto = backend();
  for (let k = 0; k < keys.length; k++) {
    const key = keys[k]!;
    if (key.type !== "hmac" || signatures.length === 0) continue;
    const mac = crypto.hmac(key.bytes, message);
    if (!(mac instanceof Uint8Array)) return verifyAsync(scheme, keys, parts, message, k);
    for (const signature of signatures) if (crypto.equal(mac, signature)) return verified(scheme, parts);
  }
  return mismatch();
}

/** The rest of verifyDelivery from key `from` on, for public keys and Web Crypto. */
async function verifyAsync(
  scheme: Scheme,
  keys: readonly Key[],
  parts: SignedParts,
  message: Message,
  from: number,
): Promise<VerifiedDelivery> {
  // An invalid public key fails every delivery, not only those its turn in the loop would reach.
  for (const key of keys) if (key.type === "public") await key.ready;
  const { signatures, asymmetricSignatures } = parts;
  const crypto = backend();
  for (let k = from; k < keys.length; k++) {
    const key = keys[k]!;
    if (key.type === "hmac") {
      if (signatures.length === 0) continue;
      const mac = await crypto.hmac(key.bytes, message);
      for (const signature of signatures) if (crypto.equal(mac, signature)) return verified(scheme, parts);
    } else if (key.type === "public") {
      for (const signature of asymmetricSignatures ?? []) {
        if (await key.verify(messageBytes(message), signature)) return verified(scheme, parts);
      }
    }
  }
  return mismatch();
}

function mismatch(): never {
  return fail(
    "signature_mismatch",
    "signature matches no secret: check the secret, and verify the raw body before any parser",
  );
}

function verified(scheme: Scheme, { id, timestamp }: SignedParts): VerifiedDelivery {
  return { scheme: scheme.name, id, timestamp };
}
