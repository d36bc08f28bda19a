// The error model: every error is a HooksError with a code; ours are told from look-alikes across
// copies of the package; a look-alike never changes an answer or what a queue does.
import { createRequire } from "node:module";
import { join } from "node:path";
import { eventBody, FakeClock, signedDelivery } from "@hooks/test-utils";
import { describe, expect, test } from "vitest";
import {
  createReceiver,
  HooksError,
  InvalidOptionError,
  isHooksError,
  MemoryQueue,
  type Outcome,
  StoreUnavailableError,
  schemes,
  verify,
  WebhookVerificationError,
} from "../src/index";
import { readNodeBody } from "../src/node";
import { defineScheme } from "../src/scheme";

const SECRET = "errors-test-secret";

/** An app's own error that happens to carry one of our codes. */
function lookAlike(code: string, message = "the app's own error"): Error {
  return Object.assign(new Error(message), { code });
}

describe("isHooksError", () => {
  test("is true for our errors, by code when codes are given", async () => {
    const error = await verify({ scheme: schemes.vastai, secret: SECRET, headers: {}, payload: "{}" }).catch((e) => e);
    expect(error).toBeInstanceOf(WebhookVerificationError);
    expect(error).toBeInstanceOf(HooksError);
    expect(isHooksError(error)).toBe(true);
    expect(isHooksError(error, "missing_header")).toBe(true);
    expect(isHooksError(error, "signature_mismatch", "store_unavailable")).toBe(false);
    expect(isHooksError(new StoreUnavailableError("down"), "store_unavailable")).toBe(true);
  });

  test("is false for an error of the app's that carries one of our codes, and for non-errors", () => {
    for (const code of ["invalid_secret", "store_unavailable", "in_progress", "fingerprint_mismatch"])
      expect(isHooksError(lookAlike(code)), code).toBe(false);
    expect(isHooksError({ code: "invalid_secret" })).toBe(false);
    expect(isHooksError(undefined)).toBe(false);
    // Our mark with a code we do not have is not ours either.
    const foreign = Object.assign(new HooksError("invalid_option", "x"), { code: "no_such_code" });
    expect(isHooksError(foreign)).toBe(false);
  });

  test("the mark is not enumerable: a logger that copies an error's properties does not print it", () => {
    const error = new InvalidOptionError("maxEntries", "maxEntries must be a whole number");
    expect(Object.keys(error)).not.toContain(Symbol.for("@hooks/core.error").toString());
    expect(JSON.stringify({ ...error })).not.toContain("hooks/core");
    expect(error).toMatchObject({ code: "invalid_option", option: "maxEntries" });
  });

  test("CommonJS entries share one set of classes: an error from one entry is instanceof another's", () => {
    const require = createRequire(import.meta.url);
    const dist = join(import.meta.dirname, "..", "dist");
    const root = require(join(dist, "index.cjs"));
    const node = require(join(dist, "node.cjs"));
    let thrown: unknown;
    try {
      node.readNodeBody({ headers: {}, on() {}, removeListener() {} }, { maxBodyBytes: 0, bodyTimeoutMs: 1 });
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(root.InvalidOptionError);
    expect(root.isHooksError(thrown, "invalid_option")).toBe(true);
  });
});

describe("a look-alike changes no answer", () => {
  test("a custom scheme that throws its own error (a setup code, or a TypeError on a missing header): 500 internal_error, logged, its message never answered", async () => {
    for (const thrown of [
      lookAlike("invalid_secret", "acme: header was <attacker text>; key=SECRET-123"),
      new TypeError("Cannot read properties of undefined (reading 'split')"),
    ]) {
      const leaky = defineScheme({
        name: "leaky",
        parse: () => {
          throw thrown;
        },
        prefix: () => "",
        headers: () => ({}),
      });
      const outcomes: Outcome[] = [];
      const lines: unknown[] = [];
      const logger = { error: (fields: unknown) => lines.push(fields), warn: () => {} };
      const receiver = createReceiver({ scheme: leaky, secret: SECRET, logger, onOutcome: (o) => outcomes.push(o) });
      const answer = await receiver.receive({ headers: {}, body: "{}" });
      expect([answer.status, answer.body]).toEqual([500, '{"code":"internal_error"}']);
      expect(outcomes[0]).toMatchObject({ code: "internal_error", error: thrown });
      expect(lines).toEqual([expect.objectContaining({ code: "internal_error", err: thrown })]);
    }
  });

  test("a receiver whose clock returns NaN: 500 internal_error, with the invalid_option error for the log", async () => {
    const outcomes: Outcome[] = [];
    const receiver = createReceiver({
      scheme: schemes.vastai,
      secret: SECRET,
      logger: false,
      onOutcome: (o) => outcomes.push(o),
      clock: { now: () => Number.NaN, setTimeout: () => () => {} },
    });
    const delivery = await signedDelivery(eventBody("evt_nan"), { scheme: schemes.vastai, secret: SECRET });
    expect((await receiver.receive(delivery)).status).toBe(500);
    expect(outcomes[0]).toMatchObject({ code: "internal_error", error: { code: "invalid_option", option: "now" } });
  });

  test("a body promise that rejects with an error of its own: invalid_payload, never verified", async () => {
    const outcomes: Outcome[] = [];
    const receiver = createReceiver({
      scheme: schemes.vastai,
      secret: SECRET,
      logger: false,
      onOutcome: (o) => outcomes.push(o),
    });
    const answer = await receiver.receive({ headers: {}, body: Promise.reject(new Error("socket hang up")) });
    expect([answer.status, JSON.parse(answer.body)]).toEqual([500, { code: "invalid_payload" }]);
    expect(outcomes[0]?.error).toMatchObject({ message: "socket hang up" });
  });

  test("fetch with a body something already read: 500 invalid_payload naming the fix, not an abort", async () => {
    const receiver = createReceiver({ scheme: schemes.vastai, secret: SECRET, logger: false });
    const request = new Request("http://x/hooks", { method: "POST", body: "{}" });
    await request.text();
    const answer = await receiver.fetch(request);
    expect(answer.status).toBe(500);
    expect(await answer.json()).toMatchObject({
      code: "invalid_payload",
      message: expect.stringMatching(/untouched Request/),
    });
  });
});

describe("a handler's error that looks like a queue's signal", () => {
  test.each(["store_unavailable", "in_progress", "fingerprint_mismatch"])(
    "code %s from a handler (the app's own, or ours from a store used inside it) is a failed attempt: retried, then dead-lettered",
    async (code) => {
      const clock = new FakeClock();
      const queue = new MemoryQueue({ clock, attempts: 3, backoffMs: 10 });
      const receiver = createReceiver({ scheme: schemes.vastai, secret: SECRET, logger: false, clock, queue });
      let runs = 0;
      receiver.on("resource.created", () => {
        runs++;
        throw code === "store_unavailable" ? new StoreUnavailableError("inner store down") : lookAlike(code);
      });
      queue.work(receiver);
      const delivery = await signedDelivery(eventBody("evt_signal"), { scheme: schemes.vastai, secret: SECRET, clock });
      expect((await receiver.receive(delivery)).status).toBe(202);
      for (let turn = 0; turn < 50 && queue.deadLetters().length === 0; turn++) {
        await new Promise((resolve) => setImmediate(resolve));
        clock.advance(100);
      }
      expect(runs).toBe(3);
      expect(queue.deadLetters()).toHaveLength(1);
    },
  );
});

describe("options that a timer cannot hold are refused", () => {
  test("bodyTimeoutMs and leaseSeconds past the longest timer (2^31 - 1 ms)", () => {
    const base = { scheme: schemes.vastai, secret: SECRET, logger: false as const };
    expect(() => createReceiver({ ...base, bodyTimeoutMs: 2 ** 31 })).toThrow(InvalidOptionError);
    expect(() => createReceiver({ ...base, leaseSeconds: 2_147_484 })).toThrow(InvalidOptionError);
    expect(createReceiver({ ...base, bodyTimeoutMs: 2 ** 31 - 1, leaseSeconds: 2_147_483 }).bodyTimeoutMs).toBe(
      2 ** 31 - 1,
    );
  });

  test("readNodeBody without a receiver's limits: invalid_option, not a body without a limit", () => {
    const req = { headers: {}, on() {}, removeListener() {} };
    expect(() => readNodeBody(req, { maxBodyBytes: undefined as never, bodyTimeoutMs: 1000 })).toThrow(
      expect.objectContaining({ code: "invalid_option", option: "maxBodyBytes" }),
    );
    expect(() => readNodeBody(req, { maxBodyBytes: 10, bodyTimeoutMs: 0 })).toThrow(
      expect.objectContaining({ code: "invalid_option", option: "bodyTimeoutMs" }),
    );
  });
});

describe("every bad argument is an invalid_option error naming it", () => {
  const base = { scheme: schemes.vastai, secret: SECRET };
  test.each([
    ["no options at all", () => createReceiver(undefined as never), "options"],
    ["a typo", () => createReceiver({ ...base, maxBodySize: 10 } as never), "maxBodySize"],
    ["a store without claim/complete/release", () => createReceiver({ ...base, store: {} as never }), "store"],
    ["event that is not a function", () => createReceiver({ ...base, event: 5 as never }), "event"],
    ["onOutcome that is not a function", () => createReceiver({ ...base, onOutcome: 5 as never }), "onOutcome"],
    ["a clock without setTimeout", () => createReceiver({ ...base, clock: { now: Date.now } as never }), "clock"],
    ["a pattern with * inside", () => createReceiver(base).on("a*b" as never, () => {}), "pattern"],
    ["timestampedHmac without provider", () => schemes.timestampedHmac({} as never), "provider"],
  ])("%s", (_, call, option) => {
    expect(call).toThrow(expect.objectContaining({ code: "invalid_option", option }));
  });

  test.each([
    ["verify without options", () => verify(undefined as never), "scheme"],
    ["verify without a scheme", () => verify({ secret: SECRET, headers: {}, payload: "{}" } as never), "scheme"],
    ["verify with now not a function", () => verify({ ...base, headers: {}, payload: "{}", now: 123 as never }), "now"],
    ["receive without a delivery", () => createReceiver(base).receive(undefined as never), "delivery"],
    ["fetch without a request", () => createReceiver(base).fetch(undefined as never), "request"],
  ])("%s (rejects)", async (_, call, option) => {
    await expect(call()).rejects.toMatchObject({ code: "invalid_option", option });
  });

  test("isHooksError narrows to the class of the code: option, header", async () => {
    const error: unknown = new InvalidOptionError("maxEntries", "x");
    if (isHooksError(error, "invalid_option")) expect(error.option).toBe("maxEntries");
    const failed: unknown = await verify({ ...base, headers: {}, payload: "{}" }).catch((e) => e);
    if (isHooksError(failed, "missing_header")) expect(failed.header).toBe("x-vastai-timestamp");
    else expect.unreachable();
  });
});
