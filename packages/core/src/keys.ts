// Turns configured secrets into keys once, validating them, and caches the result per scheme.

import { utf8 } from "./crypto/encoding";
import type { Key } from "./delivery";
import { invalidOption } from "./errors";
import { fail } from "./fail";
import type { Scheme } from "./schemes/scheme";

/**
 * The default secret decoding: the secret's UTF-8 bytes are the HMAC key. A Standard Webhooks key
 * pair member (`whpk_`, `whsk_`) is refused: a public key used as an HMAC secret lets anyone who
 * knows it sign.
 */
export function utf8Key(secret: string): Key {
  if (secret.startsWith("whpk_") || secret.startsWith("whsk_")) {
    return fail("invalid_secret", "whpk_/whsk_ keys are Ed25519 keys for schemes.standardWebhooks, not HMAC secrets");
  }
  return { type: "hmac", bytes: utf8(secret) };
}

// Bounded so that per-tenant secrets cannot grow the cache without limit; oldest entry goes first.
// Each entry is the one-key list keysFor hands out for a single secret, so the hot path allocates nothing.
const MAX_CACHED_PER_SCHEME = 64;
const cache = new WeakMap<Scheme, Map<string, readonly [Key]>>();

function keyFor(scheme: Scheme, secret: unknown): readonly [Key] {
  let keys = cache.get(scheme);
  if (!keys) {
    keys = new Map();
    cache.set(scheme, keys);
  }
  let key = keys.get(secret as string);
  if (key) return key;
  if (typeof secret !== "string" || secret.trim() === "") {
    return fail("invalid_secret", "secret must be a non-blank string, or a non-empty array of them");
  }
  key = Object.freeze([(scheme.key ?? utf8Key)(secret)] as const);
  if (keys.size >= MAX_CACHED_PER_SCHEME) keys.delete(keys.keys().next().value as string);
  keys.set(secret, key);
  return key;
}

/**
 * Keys for one secret or a rotation list of them (any one may match), checked for `purpose`
 * up front so that a misconfiguration fails every call, not only the deliveries that reach it.
 */
export function keysFor(
  scheme: Scheme,
  secret: string | readonly string[],
  purpose: "verify" | "sign",
): readonly Key[] {
  if (typeof scheme?.parse !== "function") invalidOption("scheme", "scheme must be a scheme, e.g. schemes.stripe");
  if (typeof secret !== "string" && (!Array.isArray(secret) || secret.length === 0)) {
    return fail("invalid_secret", "secret must be a non-blank string, or a non-empty array of them");
  }
  const keys = typeof secret === "string" ? keyFor(scheme, secret) : secret.map((one) => keyFor(scheme, one)[0]);
  for (const key of keys) {
    if (key.type === (purpose === "verify" ? "private" : "public")) {
      return fail(
        "invalid_secret",
        purpose === "verify"
          ? "a private key cannot verify: configure the whpk_ public key"
          : "a public key cannot sign: sign with the whsk_ private key",
      );
    }
  }
  return keys;
}
