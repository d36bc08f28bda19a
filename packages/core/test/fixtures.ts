// Test fixtures: every built-in scheme with what the property suites need to know about it.
import fc from "fast-check";
import { afterAll, beforeAll } from "vitest";
import { useBackend } from "../src/crypto/hmac";
import type { Scheme } from "../src/index";
import { github, groq, shopify, slack, standardWebhooks, stripe, timestampedHmac, vastai } from "../src/schemes/named";

export interface SchemeCase {
  readonly scheme: Scheme;
  /** Headers without which verification must fail with `missing_header`. */
  readonly required: readonly string[];
  /** Every header the scheme reads, for fuzzing. */
  readonly read: readonly string[];
  readonly timestamped: boolean;
  /** The signature header and how its signature bytes are written into it. */
  readonly signatureHeader: string;
  readonly secrets: fc.Arbitrary<string>;
}

const textSecret = fc
  .string({ minLength: 1, maxLength: 64, unit: "grapheme" })
  .filter((secret) => secret.trim() !== "");
const base64Secret = fc
  .uint8Array({ minLength: 1, maxLength: 64 })
  .map((bytes) => `whsec_${Buffer.from(bytes).toString("base64")}`);

export const schemeCases: readonly SchemeCase[] = [
  {
    scheme: vastai,
    required: ["x-vastai-signature", "x-vastai-timestamp"],
    read: ["x-vastai-signature", "x-vastai-timestamp"],
    timestamped: true,
    signatureHeader: "x-vastai-signature",
    secrets: textSecret,
  },
  {
    scheme: groq,
    required: ["x-groq-signature", "x-groq-timestamp"],
    read: ["x-groq-signature", "x-groq-timestamp"],
    timestamped: true,
    signatureHeader: "x-groq-signature",
    secrets: textSecret,
  },
  {
    scheme: timestampedHmac({ provider: "acme-pay" }),
    required: ["x-acme-pay-signature", "x-acme-pay-timestamp"],
    read: ["x-acme-pay-signature", "x-acme-pay-timestamp"],
    timestamped: true,
    signatureHeader: "x-acme-pay-signature",
    secrets: textSecret,
  },
  {
    scheme: standardWebhooks,
    required: ["webhook-id", "webhook-timestamp", "webhook-signature"],
    read: ["webhook-id", "webhook-timestamp", "webhook-signature", "svix-id", "svix-timestamp", "svix-signature"],
    timestamped: true,
    signatureHeader: "webhook-signature",
    secrets: base64Secret,
  },
  {
    scheme: stripe,
    required: ["stripe-signature"],
    read: ["stripe-signature"],
    timestamped: true,
    signatureHeader: "stripe-signature",
    secrets: textSecret.map((secret) => `whsec_${secret}`),
  },
  {
    scheme: github,
    required: ["x-hub-signature-256"],
    read: ["x-hub-signature-256", "x-github-delivery"],
    timestamped: false,
    signatureHeader: "x-hub-signature-256",
    secrets: textSecret,
  },
  {
    scheme: slack,
    required: ["x-slack-signature", "x-slack-request-timestamp"],
    read: ["x-slack-signature", "x-slack-request-timestamp"],
    timestamped: true,
    signatureHeader: "x-slack-signature",
    secrets: textSecret,
  },
  {
    scheme: shopify,
    required: ["x-shopify-hmac-sha256"],
    read: ["x-shopify-hmac-sha256", "x-shopify-webhook-id"],
    timestamped: false,
    signatureHeader: "x-shopify-hmac-sha256",
    secrets: textSecret,
  },
];

const HEX = /[0-9a-f]{64}/;
const BASE64 = /[A-Za-z0-9+/]{43}=/;

/** Flips one bit of the (first) signature inside its header, keeping the header well formed. */
export function flipSignatureBit(value: string, bit: number): string {
  const hex = HEX.exec(value);
  if (hex) {
    const bytes = Buffer.from(hex[0], "hex");
    bytes[(bit >> 3) % 32]! ^= 1 << (bit & 7);
    return value.replace(hex[0], bytes.toString("hex"));
  }
  const base64 = BASE64.exec(value);
  if (!base64) throw new Error(`no signature found in ${value}`);
  const bytes = Buffer.from(base64[0], "base64");
  bytes[(bit >> 3) % 32]! ^= 1 << (bit & 7);
  return value.replace(base64[0], bytes.toString("base64"));
}

/** Runs the enclosing describe block's tests on one crypto backend, restoring detection after. */
export function onBackend(name: "node" | "web"): void {
  beforeAll(() => {
    useBackend(name);
  });
  afterAll(() => {
    useBackend(undefined);
  });
}

export const BACKENDS = ["node", "web"] as const;

export { outcome } from "@hooks/test-utils";
