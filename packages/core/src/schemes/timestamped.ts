// The seed scheme: hex HMAC-SHA256 of `${timestamp}.${body}` in x-<provider>-signature/-timestamp.

import { fromHex, toHex } from "../crypto/encoding";
import { invalidOption } from "../errors";
import { parseTimestamp } from "../timestamp";
import { oneSignature, parseSignature, type Scheme } from "./scheme";

/** Options of {@link timestampedHmac}. */
export interface TimestampedHmacOptions {
  /** Lowercase provider name used in the header names: `x-<provider>-signature`, `x-<provider>-timestamp`. */
  readonly provider: string;
}

const PROVIDER = /^[a-z0-9]+(?:-[a-z0-9]+)*$/;

/**
 * The timestamped HMAC scheme: `x-<provider>-timestamp` carries unix seconds and
 * `x-<provider>-signature` the hex HMAC-SHA256 of `` `${timestamp}.${rawBody}` `` (either case
 * accepted, lowercase sent).
 *
 * @example
 * const acme = timestampedHmac({ provider: "acme" });
 * await verify({ scheme: acme, secret, headers: request.headers, payload: rawBody });
 */
export function timestampedHmac(options: TimestampedHmacOptions): Scheme {
  const provider = options?.provider;
  if (typeof provider !== "string" || !PROVIDER.test(provider)) {
    invalidOption("provider", 'provider must be the lowercase name in the headers, e.g. "acme" for x-acme-signature');
  }
  const signatureHeader = `x-${provider}-signature`;
  const timestampHeader = `x-${provider}-timestamp`;
  return {
    name: provider,
    parse: (header) => ({
      timestamp: parseTimestamp(header(timestampHeader), timestampHeader),
      signatures: [parseSignature(header(signatureHeader), signatureHeader, fromHex)],
    }),
    prefix: ({ timestamp }) => `${timestamp}.`,
    headers: ({ timestamp, signatures }) => ({
      [signatureHeader]: toHex(oneSignature(signatures, provider)),
      [timestampHeader]: `${timestamp}`,
    }),
  };
}

/** Vast.ai's webhooks: `x-vastai-signature` and `x-vastai-timestamp`. */
export const vastai: Scheme = /* @__PURE__ */ timestampedHmac({ provider: "vastai" });

/** Groq's webhooks: `x-groq-signature` and `x-groq-timestamp`. */
export const groq: Scheme = /* @__PURE__ */ timestampedHmac({ provider: "groq" });
