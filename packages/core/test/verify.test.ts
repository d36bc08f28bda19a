// Behaviour of sign/verify case by case: vectors, inputs, secrets, ambiguous and hostile headers.
import { createHmac } from "node:crypto";
import fc from "fast-check";
import { describe, expect, test } from "vitest";
import { useBackend } from "../src/crypto/hmac";
import { InvalidOptionError, type Scheme, sign, verify, WebhookVerificationError } from "../src/index";
import { decodeHex, defineScheme, encodeHex, oneSignature, parseSignature, parseTimestamp } from "../src/scheme";
import { github, shopify, slack, standardWebhooks, stripe, timestampedHmac, vastai } from "../src/schemes/named";
import { BACKENDS, onBackend } from "./fixtures";

const NOW_MS = 1_700_000_000_000;
const NOW = NOW_MS / 1000;
const now = () => NOW_MS;

async function failure(promise: Promise<unknown>): Promise<WebhookVerificationError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof WebhookVerificationError) return error;
    throw error;
  }
  throw new Error("expected verification to fail, but it passed");
}

const hmacHex = (secret: string, text: string) => createHmac("sha256", secret).update(text).digest("hex");

// Published examples from the providers' own documentation, checked byte for byte.
const SW = {
  secret: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
  id: "msg_p5jXN8AQM9LWM0D4loKWxJek",
  timestamp: 1614265330,
  body: '{"test": 2432232314}',
  signature: "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=",
};
const GITHUB = {
  secret: "It's a Secret to Everybody",
  body: "Hello, World!",
  signature: "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17",
};
const SLACK = {
  secret: "8f742231b10e8888abcd99yyyzzz85a5",
  timestamp: 1531420618,
  body: "token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text=&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c",
  signature: "v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503",
};

for (const backend of BACKENDS) {
  describe(`published vectors on the ${backend} path`, () => {
    onBackend(backend);

    test("Standard Webhooks specification example verifies and is reproduced by sign", async () => {
      const headers = {
        "webhook-id": SW.id,
        "webhook-timestamp": `${SW.timestamp}`,
        "webhook-signature": SW.signature,
      };
      const verified = await verify({
        scheme: standardWebhooks,
        secret: SW.secret,
        headers,
        payload: SW.body,
        now: () => SW.timestamp * 1000,
      });
      expect(verified).toEqual({ scheme: "standard-webhooks", id: SW.id, timestamp: SW.timestamp });
      expect(
        await sign({
          scheme: standardWebhooks,
          secret: SW.secret,
          payload: SW.body,
          id: SW.id,
          timestamp: SW.timestamp,
        }),
      ).toEqual(headers);
      // The same secret pasted without its prefix is the same key.
      await verify({
        scheme: standardWebhooks,
        secret: SW.secret.slice(6),
        headers,
        payload: SW.body,
        now: () => SW.timestamp * 1000,
      });
    });

    test("GitHub's documented example verifies and is reproduced by sign", async () => {
      await verify({
        scheme: github,
        secret: GITHUB.secret,
        headers: { "x-hub-signature-256": GITHUB.signature },
        payload: GITHUB.body,
      });
      const headers = await sign({ scheme: github, secret: GITHUB.secret, payload: GITHUB.body, id: "d1" });
      expect(headers).toEqual({ "x-hub-signature-256": GITHUB.signature, "x-github-delivery": "d1" });
    });

    test("Slack's documented example verifies and is reproduced by sign", async () => {
      const headers = { "x-slack-request-timestamp": `${SLACK.timestamp}`, "x-slack-signature": SLACK.signature };
      await verify({
        scheme: slack,
        secret: SLACK.secret,
        headers,
        payload: SLACK.body,
        now: () => SLACK.timestamp * 1000,
      });
      expect(
        await sign({ scheme: slack, secret: SLACK.secret, payload: SLACK.body, timestamp: SLACK.timestamp }),
      ).toEqual(headers);
    });

    test("the seed scheme, Stripe and Shopify match an independent node:crypto computation", async () => {
      const body = '{"id":"evt_1","type":"resource.created","data":{},"created":1700000000}';
      expect(await sign({ scheme: vastai, secret: "s3cr3t", payload: body, timestamp: NOW })).toEqual({
        "x-vastai-signature": hmacHex("s3cr3t", `${NOW}.${body}`),
        "x-vastai-timestamp": `${NOW}`,
      });
      expect(await sign({ scheme: stripe, secret: "whsec_abc", payload: body, timestamp: NOW })).toEqual({
        "stripe-signature": `t=${NOW},v1=${hmacHex("whsec_abc", `${NOW}.${body}`)}`,
      });
      expect(await sign({ scheme: shopify, secret: "shpss_1", payload: body, id: "w1" })).toEqual({
        "x-shopify-hmac-sha256": createHmac("sha256", "shpss_1").update(body).digest("base64"),
        "x-shopify-webhook-id": "w1",
      });
    });
  });
}

describe("the two crypto paths", () => {
  test("compute the same HMAC for any key, prefix and body, and compare without throwing on any lengths", async () => {
    const node = useBackend("node");
    const web = useBackend("web");
    useBackend(undefined);
    await fc.assert(
      fc.asyncProperty(
        fc.uint8Array({ minLength: 1, maxLength: 80 }),
        fc.string({ maxLength: 40 }),
        fc.oneof(fc.uint8Array({ maxLength: 512 }), fc.string({ maxLength: 200 })),
        fc.uint8Array({ maxLength: 40 }),
        async (key, prefix, body, other) => {
          const expected = await node.hmac(key, { prefix, body });
          expect(await web.hmac(key, { prefix, body })).toEqual(new Uint8Array(expected));
          expect(await web.sha256(body)).toEqual(new Uint8Array(await node.sha256(body)));
          for (const { equal } of [node, web]) {
            expect(equal(expected, new Uint8Array(expected))).toBe(true);
            expect(equal(expected, other)).toBe(false);
          }
        },
      ),
      { numRuns: 1000 },
    );
  });

  test("node:crypto is the backend detected on Node (reached through process.getBuiltinModule)", () => {
    expect(useBackend(undefined).name).toBe("node");
  });
});

describe("payload", () => {
  const body = '{"ok":true}';

  test("a string, Uint8Array, Buffer or ArrayBuffer of the raw body all verify", async () => {
    const headers = await sign({ scheme: vastai, secret: "k", payload: body, timestamp: NOW });
    const bytes = new TextEncoder().encode(body);
    for (const payload of [body, bytes, Buffer.from(body), bytes.buffer]) {
      await verify({ scheme: vastai, secret: "k", headers, payload, now });
    }
  });

  test("a parsed object or any other value is invalid_payload with a message that says to pass the raw body", async () => {
    const headers = await sign({ scheme: vastai, secret: "k", payload: body, timestamp: NOW });
    for (const payload of [{ ok: true }, null, undefined, 42, ["x"], new DataView(new ArrayBuffer(2))]) {
      const error = await failure(verify({ scheme: vastai, secret: "k", headers, payload: payload as never, now }));
      expect(error.code).toBe("invalid_payload");
      expect(error.message).toMatch(/raw (request )?body/);
    }
  });
});

describe("secrets", () => {
  test("during a rotation any one of the configured secrets verifies", async () => {
    const headers = await sign({ scheme: vastai, secret: "new", payload: "x", timestamp: NOW });
    await verify({ scheme: vastai, secret: ["old", "new"], headers, payload: "x", now });
    expect((await failure(verify({ scheme: vastai, secret: ["old"], headers, payload: "x", now }))).code).toBe(
      "signature_mismatch",
    );
  });

  test("empty, blank, non-string or an empty list is invalid_secret; so is a whsec_ that is not base64", async () => {
    const headers = await sign({ scheme: vastai, secret: "k", payload: "x", timestamp: NOW });
    for (const secret of ["", "   ", "\t\n", [], ["k", ""], [42], 42, undefined]) {
      expect(
        (await failure(verify({ scheme: vastai, secret: secret as never, headers, payload: "x", now }))).code,
      ).toBe("invalid_secret");
    }
    const sw = await sign({ scheme: standardWebhooks, secret: SW.secret, payload: "x", timestamp: NOW });
    for (const secret of ["whsec_", "whsec_not base64!", "whsec_AAAA=A"]) {
      expect((await failure(verify({ scheme: standardWebhooks, secret, headers: sw, payload: "x", now }))).code).toBe(
        "invalid_secret",
      );
    }
  });

  test("no error message ever contains the secret or the expected signature", async () => {
    const secret = "whsec_TOPSECRETvalue0123456789";
    const body = "payload";
    const good = await sign({ scheme: vastai, secret, payload: body, timestamp: NOW });
    const expected = good["x-vastai-signature"]!;
    const attempts = [
      { headers: good, payload: "tampered" },
      { headers: { ...good, "x-vastai-timestamp": "x" }, payload: body },
      { headers: { ...good, "x-vastai-signature": "zz" }, payload: body },
      { headers: { ...good, "x-vastai-timestamp": `${NOW - 1000}` }, payload: body },
      { headers: {}, payload: body },
      { headers: good, payload: { parsed: true } },
    ];
    for (const attempt of attempts) {
      const error = await failure(
        verify({ scheme: vastai, secret, now, ...attempt, payload: attempt.payload as never }),
      );
      for (const text of [error.message, String(error.stack), JSON.stringify(error)]) {
        expect(text).not.toContain("TOPSECRET");
        expect(text).not.toContain(expected);
      }
    }
  });
});

describe("the cost of a refusal", () => {
  test("refusals carry no stack trace (its capture costs more than the HMAC) and leave Error.stackTraceLimit as it was", async () => {
    const before = Error.stackTraceLimit;
    const good = await sign({ scheme: vastai, secret: "k", payload: "x", timestamp: NOW });
    const forged = { ...good, "x-vastai-signature": "0".repeat(64) };
    const error = await failure(verify({ scheme: vastai, secret: "k", headers: forged, payload: "x", now }));
    expect(error).toBeInstanceOf(WebhookVerificationError);
    expect(error.code).toBe("signature_mismatch");
    expect(String(error.stack)).toMatch(/^WebhookVerificationError: signature matches no secret/);
    expect(String(error.stack)).not.toMatch(/\n\s+at /);
    expect(Error.stackTraceLimit).toBe(before);
    // Other errors keep their stacks, and so do setup errors: they point at the misconfigured call.
    expect(String(new Error("other").stack)).toMatch(/\n\s+at /);
    const setup = await failure(verify({ scheme: vastai, secret: " ", headers: good, payload: "x", now }));
    expect(setup.code).toBe("invalid_secret");
    expect(String(setup.stack)).toMatch(/\n\s+at /);
  });
});

describe("timestamps and the window", () => {
  test("errors say how far off the timestamp is and point at the server clock", async () => {
    const old = await sign({ scheme: vastai, secret: "k", payload: "x", timestamp: NOW - 412 });
    const tooOld = await failure(verify({ scheme: vastai, secret: "k", headers: old, payload: "x", now }));
    expect(tooOld.code).toBe("timestamp_too_old");
    expect(tooOld.message).toMatch(/412 s old \(tolerance 300 s\).*clock/);
    const ahead = await sign({ scheme: vastai, secret: "k", payload: "x", timestamp: NOW + 3600 });
    const future = await failure(verify({ scheme: vastai, secret: "k", headers: ahead, payload: "x", now }));
    expect(future.code).toBe("timestamp_in_future");
    expect(future.message).toMatch(/3600 s in the future.*clock/);
  });

  test("a non-numeric, empty, signed, fractional or exponent timestamp is invalid_timestamp before any HMAC", async () => {
    const headers = await sign({ scheme: vastai, secret: "k", payload: "x", timestamp: NOW });
    for (const timestamp of [
      "",
      "abc",
      "NaN",
      `${NOW}abc`,
      `-${NOW}`,
      `+${NOW}`,
      `${NOW}.0`,
      "1.7e9",
      `0${NOW}`,
      ` ${NOW}`,
    ]) {
      const error = await failure(
        verify({
          scheme: vastai,
          secret: "k",
          headers: { ...headers, "x-vastai-timestamp": timestamp },
          payload: "x",
          now,
        }),
      );
      expect(error.code, JSON.stringify(timestamp)).toBe("invalid_timestamp");
      expect(error.header).toBe("x-vastai-timestamp");
    }
  });

  test("toleranceSeconds 0 accepts only the current second; NaN, negative, fractional or infinite tolerance is an invalid_option error", async () => {
    const headers = await sign({ scheme: vastai, secret: "k", payload: "x", timestamp: NOW });
    await verify({ scheme: vastai, secret: "k", headers, payload: "x", now: () => NOW_MS + 999, toleranceSeconds: 0 });
    const late = await failure(
      verify({ scheme: vastai, secret: "k", headers, payload: "x", now: () => NOW_MS + 1000, toleranceSeconds: 0 }),
    );
    expect(late.code).toBe("timestamp_too_old");
    for (const toleranceSeconds of [Number.NaN, -1, 1.5, Number.POSITIVE_INFINITY]) {
      await expect(
        verify({ scheme: vastai, secret: "k", headers, payload: "x", now, toleranceSeconds }),
      ).rejects.toThrow(InvalidOptionError);
    }
    await expect(verify({ scheme: vastai, secret: "k", headers, payload: "x", now: () => Number.NaN })).rejects.toThrow(
      InvalidOptionError,
    );
  });

  test("schemes without a timestamp (GitHub, Shopify) have no window: the id is what deduplicates", async () => {
    const headers = await sign({
      scheme: github,
      secret: "k",
      payload: "x",
      id: "72d3162e-cc78-11e3-81ab-4c9367dc0958",
    });
    const verified = await verify({ scheme: github, secret: "k", headers, payload: "x", now: () => 0 });
    expect(verified).toEqual({ scheme: "github", id: "72d3162e-cc78-11e3-81ab-4c9367dc0958", timestamp: undefined });
  });
});

describe("ambiguous and hostile headers", () => {
  test("a header sent twice is refused, whatever container carries it", async () => {
    const a = await sign({ scheme: vastai, secret: "k", payload: "x", timestamp: NOW });
    const b = await sign({ scheme: vastai, secret: "k", payload: "x", timestamp: NOW - 1 });
    const twice = (name: string) => [a[name]!, b[name]!];
    const cases: [Record<string, string | string[]>, string][] = [
      [{ ...a, "x-vastai-timestamp": twice("x-vastai-timestamp") }, "invalid_timestamp"],
      [{ ...a, "x-vastai-signature": twice("x-vastai-signature") }, "malformed_signature"],
    ];
    for (const [headers, code] of cases) {
      expect((await failure(verify({ scheme: vastai, secret: "k", headers, payload: "x", now }))).code).toBe(code);
      const web = new Headers();
      for (const [name, value] of Object.entries(headers)) for (const one of [value].flat()) web.append(name, one);
      expect((await failure(verify({ scheme: vastai, secret: "k", headers: web, payload: "x", now }))).code).toBe(code);
    }
  });

  test("Standard Webhooks: two signature headers joined by a comma are refused; unknown versions are skipped", async () => {
    const headers = await sign({ scheme: standardWebhooks, secret: SW.secret, payload: "x", timestamp: NOW });
    const signature = headers["webhook-signature"]!;
    const joined = { ...headers, "webhook-signature": [signature, signature] };
    expect(
      (await failure(verify({ scheme: standardWebhooks, secret: SW.secret, headers: joined, payload: "x", now }))).code,
    ).toBe("malformed_signature");
    const future = { ...headers, "webhook-signature": `v9,c29tZXRoaW5nIG5ldw== ${signature}` };
    await verify({ scheme: standardWebhooks, secret: SW.secret, headers: future, payload: "x", now });
    const unknownOnly = { ...headers, "webhook-signature": "v9,c29tZXRoaW5nIG5ldw==" };
    expect(
      (await failure(verify({ scheme: standardWebhooks, secret: SW.secret, headers: unknownOnly, payload: "x", now })))
        .code,
    ).toBe("malformed_signature");
  });

  test("Standard Webhooks reads Svix's svix-* headers as the same scheme, but never mixes the two families", async () => {
    const headers = await sign({ scheme: standardWebhooks, secret: SW.secret, payload: "x", timestamp: NOW });
    const svix = Object.fromEntries(
      Object.entries(headers).map(([name, value]) => [name.replace("webhook-", "svix-"), value]),
    );
    expect(
      await verify({ scheme: standardWebhooks, secret: SW.secret, headers: svix, payload: "x", now }),
    ).toMatchObject({
      id: headers["webhook-id"],
    });
    const mixed = {
      "webhook-signature": headers["webhook-signature"]!,
      "svix-id": headers["webhook-id"]!,
      "svix-timestamp": `${NOW}`,
    };
    const error = await failure(
      verify({ scheme: standardWebhooks, secret: SW.secret, headers: mixed, payload: "x", now }),
    );
    expect([error.code, error.header]).toEqual(["missing_header", "webhook-id"]);
  });

  test("Stripe: two t= entries are refused; several v1 entries (rolled secrets) and unknown entries are fine", async () => {
    const headers = await sign({ scheme: stripe, secret: ["whsec_old", "whsec_new"], payload: "x", timestamp: NOW });
    const value = headers["stripe-signature"]!;
    expect(value.split(",v1=")).toHaveLength(3);
    await verify({
      scheme: stripe,
      secret: "whsec_new",
      headers: { "stripe-signature": `${value},v0=abc` },
      payload: "x",
      now,
    });
    for (const [bad, code] of [
      [`${value},t=${NOW}`, "invalid_timestamp"],
      [value.replace(/^t=\d+,/, ""), "invalid_timestamp"],
      [`t=${NOW}`, "malformed_signature"],
      [value.replace(",", ", "), "malformed_signature"],
      [`${value}, ${value}`, "malformed_signature"],
      [value.replace("v1=", "v1"), "malformed_signature"],
    ]) {
      const error = await failure(
        verify({ scheme: stripe, secret: "whsec_new", headers: { "stripe-signature": bad! }, payload: "x", now }),
      );
      expect(error.code, bad).toBe(code);
    }
  });

  test("uppercase hex verifies; a signature of the wrong length is malformed_signature, never a throw from the comparison", async () => {
    const headers = await sign({ scheme: vastai, secret: "k", payload: "x", timestamp: NOW });
    const signature = headers["x-vastai-signature"]!;
    await verify({
      scheme: vastai,
      secret: "k",
      headers: { ...headers, "x-vastai-signature": signature.toUpperCase() },
      payload: "x",
      now,
    });
    for (const wrong of [
      signature.slice(0, 62),
      `${signature}00`,
      "",
      signature.slice(0, 63),
      `${signature.slice(0, 63)}g`,
    ]) {
      const error = await failure(
        verify({
          scheme: vastai,
          secret: "k",
          headers: { ...headers, "x-vastai-signature": wrong },
          payload: "x",
          now,
        }),
      );
      expect(error.code).toBe("malformed_signature");
    }
  });

  test("huge signature headers and headers with thousands of entries are refused as malformed_signature", async () => {
    const huge = "a".repeat(1 << 20);
    const many = Array.from({ length: 10_000 }, () => "v1,AAAA").join(" ");
    const cases: [Scheme, Record<string, string>][] = [
      [vastai, { "x-vastai-signature": huge, "x-vastai-timestamp": `${NOW}` }],
      [github, { "x-hub-signature-256": `sha256=${huge}` }],
      [shopify, { "x-shopify-hmac-sha256": huge }],
      [standardWebhooks, { "webhook-id": "m", "webhook-timestamp": `${NOW}`, "webhook-signature": many }],
      [standardWebhooks, { "webhook-id": "m", "webhook-timestamp": `${NOW}`, "webhook-signature": huge }],
      [stripe, { "stripe-signature": `t=${NOW},${"v1=00,".repeat(10_000)}` }],
    ];
    for (const [scheme, headers] of cases) {
      expect((await failure(verify({ scheme, secret: "whsec_c2VjcmV0", headers, payload: "x", now }))).code).toBe(
        "malformed_signature",
      );
    }
  });
});

describe("Standard Webhooks v1a (Ed25519)", () => {
  async function keyPair() {
    const pair = (await crypto.subtle.generateKey({ name: "Ed25519" }, true, ["sign", "verify"])) as CryptoKeyPair;
    const pkcs8 = Buffer.from(await crypto.subtle.exportKey("pkcs8", pair.privateKey));
    const raw = Buffer.from(await crypto.subtle.exportKey("raw", pair.publicKey));
    const spki = Buffer.from(await crypto.subtle.exportKey("spki", pair.publicKey));
    const seed = pkcs8.subarray(16);
    return {
      privateKeys: [pkcs8, seed, Buffer.concat([seed, raw])].map((key) => `whsk_${key.toString("base64")}`),
      publicKeys: [raw, spki].map((key) => `whpk_${key.toString("base64")}`),
    };
  }

  test("any private-key form signs what any public-key form verifies; a tampered body fails", async () => {
    const { privateKeys, publicKeys } = await keyPair();
    for (const privateKey of privateKeys) {
      const headers = await sign({ scheme: standardWebhooks, secret: privateKey, payload: "body", timestamp: NOW });
      expect(headers["webhook-signature"]).toMatch(/^v1a,[A-Za-z0-9+/]{86}==$/);
      for (const publicKey of publicKeys) {
        await verify({ scheme: standardWebhooks, secret: publicKey, headers, payload: "body", now });
        expect(
          (await failure(verify({ scheme: standardWebhooks, secret: publicKey, headers, payload: "bodY", now }))).code,
        ).toBe("signature_mismatch");
      }
    }
  });

  test("HMAC and Ed25519 keys mix in one rotation, each checking its own entries", async () => {
    const { privateKeys, publicKeys } = await keyPair();
    const headers = await sign({
      scheme: standardWebhooks,
      secret: [SW.secret, privateKeys[0]!],
      payload: "b",
      timestamp: NOW,
    });
    expect(headers["webhook-signature"]).toMatch(/^v1,\S+ v1a,\S+$/);
    await verify({ scheme: standardWebhooks, secret: publicKeys[0]!, headers, payload: "b", now });
    await verify({ scheme: standardWebhooks, secret: SW.secret, headers, payload: "b", now });
    const other = await keyPair();
    const onlyOther = await failure(
      verify({ scheme: standardWebhooks, secret: other.publicKeys[0]!, headers, payload: "b", now }),
    );
    expect(onlyOther.code).toBe("signature_mismatch");
  });

  test("a private key cannot verify, a public key cannot sign, and malformed keys are invalid_secret", async () => {
    const { privateKeys, publicKeys } = await keyPair();
    const headers = await sign({ scheme: standardWebhooks, secret: privateKeys[0]!, payload: "b", timestamp: NOW });
    expect(
      (await failure(verify({ scheme: standardWebhooks, secret: privateKeys[0]!, headers, payload: "b", now }))).code,
    ).toBe("invalid_secret");
    expect((await failure(sign({ scheme: standardWebhooks, secret: publicKeys[0]!, payload: "b" }))).code).toBe(
      "invalid_secret",
    );
    for (const secret of [
      "whpk_",
      "whpk_AAAA",
      "whpk_!!",
      `whpk_${Buffer.alloc(44, 7).toString("base64")}`,
      "whsk_AAAA",
    ]) {
      const error = await failure(verify({ scheme: standardWebhooks, secret, headers, payload: "b", now }));
      expect(error.code, secret).toBe("invalid_secret");
    }
  });
});

describe("custom schemes and signing options", () => {
  const acme = defineScheme({
    name: "acme",
    parse: (header) => ({
      timestamp: parseTimestamp(header("acme-time"), "acme-time"),
      signatures: [parseSignature(header("acme-sig"), "acme-sig", decodeHex)],
    }),
    prefix: ({ timestamp }) => `${timestamp}:`,
    headers: ({ timestamp, signatures }) => ({
      "acme-time": `${timestamp}`,
      "acme-sig": encodeHex(oneSignature(signatures, "acme")),
    }),
  });

  test("a scheme defined with defineScheme signs and verifies with the core's window and comparison", async () => {
    const headers = await sign({ scheme: acme, secret: "k", payload: "x", timestamp: NOW });
    expect(headers["acme-sig"]).toBe(hmacHex("k", `${NOW}:x`));
    await verify({ scheme: acme, secret: "k", headers, payload: "x", now });
    expect(
      (await failure(verify({ scheme: acme, secret: "k", headers, payload: "x", now: () => NOW_MS + 301_000 }))).code,
    ).toBe("timestamp_too_old");
    expect(() => defineScheme({ name: "broken" } as never)).toThrow(InvalidOptionError);
  });

  test("bad provider names, several secrets for a one-signature scheme, bad timestamps or ids are refused when signing", async () => {
    for (const provider of ["", "Acme", "a b", "x--y", "-x", 42]) {
      expect(() => timestampedHmac({ provider } as never), String(provider)).toThrow(InvalidOptionError);
    }
    await expect(sign({ scheme: vastai, secret: ["a", "b"], payload: "x" })).rejects.toThrow(InvalidOptionError);
    for (const timestamp of [-1, 1.5, Number.NaN])
      await expect(sign({ scheme: vastai, secret: "a", payload: "x", timestamp })).rejects.toThrow(InvalidOptionError);
    for (const id of ["", "a b", "a,b", "x".repeat(257)])
      await expect(sign({ scheme: github, secret: "a", payload: "x", id })).rejects.toThrow(InvalidOptionError);
  });
});
