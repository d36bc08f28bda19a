// Ed25519 keys and signatures through Web Crypto, for Standard Webhooks' asymmetric `v1a` scheme.
import { fail } from "../fail";

type Bytes = Uint8Array<ArrayBuffer>;

// DER prefixes that wrap a bare 32-byte key into the forms Web Crypto imports.
const SPKI_PREFIX = [0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00];
const PKCS8_PREFIX = [0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x04, 0x22, 0x04, 0x20];

async function importKey(der: Bytes, usage: "sign" | "verify"): Promise<CryptoKey> {
  try {
    return await crypto.subtle.importKey(usage === "sign" ? "pkcs8" : "spki", der, { name: "Ed25519" }, false, [usage]);
  } catch (error) {
    return (error as { name?: string }).name === "NotSupportedError"
      ? fail("unsupported_algorithm", "this runtime's Web Crypto lacks Ed25519 (needed for v1a signatures)")
      : fail("invalid_secret", "not a valid Ed25519 key");
  }
}

/**
 * Imports a public key (`"verify"`: 32 raw bytes or 44 bytes of SPKI DER) or a private key
 * (`"sign"`: a 32-byte seed, libsodium's 64-byte seed‖public key, or 48 bytes of PKCS#8 DER).
 * Undefined for any other size.
 */
export function importEd25519(key: Uint8Array, usage: "sign" | "verify"): Promise<CryptoKey> | undefined {
  const prefix = usage === "sign" ? PKCS8_PREFIX : SPKI_PREFIX;
  const bare = usage === "sign" ? key.length === 32 || key.length === 64 : key.length === 32;
  let der = key as Bytes;
  if (bare) {
    der = new Uint8Array(prefix.length + 32);
    der.set(prefix);
    der.set(key.subarray(0, 32), prefix.length);
  } else if (key.length !== prefix.length + 32) return undefined;
  const imported = importKey(der, usage);
  // Keys are imported when configured but awaited only when a delivery carries a v1a signature:
  // a bad key must not surface as an unhandled rejection in the meantime.
  imported.catch(() => {});
  return imported;
}

export async function ed25519Verify(
  key: Promise<CryptoKey>,
  signature: Uint8Array,
  data: Uint8Array,
): Promise<boolean> {
  return signature.length === 64 && crypto.subtle.verify("Ed25519", await key, signature as Bytes, data as Bytes);
}

export async function ed25519Sign(key: Promise<CryptoKey>, data: Uint8Array): Promise<Uint8Array> {
  return new Uint8Array(await crypto.subtle.sign("Ed25519", await key, data as Bytes));
}
