// The delivery builders sign what core verifies, for every scheme; the broken variants never verify.
import { type Scheme, schemes, verify } from "@hooks/core";
import {
  eventBody,
  eventDelivery,
  FakeClock,
  forgedDelivery,
  outcome,
  type SigningOptions,
  signedDelivery,
  tampered,
} from "@hooks/test-utils";
import { describe, expect, test } from "vitest";

const SW_SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

async function ed25519PrivateAndPublic(): Promise<[string, string]> {
  const pair = (await crypto.subtle.generateKey({ name: "Ed25519" }, true, ["sign", "verify"])) as CryptoKeyPair;
  const pkcs8 = Buffer.from(await crypto.subtle.exportKey("pkcs8", pair.privateKey));
  const raw = Buffer.from(await crypto.subtle.exportKey("raw", pair.publicKey));
  return [`whsk_${pkcs8.toString("base64")}`, `whpk_${raw.toString("base64")}`];
}

/** Each scheme with the secret a sender signs with and the one a receiver verifies with. */
async function cases(): Promise<
  { name: string; scheme: Scheme; signWith: SigningOptions["secret"]; verifyWith: string }[]
> {
  const [privateKey, publicKey] = await ed25519PrivateAndPublic();
  return [
    { name: "vastai", scheme: schemes.vastai, signWith: "s3cr3t", verifyWith: "s3cr3t" },
    { name: "groq", scheme: schemes.groq, signWith: "s3cr3t", verifyWith: "s3cr3t" },
    { name: "github", scheme: schemes.github, signWith: "s3cr3t", verifyWith: "s3cr3t" },
    { name: "shopify", scheme: schemes.shopify, signWith: "s3cr3t", verifyWith: "s3cr3t" },
    { name: "slack", scheme: schemes.slack, signWith: "s3cr3t", verifyWith: "s3cr3t" },
    { name: "stripe", scheme: schemes.stripe, signWith: "whsec_abc", verifyWith: "whsec_abc" },
    { name: "standardWebhooks", scheme: schemes.standardWebhooks, signWith: SW_SECRET, verifyWith: SW_SECRET },
    {
      name: "standardWebhooks, a rotation list",
      scheme: schemes.standardWebhooks,
      signWith: ["whsec_b2xk", SW_SECRET],
      verifyWith: SW_SECRET,
    },
    { name: "standardWebhooks Ed25519", scheme: schemes.standardWebhooks, signWith: privateKey, verifyWith: publicKey },
  ];
}

describe("for every scheme", async () => {
  for (const { name, scheme, signWith, verifyWith } of await cases()) {
    test(`${name}: signedDelivery verifies; forgedDelivery and tampered are signature_mismatch`, async () => {
      const body = eventBody("evt_1", { data: { name: "gpu-1" } });
      const check = (d: { headers: Record<string, string>; body: string | Uint8Array }) =>
        outcome(verify({ scheme, secret: verifyWith, headers: d.headers, payload: d.body }));
      const good = await signedDelivery(body, { scheme, secret: signWith });
      expect(await check(good)).toBe("verified");
      const forged = await forgedDelivery(body, { scheme, secret: signWith });
      expect(Object.keys(forged.headers).sort()).toEqual(Object.keys(good.headers).sort());
      expect(await check(forged)).toBe("signature_mismatch");
      expect(await check(tampered(good))).toBe("signature_mismatch");
      const bytes = await signedDelivery(new TextEncoder().encode(body), { scheme, secret: signWith });
      expect(await check(bytes)).toBe("verified");
      expect(await check(await forgedDelivery(bytes.body, { scheme, secret: signWith }))).toBe("signature_mismatch");
    });
  }
});

test("eventBody is the { id, type, data, created } envelope, with defaults", () => {
  expect(eventBody("evt_1")).toBe('{"id":"evt_1","type":"resource.created","data":{},"created":1}');
  expect(eventBody("evt_2", { type: "invoice.paid", data: { n: 1 }, created: 9 })).toBe(
    '{"id":"evt_2","type":"invoice.paid","data":{"n":1},"created":9}',
  );
});

test("eventDelivery: JSON content-type, the signature, the id; extra headers are sent too", async () => {
  const d = await eventDelivery("evt_3", {
    secret: "k",
    data: { a: 1 },
    timestamp: 1_700_000_000,
    headers: { "x-a": "1" },
  });
  expect(d).toEqual({
    id: "evt_3",
    body: eventBody("evt_3", { data: { a: 1 } }),
    headers: {
      "content-type": "application/json",
      "x-a": "1",
      "x-vastai-timestamp": "1700000000",
      "x-vastai-signature": expect.stringMatching(/^[0-9a-f]{64}$/),
    },
  });
});

test("the timestamp comes from `timestamp`, else from `clock`, else from now", async () => {
  const clock = new FakeClock();
  const at = async (options: Partial<SigningOptions>) =>
    Number((await signedDelivery("x", { secret: "k", ...options })).headers["x-vastai-timestamp"]);
  expect(await at({ timestamp: 42 })).toBe(42);
  expect(await at({ clock })).toBe(1_700_000_000);
  expect(await at({ clock, timestamp: 7 })).toBe(7);
  expect(Math.abs((await at({})) - Date.now() / 1000)).toBeLessThan(5);
});
