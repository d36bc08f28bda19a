// Standard Webhooks (and Svix): webhook-id/-timestamp/-signature, v1 HMAC and v1a Ed25519 entries.
import { ed25519Sign, ed25519Verify, importEd25519 } from "../crypto/ed25519";
import { fromBase64, toBase64 } from "../crypto/encoding";
import type { Key } from "../delivery";
import { fail, required } from "../fail";
import type { HeaderReader } from "../headers";
import { parseTimestamp } from "../timestamp";
import { field, MAX_LIST_ENTRIES, MAX_LIST_HEADER_LENGTH, parseId, type Scheme, SIGNATURE_BYTES } from "./scheme";

const ED25519_SIGNATURE_BYTES = 64;

function parseSignatures(header: HeaderReader, name: string) {
  const value = required(header(name), name);
  const signatures: Uint8Array[] = [];
  const asymmetricSignatures: Uint8Array[] = [];
  const entries = value.length <= MAX_LIST_HEADER_LENGTH ? value.split(" ") : [];
  let ok = entries.length > 0 && entries.length <= MAX_LIST_ENTRIES;
  for (let i = 0; ok && i < entries.length; i++) {
    const entry = entries[i]!;
    const comma = entry.indexOf(",");
    const version = entry.slice(0, comma);
    // Unknown versions are skipped (forward compatible); a known one that does not decode fails
    // the whole header, which is also how two headers joined by ", " are refused.
    if (comma > 0 && entry.indexOf(",", comma + 1) < 0 && version !== "v1" && version !== "v1a") continue;
    const v1 = version === "v1";
    const signature = comma > 0 ? fromBase64(entry.slice(comma + 1)) : undefined;
    ok = signature?.length === (v1 ? SIGNATURE_BYTES : ED25519_SIGNATURE_BYTES);
    if (ok) (v1 ? signatures : asymmetricSignatures).push(signature!);
  }
  if (!ok || signatures.length + asymmetricSignatures.length === 0) {
    return fail("malformed_signature", `the ${name} header holds no well-formed v1 or v1a signature`, name);
  }
  return { signatures, asymmetricSignatures };
}

function key(secret: string): Key {
  const kind = secret.slice(0, 5);
  if (kind === "whpk_" || kind === "whsk_") {
    const raw = fromBase64(secret.slice(5));
    const pair = kind === "whpk_" ? "verify" : "sign";
    const imported = raw && importEd25519(raw, pair);
    if (!imported)
      return fail(
        "invalid_secret",
        `${kind} must be followed by a base64 Ed25519 ${pair === "sign" ? "private" : "public"} key`,
      );
    return pair === "sign"
      ? { type: "private", ready: imported, sign: (data) => ed25519Sign(imported, data) }
      : { type: "public", ready: imported, verify: (data, signature) => ed25519Verify(imported, signature, data) };
  }
  const bytes = fromBase64(secret.startsWith("whsec_") ? secret.slice(6) : secret);
  return bytes?.length ? { type: "hmac", bytes } : fail("invalid_secret", "whsec_ must be followed by base64");
}

/**
 * Standard Webhooks, as sent by Svix and the Standard Webhooks libraries. Signed content is
 * `` `${id}.${timestamp}.${body}` ``; `webhook-signature` is a space-separated list of `v1,<base64
 * HMAC-SHA256>` and `v1a,<base64 Ed25519>` entries. Secrets: `whsec_<base64>` (HMAC),
 * `whpk_<base64>` (Ed25519 public key, to verify), `whsk_<base64>` (Ed25519 private key, to sign).
 * Svix's `svix-id`, `svix-timestamp`, `svix-signature` headers are read as the same scheme.
 */
export const standardWebhooks: Scheme = {
  name: "standard-webhooks",
  parse(header) {
    // One family per delivery: never mix a webhook-* header with a svix-* one.
    const family =
      header("webhook-signature") === undefined && header("svix-signature") !== undefined ? "svix" : "webhook";
    const id = parseId(header(`${family}-id`), `${family}-id`);
    const timestamp = parseTimestamp(header(`${family}-timestamp`), `${family}-timestamp`);
    return { id, timestamp, ...parseSignatures(header, `${family}-signature`) };
  },
  prefix: ({ id, timestamp }) => `${id}.${timestamp}.`,
  headers: ({ id, timestamp, signatures, asymmetricSignatures }) => ({
    "webhook-id": id,
    "webhook-timestamp": `${timestamp}`,
    "webhook-signature": [
      ...signatures.map((signature) => `v1,${toBase64(signature)}`),
      ...asymmetricSignatures.map((signature) => `v1a,${toBase64(signature)}`),
    ].join(" "),
  }),
  key,
  // The id travels in webhook-id (signed); the body is `{ type, timestamp, data }`.
  event: (body, _header, delivery) => ({ id: delivery.id, type: field(body, "type"), data: field(body, "data") }),
};
