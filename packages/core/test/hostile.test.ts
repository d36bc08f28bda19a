// Inputs built to slip past verification: each must be refused with a WebhookVerificationError.
import { runInNewContext } from "node:vm";
import fc from "fast-check";
import { afterEach, describe, expect, test, vi } from "vitest";
import { useBackend } from "../src/crypto/hmac";
import { type HeadersInput, sign, verify, WebhookVerificationError } from "../src/index";
import { decodeHex, defineScheme, parseSignature } from "../src/scheme";
import { github, standardWebhooks, stripe, vastai } from "../src/schemes/named";
import { outcome, schemeCases } from "./fixtures";

const NOW = 1_700_000_000;
const now = () => NOW * 1000;
const SW_SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

afterEach(() => {
  vi.restoreAllMocks();
  useBackend(undefined);
});

describe("timestamps from custom schemes", () => {
  test("a scheme that reads NaN, a negative or a fractional timestamp cannot switch the window off", async () => {
    for (const bad of [Number.NaN, -1, 1.5, Number.POSITIVE_INFINITY]) {
      const naive = defineScheme({
        name: "naive",
        parse: (header) => ({ timestamp: bad, signatures: [parseSignature(header("x-sig"), "x-sig", decodeHex)] }),
        prefix: () => "",
        headers: () => ({}),
      });
      const headers = await sign({ scheme: github, secret: "k", payload: "x" });
      const signature = headers["x-hub-signature-256"]!.slice(7);
      expect(
        await outcome(verify({ scheme: naive, secret: "k", headers: { "x-sig": signature }, payload: "x", now })),
        String(bad),
      ).toBe("invalid_timestamp");
    }
  });

  test("an invalid timestamp is refused before any HMAC is computed", async () => {
    const crypto = useBackend("node");
    const hmac = vi.spyOn(crypto, "hmac");
    const headers = await sign({ scheme: vastai, secret: "k", payload: "x", timestamp: NOW });
    expect(hmac).toHaveBeenCalledTimes(1);
    for (const timestamp of ["", "NaN", "1e9", "-1"]) {
      const code = await outcome(
        verify({
          scheme: vastai,
          secret: "k",
          headers: { ...headers, "x-vastai-timestamp": timestamp },
          payload: "x",
          now,
        }),
      );
      expect(code).toBe("invalid_timestamp");
    }
    const stale = await outcome(
      verify({ scheme: vastai, secret: "k", headers, payload: "x", now: () => (NOW + 301) * 1000 }),
    );
    expect(stale).toBe("timestamp_too_old");
    expect(hmac).toHaveBeenCalledTimes(1);
  });
});

describe("keys", () => {
  test("a Standard Webhooks key-pair member is never used as an HMAC secret by another scheme", async () => {
    const headers = await sign({ scheme: vastai, secret: "whpk_x", payload: "x" }).catch((error) => error);
    expect(headers).toBeInstanceOf(WebhookVerificationError);
    for (const secret of ["whpk_AAAA", "whsk_AAAA", ["k", "whpk_AAAA"]]) {
      expect(
        await outcome(
          verify({ scheme: stripe, secret, headers: { "stripe-signature": "t=1,v1=00" }, payload: "x", now }),
        ),
      ).toBe("invalid_secret");
    }
  });

  test("a private key among the secrets fails verification whatever its position and whatever the delivery", async () => {
    const pair = (await crypto.subtle.generateKey({ name: "Ed25519" }, true, ["sign", "verify"])) as CryptoKeyPair;
    const privateKey = `whsk_${Buffer.from(await crypto.subtle.exportKey("pkcs8", pair.privateKey)).toString("base64")}`;
    const headers = await sign({ scheme: standardWebhooks, secret: SW_SECRET, payload: "x", timestamp: NOW });
    for (const secret of [
      [SW_SECRET, privateKey],
      [privateKey, SW_SECRET],
    ]) {
      expect(await outcome(verify({ scheme: standardWebhooks, secret, headers, payload: "x", now }))).toBe(
        "invalid_secret",
      );
    }
  });

  test("a public key of the right size that is not an Ed25519 key fails even deliveries with only v1 entries", async () => {
    const x25519 = (await crypto.subtle.generateKey({ name: "X25519" }, true, ["deriveBits"])) as CryptoKeyPair;
    const spki = Buffer.from(await crypto.subtle.exportKey("spki", x25519.publicKey));
    expect(spki).toHaveLength(44);
    const headers = await sign({ scheme: standardWebhooks, secret: SW_SECRET, payload: "x", timestamp: NOW });
    const secret = [SW_SECRET, `whpk_${spki.toString("base64")}`];
    expect(await outcome(verify({ scheme: standardWebhooks, secret, headers, payload: "x", now }))).toBe(
      "invalid_secret",
    );
  });
});

describe("header containers", () => {
  test("non-string values, inherited properties and odd get() results count as absent", async () => {
    const good = await sign({ scheme: vastai, secret: "k", payload: "x", timestamp: NOW });
    const odd: unknown[] = [NOW, [NOW], [Symbol("x")], { toString: () => `${NOW}` }, null, true, []];
    for (const value of odd) {
      const record = { ...good, "x-vastai-timestamp": value } as unknown as HeadersInput;
      expect(await outcome(verify({ scheme: vastai, secret: "k", headers: record, payload: "x", now }))).toBe(
        "missing_header",
      );
      const web = {
        get: (name: string) => (name === "x-vastai-timestamp" ? value : (good[name] ?? null)),
      } as HeadersInput;
      expect(await outcome(verify({ scheme: vastai, secret: "k", headers: web, payload: "x", now }))).toBe(
        "missing_header",
      );
    }
    const inherited = Object.create(good) as HeadersInput;
    expect(await outcome(verify({ scheme: vastai, secret: "k", headers: inherited, payload: "x", now }))).toBe(
      "missing_header",
    );
  });

  test("one name in two spellings with different values is refused, not picked from", async () => {
    const good = await sign({ scheme: vastai, secret: "k", payload: "x", timestamp: NOW });
    const spelled = {
      "X-Vastai-Signature": good["x-vastai-signature"]!,
      "X-VASTAI-TIMESTAMP": `${NOW}`,
      "X-Vastai-Timestamp": `${NOW - 1}`,
    };
    expect(await outcome(verify({ scheme: vastai, secret: "k", headers: spelled, payload: "x", now }))).toBe(
      "invalid_timestamp",
    );
  });

  test("Standard Webhooks: a joined header is refused even when its first entry has an unknown version", async () => {
    const headers = await sign({ scheme: standardWebhooks, secret: SW_SECRET, payload: "x", timestamp: NOW });
    const joined = { ...headers, "webhook-signature": ["v2,abc", headers["webhook-signature"]!] };
    expect(
      await outcome(verify({ scheme: standardWebhooks, secret: SW_SECRET, headers: joined, payload: "x", now })),
    ).toBe("malformed_signature");
  });

  test("for every scheme, any header it sends repeated with another value is refused", async () => {
    for (const { scheme, secrets } of schemeCases) {
      await fc.assert(
        fc.asyncProperty(secrets, fc.uint8Array({ maxLength: 64 }), async (secret, payload) => {
          const headers = await sign({ scheme, secret, payload, timestamp: NOW, id: "evt_1" });
          const other = await sign({ scheme, secret, payload, timestamp: NOW - 1, id: "evt_2" });
          for (const name of Object.keys(headers)) {
            const repeated = { ...headers, [name]: [headers[name]!, other[name]!] };
            expect(
              await outcome(verify({ scheme, secret, headers: repeated, payload, now })),
              `${scheme.name} ${name}`,
            ).not.toBe("verified");
          }
        }),
        { numRuns: 50 },
      );
    }
  });
});

describe("payloads", () => {
  test("bytes from another realm verify; objects that only pretend to be bytes are invalid_payload", async () => {
    const headers = await sign({ scheme: vastai, secret: "k", payload: "abc", timestamp: NOW });
    const foreignBytes = runInNewContext("new Uint8Array([97, 98, 99])");
    const foreignBuffer = runInNewContext("new Uint8Array([97, 98, 99]).buffer");
    for (const payload of [foreignBytes, foreignBuffer]) {
      expect(await outcome(verify({ scheme: vastai, secret: "k", headers, payload, now }))).toBe("verified");
    }
    const fakes = [
      { [Symbol.toStringTag]: "ArrayBuffer" },
      { [Symbol.toStringTag]: "Uint8Array", length: 3 },
      new Proxy(new Uint8Array([97, 98, 99]), {}),
      new SharedArrayBuffer(3),
      new Uint16Array(2),
    ];
    for (const payload of fakes) {
      expect(await outcome(verify({ scheme: vastai, secret: "k", headers, payload: payload as never, now }))).toBe(
        "invalid_payload",
      );
    }
  });
});
