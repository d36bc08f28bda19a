// Edges of the pipeline found in review: leases measured from the claim, nothing after a timeout,
// throwing hooks, methods, and runtimes whose `process` throws.
import { eventBody, FakeClock, signedDelivery, sleep } from "@hooks/test-utils";
import { afterEach, expect, test, vi } from "vitest";
import { backend, useBackend } from "../src/crypto/hmac";
import { createReceiver, type IdempotencyStore, MemoryStore } from "../src/index";
import { vastai } from "../src/schemes/named";

const SECRET = "edge-secret";

afterEach(() => {
  vi.restoreAllMocks();
  useBackend(undefined);
});

const delivery = (clock: FakeClock, id: string, type = "resource.created") =>
  signedDelivery(eventBody(id, { type }), { scheme: vastai, secret: SECRET, clock });

/** A MemoryStore whose claim answers only after `delayMs` of (fake) time has passed. */
function slowClaims(clock: FakeClock, delayMs: number): IdempotencyStore {
  const inner = new MemoryStore({ now: clock.now });
  return {
    claim: async (request) => {
      const result = await inner.claim(request);
      clock.advance(delayMs);
      return result;
    },
    complete: (request) => inner.complete(request),
    release: (request) => inner.release(request),
  };
}

test("the handler's lease counts from the claim request: a slow claim answer leaves it less time", async () => {
  const clock = new FakeClock();
  const receiver = createReceiver({
    scheme: vastai,
    secret: SECRET,
    clock,
    leaseSeconds: 10,
    store: slowClaims(clock, 6_000),
  });
  let signal: AbortSignal | undefined;
  receiver.on("*", (_event, context) => {
    signal = context.signal;
    return new Promise((_, reject) => context.signal.addEventListener("abort", () => reject(context.signal.reason)));
  });
  const answer = receiver.receive(await delivery(clock, "evt_1"));
  await vi.waitFor(() => expect(signal).toBeDefined());
  clock.advance(3_999);
  expect(signal!.aborted).toBe(false);
  clock.advance(1);
  expect(signal!.aborted).toBe(true);
  expect(JSON.parse((await answer).body).code).toBe("handler_timeout");
});

test("a claim that answers after its whole lease runs no handler and gives the event up", async () => {
  const clock = new FakeClock();
  const store = slowClaims(clock, 10_000);
  const release = vi.spyOn(store, "release");
  const receiver = createReceiver({ scheme: vastai, secret: SECRET, clock, leaseSeconds: 10, store });
  const ran = vi.fn();
  receiver.on("*", ran);
  const answer = await receiver.receive(await delivery(clock, "evt_2"));
  expect([answer.status, JSON.parse(answer.body).code]).toEqual([500, "handler_timeout"]);
  expect(ran).not.toHaveBeenCalled();
  expect(release).toHaveBeenCalledTimes(1);
});

test("after a timeout no later handler starts, even when an earlier one ignores its signal", async () => {
  const clock = new FakeClock();
  const receiver = createReceiver({ scheme: vastai, secret: SECRET, clock, leaseSeconds: 5 });
  let finishFirst = () => {};
  const second = vi.fn();
  receiver.on("*", () => new Promise<void>((resolve) => (finishFirst = resolve))).on("*", second);
  const answer = receiver.receive(await delivery(clock, "evt_3"));
  await vi.waitFor(() => expect(clock.pendingTimers).toBe(1));
  clock.advance(5_000);
  expect(JSON.parse((await answer).body).code).toBe("handler_timeout");
  finishFirst();
  await sleep(10);
  expect(second).not.toHaveBeenCalled();
});

test("an event option that throws is invalid_event, reported to onOutcome, not a rejected receive()", async () => {
  const clock = new FakeClock();
  const outcomes: string[] = [];
  const receiver = createReceiver({
    scheme: vastai,
    secret: SECRET,
    clock,
    event: (body) => ({ id: (body as { nope: { id: string } }).nope.id, type: "x" }),
    onOutcome: (outcome) => outcomes.push(outcome.code),
  });
  const answer = await receiver.receive(await delivery(clock, "evt_4"));
  expect([answer.status, outcomes]).toEqual([400, ["invalid_event"]]);
});

test("an async onOutcome that rejects changes nothing and leaves no unhandled rejection", async () => {
  const clock = new FakeClock();
  const receiver = createReceiver({
    scheme: vastai,
    secret: SECRET,
    clock,
    onOutcome: async () => Promise.reject(new Error("log sink down")),
  });
  receiver.on("*", () => {});
  expect((await receiver.receive(await delivery(clock, "evt_5"))).status).toBe(200);
  await sleep(10);
});

test("receive() with a method other than POST answers 405, before any verification", async () => {
  const clock = new FakeClock();
  const receiver = createReceiver({ scheme: vastai, secret: SECRET, clock });
  const answer = await receiver.receive({ method: "GET", headers: {}, body: "" });
  expect([answer.status, answer.headers.allow, JSON.parse(answer.body).code]).toEqual([
    405,
    "POST",
    "method_not_allowed",
  ]);
  const post = await receiver.receive({ method: "POST", ...(await delivery(clock, "evt_6")) });
  expect(post.status).toBe(200);
});

test("where process.getBuiltinModule throws (Next.js's Edge sandbox), Web Crypto is used", () => {
  vi.spyOn(process, "getBuiltinModule").mockImplementation(() => {
    throw new Error("A Node.js API is used which is not supported in the Edge Runtime");
  });
  useBackend(undefined);
  expect(backend().name).toBe("web");
});
