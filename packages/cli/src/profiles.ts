// The CLI's view of each scheme: its command-line name, and where its signature and timestamp travel.
import { createHmac } from "node:crypto";
import { type Scheme, schemes, sign } from "@hooks/core";

/** What the audit needs to know to bend a correctly signed delivery into a malformed one. */
export interface Profile {
  readonly name: string;
  readonly scheme: Scheme;
  readonly signatureHeader: string;
  /** Separate timestamp header; absent for body-only schemes (github, shopify) and stripe (inside its header). */
  readonly timestampHeader?: string;
  /** Whether the signature is hex (uppercase is the same signature) or base64 (case matters). */
  readonly encoding: "hex" | "base64";
  /** Whether the scheme signs a timestamp at all; the timestamp cases are skipped when not. */
  readonly timestamped: boolean;
}

const profiles: Record<string, Profile> = {
  vastai: {
    name: "vastai",
    scheme: schemes.vastai,
    signatureHeader: "x-vastai-signature",
    timestampHeader: "x-vastai-timestamp",
    encoding: "hex",
    timestamped: true,
  },
  groq: {
    name: "groq",
    scheme: schemes.groq,
    signatureHeader: "x-groq-signature",
    timestampHeader: "x-groq-timestamp",
    encoding: "hex",
    timestamped: true,
  },
  stripe: {
    name: "stripe",
    scheme: schemes.stripe,
    signatureHeader: "stripe-signature",
    encoding: "hex",
    timestamped: true,
  },
  github: {
    name: "github",
    scheme: schemes.github,
    signatureHeader: "x-hub-signature-256",
    encoding: "hex",
    timestamped: false,
  },
  slack: {
    name: "slack",
    scheme: schemes.slack,
    signatureHeader: "x-slack-signature",
    timestampHeader: "x-slack-request-timestamp",
    encoding: "hex",
    timestamped: true,
  },
  shopify: {
    name: "shopify",
    scheme: schemes.shopify,
    signatureHeader: "x-shopify-hmac-sha256",
    encoding: "base64",
    timestamped: false,
  },
  "standard-webhooks": {
    name: "standard-webhooks",
    scheme: schemes.standardWebhooks,
    signatureHeader: "webhook-signature",
    timestampHeader: "webhook-timestamp",
    encoding: "base64",
    timestamped: true,
  },
};

export const profileNames: readonly string[] = Object.keys(profiles);

export function profileOf(name: string | undefined): Profile {
  if (name === undefined) throw new UsageError(`--scheme is required: one of ${profileNames.join(", ")}`);
  const profile = profiles[name];
  if (!profile) throw new UsageError(`unknown scheme "${name}": use one of ${profileNames.join(", ")}`);
  return profile;
}

/** A mistake in how the command was called: printed as one line, exit code 2. */
export class UsageError extends Error {}

export type Headers = Record<string, string>;

export interface Signed {
  readonly body: string | Uint8Array;
  readonly headers: Headers;
}

/** A correctly signed delivery, made by the core's own `sign`. */
export async function signed(
  profile: Profile,
  secret: string,
  body: string | Uint8Array,
  options: { timestamp?: number; id?: string; extra?: Headers } = {},
): Promise<Signed> {
  const headers = await sign({
    scheme: profile.scheme,
    secret,
    payload: body,
    ...(options.timestamp === undefined ? {} : { timestamp: options.timestamp }),
    ...(options.id === undefined ? {} : { id: options.id }),
  });
  return { body, headers: { ...options.extra, ...headers } };
}

/**
 * A delivery whose timestamp is any text, signed over that text as a careless receiver would
 * check it. `sign` refuses such timestamps (a real sender never sends them), so the HMAC is made
 * here; the scheme only formats what it is given.
 */
export function signedWithRawTimestamp(
  profile: Profile,
  secret: string,
  body: string | Uint8Array,
  timestamp: string,
  id: string,
): Signed {
  const key = profile.scheme.key?.(secret) ?? { type: "hmac" as const, bytes: new TextEncoder().encode(secret) };
  if (key.type !== "hmac") throw new UsageError("the audit needs an HMAC secret for this scheme");
  const raw = timestamp as unknown as number; // the scheme interpolates it into text, which is the point
  const mac = createHmac("sha256", key.bytes)
    .update(profile.scheme.prefix({ timestamp: raw, id }))
    .update(body)
    .digest();
  return { body, headers: profile.scheme.headers({ timestamp: raw, id, signatures: [mac], asymmetricSignatures: [] }) };
}

const HEX_SIGNATURE = /[0-9a-f]{64}/;
const BASE64_SIGNATURE = /[A-Za-z0-9+/]{43}=/;

/** Rewrites the encoded signature inside its header (after `sha256=`, `v1=`, `v0=`, `v1,` …). */
export function mapSignature(profile: Profile, headers: Headers, change: (encoded: string) => string): Headers {
  const value = headers[profile.signatureHeader] ?? "";
  const pattern = profile.encoding === "hex" ? HEX_SIGNATURE : BASE64_SIGNATURE;
  return { ...headers, [profile.signatureHeader]: value.replace(pattern, change) };
}

/** The delivery without its signature; for stripe only the `v1=` entries go, `t=` stays. */
export function withoutSignature(profile: Profile, headers: Headers): Headers {
  const { [profile.signatureHeader]: signature, ...rest } = headers;
  if (profile.name === "stripe" && signature)
    return { ...rest, [profile.signatureHeader]: signature.replace(/,v1=[0-9a-f]+/g, "") };
  return rest;
}

/** The delivery without its timestamp; for stripe the `t=` entry goes, the signature stays. */
export function withoutTimestamp(profile: Profile, headers: Headers): Headers {
  if (profile.name === "stripe") {
    const value = headers[profile.signatureHeader] ?? "";
    return { ...headers, [profile.signatureHeader]: value.replace(/^t=[^,]*,/, "") };
  }
  if (!profile.timestampHeader) return headers;
  const { [profile.timestampHeader]: _dropped, ...rest } = headers;
  return rest;
}
