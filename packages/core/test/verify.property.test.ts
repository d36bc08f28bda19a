// Property tests of sign/verify for every scheme, run once on the node:crypto path and once on Web Crypto.
import fc from "fast-check";
import { describe, expect, test } from "vitest";
import { sign, verify } from "../src/index";
import { BACKENDS, flipSignatureBit, onBackend, outcome, schemeCases } from "./fixtures";

const RUNS = 1000;
// fast-check prints the seed of a failure; HOOKS_FC_SEED replays it.
const seed = process.env.HOOKS_FC_SEED ? Number(process.env.HOOKS_FC_SEED) : undefined;
const params = (numRuns = RUNS) => (seed === undefined ? { numRuns } : { numRuns, seed });

const payloads = fc.uint8Array({ maxLength: 2048 });
const nowsMs = fc.integer({ min: 1_000_000_000_000, max: 4_000_000_000_000 });
const tolerances = fc.integer({ min: 0, max: 86_400 });

for (const backend of BACKENDS) {
  describe(`${backend} crypto`, () => {
    onBackend(backend);

    for (const { scheme, required, read, timestamped, signatureHeader, secrets } of schemeCases) {
      describe(scheme.name, () => {
        // A delivery signed at `offset` seconds from now, inside the window.
        const deliveries = fc.record({
          payload: payloads,
          secret: secrets,
          nowMs: nowsMs,
          toleranceSeconds: tolerances,
          offset: fc.double({ min: -1, max: 1, noNaN: true }),
        });
        type Delivery = typeof deliveries extends fc.Arbitrary<infer T> ? T : never;
        const signed = async ({ payload, secret, nowMs, toleranceSeconds, offset }: Delivery) => {
          const timestamp = Math.floor(nowMs / 1000) + Math.trunc(offset * toleranceSeconds);
          const headers = await sign({ scheme, secret, payload, timestamp });
          const check = (mutated: { headers?: Record<string, string>; payload?: Uint8Array; secret?: string }) =>
            outcome(
              verify({
                scheme,
                secret: mutated.secret ?? secret,
                headers: mutated.headers ?? headers,
                payload: mutated.payload ?? payload,
                toleranceSeconds,
                now: () => nowMs,
              }),
            );
          return { headers, timestamp, check };
        };

        test("any payload, secret and timestamp inside the window round-trips", async () => {
          await fc.assert(
            fc.asyncProperty(deliveries, async (delivery) => {
              const { check } = await signed(delivery);
              expect(await check({})).toBe("verified");
            }),
            params(),
          );
        });

        test("any single-bit change to the body is rejected as signature_mismatch", async () => {
          await fc.assert(
            fc.asyncProperty(deliveries, fc.nat(), async (delivery, bit) => {
              const { check } = await signed(delivery);
              const payload = new Uint8Array([...delivery.payload, 0]);
              const at = (bit >> 3) % payload.length;
              payload[at]! ^= 1 << (bit & 7);
              // Covers both a flipped bit inside the body and one appended byte.
              expect(await check({ payload: payload.subarray(0, at < delivery.payload.length ? -1 : undefined) })).toBe(
                "signature_mismatch",
              );
            }),
            params(),
          );
        });

        test("any single-bit change to the signature is rejected as signature_mismatch", async () => {
          await fc.assert(
            fc.asyncProperty(deliveries, fc.nat(255), async (delivery, bit) => {
              const { headers, check } = await signed(delivery);
              const mutated = { ...headers, [signatureHeader]: flipSignatureBit(headers[signatureHeader]!, bit) };
              expect(await check({ headers: mutated })).toBe("signature_mismatch");
            }),
            params(),
          );
        });

        test("a signature made with another secret is rejected as signature_mismatch", async () => {
          await fc.assert(
            fc.asyncProperty(deliveries, secrets, async (delivery, other) => {
              fc.pre(other !== delivery.secret);
              const { check } = await signed(delivery);
              expect(await check({ secret: other })).toBe("signature_mismatch");
            }),
            params(),
          );
        });

        test("any required header dropped is rejected as missing_header", async () => {
          await fc.assert(
            fc.asyncProperty(deliveries, fc.constantFrom(...required), async (delivery, dropped) => {
              const { headers, check } = await signed(delivery);
              const { [dropped]: _, ...rest } = headers;
              expect(await check({ headers: rest })).toBe("missing_header");
            }),
            params(200),
          );
        });

        test("arbitrary values in the headers it reads only ever fail with a WebhookVerificationError", async () => {
          const text = fc.oneof(
            fc.string({ maxLength: 200, unit: "binary" }),
            fc.string({ maxLength: 200, unit: fc.constantFrom(..."v1a,=t .0123456789abcdefABCDEF+/_-sha256") }),
          );
          // Any value a hand-built record or a Headers-like object could hold, under any letter case.
          const value = fc.oneof(text, fc.array(text, { maxLength: 3 }), fc.anything({ maxDepth: 1 }));
          const name = fc
            .tuple(fc.constantFrom(...read), fc.array(fc.boolean(), { minLength: 40, maxLength: 40 }))
            .map(([header, upper]) => [...header].map((c, i) => (upper[i] ? c.toUpperCase() : c)).join(""));
          const entries = fc.array(fc.tuple(name, value), { maxLength: 6 });
          await fc.assert(
            fc.asyncProperty(entries, fc.boolean(), payloads, async (list, asHeadersLike, payload) => {
              const record = Object.fromEntries(list);
              const headers = asHeadersLike ? { get: (header: string) => record[header] } : record;
              const result = await outcome(
                verify({ scheme, secret: "whsec_c2VjcmV0", headers: headers as never, payload }),
              );
              expect(result).not.toBe("verified");
            }),
            params(),
          );
        });

        if (!timestamped) return;

        test("any change to the signed timestamp inside the window is rejected as signature_mismatch", async () => {
          await fc.assert(
            fc.asyncProperty(deliveries, fc.integer({ min: 1, max: 1000 }), async (delivery, shift) => {
              const { headers, timestamp, check } = await signed({ ...delivery, toleranceSeconds: 86_400, offset: 0 });
              const moved = String(timestamp + shift);
              const mutated = Object.fromEntries(
                Object.entries(headers).map(([name, value]) => [name, value.replace(String(timestamp), moved)]),
              );
              expect(mutated).not.toEqual(headers);
              expect(await check({ headers: mutated })).toBe("signature_mismatch");
            }),
            params(),
          );
        });

        test("the window edges are exact on both sides: now ± tolerance passes, one second more does not", async () => {
          await fc.assert(
            fc.asyncProperty(
              payloads,
              secrets,
              nowsMs,
              tolerances,
              async (payload, secret, nowMs, toleranceSeconds) => {
                const nowSeconds = Math.floor(nowMs / 1000);
                const at = async (timestamp: number) =>
                  outcome(
                    verify({
                      scheme,
                      secret,
                      payload,
                      toleranceSeconds,
                      now: () => nowMs,
                      headers: await sign({ scheme, secret, payload, timestamp }),
                    }),
                  );
                expect(await at(nowSeconds - toleranceSeconds)).toBe("verified");
                expect(await at(nowSeconds + toleranceSeconds)).toBe("verified");
                expect(await at(nowSeconds - toleranceSeconds - 1)).toBe("timestamp_too_old");
                expect(await at(nowSeconds + toleranceSeconds + 1)).toBe("timestamp_in_future");
              },
            ),
            params(),
          );
        });
      });
    }
  });
}
