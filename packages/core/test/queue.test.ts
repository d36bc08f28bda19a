// Queue mode: the receiver verifies, claims and hands off (202), a worker runs the handlers once,
// retries with backoff and dead-letters; MemoryQueue is the in-process queue. Time is a FakeClock
// shared by the receiver, its MemoryStore and the queue: nothing here waits on real time.
import { FakeClock } from "@hooks/test-utils/clock";
import fc from "fast-check";
import { describe, expect, test } from "vitest";
import {
  type ClaimResult,
  type Clock,
  createReceiver,
  EventBusyError,
  type EventQueue,
  type HandlerContext,
  type HttpResponse,
  type IdempotencyStore,
  InvalidOptionError,
  type JobContext,
  MemoryQueue,
  type MemoryQueueOptions,
  MemoryStore,
  type Outcome,
  type QueuedEvent,
  type ReceiverOptions,
  RetryLaterError,
  sign,
  UnrecoverableEventError,
} from "../src/index";
import { vastai } from "../src/schemes/named";

const SECRET = "queue-test-secret";

const envelope = (id: string, type = "resource.created", data: unknown = { name: id }) =>
  JSON.stringify({ id, type, data, created: 1 });

/** A delivery signed at the clock's time: the receiver checks the timestamp against the same clock. */
async function delivery(body: string, clock: Clock) {
  const timestamp = Math.floor(clock.now() / 1000);
  return { headers: await sign({ scheme: vastai, secret: SECRET, payload: body, timestamp }), body };
}

const code = (response: HttpResponse) => JSON.parse(response.body).code as string;

/** One turn of the event loop: work that waits on no timer (promise chains, ticks) has run. */
const turn = () => new Promise<void>((resolve) => setImmediate(resolve));

/**
 * Lets async work run, a turn of the event loop at a time, until `check` holds; fails after
 * `turns`. Fake time does not move: only work that waits on no timer gets there.
 */
async function settled(check: () => boolean, what: string, turns = 100): Promise<void> {
  for (let n = 0; !check(); n++) {
    if (n === turns) throw new Error(`${what}: not reached after ${turns} turns of the event loop`);
    await turn();
  }
}

/** Resolves after `ms` of the fake clock's time: a handler or a queue that takes time. */
const wait = (clock: FakeClock, ms: number) => new Promise<void>((resolve) => clock.setTimeout(resolve, ms));

/**
 * A MemoryStore on `clock` whose claims go through `claim` (an outage, a slow answer, a script);
 * completing and releasing are the store's own.
 */
function storeWithClaim(
  clock: FakeClock,
  claim: (request: Parameters<IdempotencyStore["claim"]>[0], store: MemoryStore) => Promise<ClaimResult>,
): IdempotencyStore {
  const inner = new MemoryStore({ now: clock.now });
  return {
    claim: (request) => claim(request, inner),
    complete: (request) => inner.complete(request),
    release: (request) => inner.release(request),
  };
}

/** A store whose claims fail (ECONNREFUSED) until `restore()`. */
function outage(clock: FakeClock) {
  let down = true;
  const store = storeWithClaim(clock, (request, inner) =>
    down ? Promise.reject(new Error("ECONNREFUSED")) : inner.claim(request),
  );
  return {
    store,
    restore: () => {
      down = false;
    },
  };
}

/** A receiver on a fake clock, its MemoryStore on the same clock, and every outcome it reports. */
function setup(options: Omit<Partial<ReceiverOptions>, "clock"> & { clock?: FakeClock } = {}) {
  const clock = options.clock ?? new FakeClock();
  const store = options.store ?? new MemoryStore({ now: clock.now });
  const outcomes: Outcome[] = [];
  const receiver = createReceiver({
    scheme: vastai,
    secret: SECRET,
    onOutcome: (outcome) => outcomes.push(outcome),
    ...options,
    store,
    clock,
  });
  /** Signs `envelope(id)` at the clock's time and delivers it. */
  const send = async (id: string) => receiver.receive(await delivery(envelope(id), clock));
  return { receiver, outcomes, store, clock, send };
}

/** A receiver in queue mode with its MemoryQueue, both on one fake clock. */
function queueMode(queueOptions: Omit<MemoryQueueOptions, "clock"> = {}) {
  const clock = new FakeClock();
  const queue = new MemoryQueue({ ...queueOptions, clock });
  return { queue, ...setup({ queue, clock }) };
}

/** The event a receiver in queue mode hands off for a delivery of `id`. */
async function queued(id: string): Promise<QueuedEvent> {
  let event: QueuedEvent | undefined;
  const clock = new FakeClock();
  const capture = createReceiver({
    scheme: vastai,
    secret: SECRET,
    clock,
    queue: {
      enqueue: async (e) => {
        event = e;
      },
    },
  });
  capture.on("*", () => {});
  await capture.receive(await delivery(envelope(id), clock));
  return event!;
}

/** A queued event of type "t" for MemoryQueue's own tests, whose processor is not a receiver. */
const plainEvent = (name: string, data: unknown = {}): QueuedEvent => ({
  key: `s:${name}`,
  id: name,
  type: "t",
  data,
  body: {},
  delivery: { scheme: "s" },
  fingerprint: "f",
  receivedAt: 0,
});

describe("the receiver in queue mode", () => {
  test("answers 202 queued before the handler runs; the worker runs it with the same context plus the job", async () => {
    const { queue, receiver, outcomes, clock, send } = queueMode();
    const runs: { id: string; data: unknown; context: HandlerContext }[] = [];
    let finish = () => {};
    const gate = new Promise<void>((resolve) => {
      finish = resolve;
    });
    receiver.on("resource.created", async (event, context) => {
      runs.push({ id: event.id, data: event.data, context });
      await gate;
    });
    const worker = queue.work(receiver);

    const answer = await send("evt_q1");
    expect([answer.status, code(answer)]).toEqual([202, "queued"]);
    expect(outcomes.at(-1)).toMatchObject({ code: "queued", status: 202, id: "evt_q1", recorded: true });
    await settled(() => runs.length === 1, "the worker's run");
    // The answer was out while the handler was still waiting on its gate.
    const [run] = runs;
    expect(run!.id).toBe("evt_q1");
    expect(run!.data).toEqual({ name: "evt_q1" });
    expect(run!.context).toMatchObject({
      id: "evt_q1",
      type: "resource.created",
      attempt: undefined,
      job: { attempt: 1, maxAttempts: 5 },
      delivery: { scheme: "vastai" },
    });
    expect(run!.context.signal.aborted).toBe(false);
    finish();
    await settled(() => queue.size === 0, "the run's end");

    // The sender's retry of an accepted event is a duplicate: not handed off again, however long one waits.
    const again = await send("evt_q1");
    expect([again.status, code(again)]).toEqual([200, "duplicate"]);
    await clock.runUntilIdle();
    expect(runs).toHaveLength(1);
    await worker.close();
  });

  test("a hand-off that fails is answered 503 and the claim released, so the sender's retry is taken", async () => {
    let failing = true;
    const stored: QueuedEvent[] = [];
    const queue: EventQueue = {
      async enqueue(event) {
        if (failing) throw new Error("queue down");
        stored.push(event);
      },
    };
    const { receiver, outcomes, clock } = setup({ queue });
    receiver.on("resource.created", () => {});
    const d = await delivery(envelope("evt_q2"), clock);
    const answer = await receiver.receive(d);
    expect([answer.status, code(answer)]).toEqual([503, "queue_unavailable"]);
    expect(answer.body).not.toContain("queue down");
    expect((outcomes.at(-1)!.error as Error).message).toBe("queue down");
    expect(stored).toHaveLength(0);

    failing = false;
    const retry = await receiver.receive(d);
    expect([retry.status, code(retry)]).toEqual([202, "queued"]);
    expect(stored).toHaveLength(1);
    // What is handed off is plain JSON: it survives any queue's serialisation unchanged.
    expect(JSON.parse(JSON.stringify(stored[0]))).toEqual(stored[0]);
    expect(stored[0]).toMatchObject({
      key: "vastai:evt_q2",
      id: "evt_q2",
      type: "resource.created",
      data: { name: "evt_q2" },
      body: { id: "evt_q2", type: "resource.created", data: { name: "evt_q2" }, created: 1 },
      delivery: { scheme: "vastai", timestamp: Math.floor(clock.now() / 1000) },
      fingerprint: expect.stringMatching(/^[A-Za-z0-9+/]{43}=$/),
      receivedAt: clock.now(),
    });
  });

  test("nothing reaches the queue that was not verified, and unhandled types are not queued", async () => {
    const stored: QueuedEvent[] = [];
    const { receiver, clock, send } = setup({ queue: { enqueue: async (event) => void stored.push(event) } });
    receiver.on("resource.created", () => {});
    const forged = { headers: (await delivery(envelope("evt_f"), clock)).headers, body: envelope("evt_other") };
    expect((await receiver.receive(forged)).status).toBe(401);
    const unhandled = await receiver.receive(await delivery(envelope("evt_u", "resource.unknown"), clock));
    expect([unhandled.status, code(unhandled)]).toEqual([200, "unhandled"]);
    expect(stored).toEqual([]);
    expect(code(await send("evt_h"))).toBe("queued"); // the same receiver does queue what it handles
    expect(stored.map((event) => event.id)).toEqual(["evt_h"]);
  });

  test("a queue option without enqueue is refused at creation", () => {
    expect(() => setup({ queue: {} as EventQueue })).toThrow(InvalidOptionError);
  });

  test("property: concurrent duplicates of any events are handed off once each and handled once each", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.uniqueArray(fc.stringMatching(/^evt_[a-z0-9]{1,8}$/), { minLength: 1, maxLength: 6 }),
        fc.integer({ min: 2, max: 6 }),
        fc.integer({ min: 1, max: 4 }),
        // How long the queue takes to store an event, and a handler to run, on the fake clock.
        fc.integer({ min: 0, max: 3 }),
        fc.integer({ min: 0, max: 3 }),
        async (ids, copies, concurrency, storeMs, handlerMs) => {
          const clock = new FakeClock();
          const handed: string[] = [];
          const queue = new MemoryQueue({ concurrency, clock });
          const { receiver } = setup({
            clock,
            logger: false,
            queue: {
              enqueue: async (event) => {
                handed.push(event.id);
                await wait(clock, storeMs); // a queue that takes time to store: duplicates race the hand-off
                await queue.enqueue(event);
              },
            },
          });
          const runs = new Map<string, number>();
          receiver.on("resource.created", async (event) => {
            await wait(clock, handlerMs);
            runs.set(event.id, (runs.get(event.id) ?? 0) + 1);
          });
          const worker = queue.work(receiver);
          const deliveries = await Promise.all(ids.map((id) => delivery(envelope(id), clock)));
          const answering = Promise.all(
            deliveries.flatMap((d) => Array.from({ length: copies }, () => receiver.receive(d))),
          );
          await clock.runUntilIdle();
          const codes = (await answering).map(code);
          expect(codes.filter((c) => c !== "queued" && c !== "duplicate" && c !== "in_progress")).toEqual([]);
          expect(codes.filter((c) => c === "queued")).toHaveLength(ids.length);
          expect(queue.size).toBe(0);
          expect(handed.sort()).toEqual([...ids].sort());
          expect(Object.fromEntries(runs)).toEqual(Object.fromEntries(ids.map((id) => [id, 1])));
          await worker.close();
          expect(clock.pendingTimers).toBe(0); // no lease, retry or close timer left behind
        },
      ),
      { numRuns: 200 },
    );
  });
});

describe("the worker side: receiver.process", () => {
  test("two runs of one event at once (two queues, one store): one runs, the other is told to come back", async () => {
    const { receiver } = setup();
    let runs = 0;
    let finish = () => {};
    receiver.on("resource.created", async () => {
      runs++;
      await new Promise<void>((resolve) => {
        finish = resolve;
      });
    });
    const event = await queued("evt_p1");
    const first = receiver.process(event, { attempt: 1, maxAttempts: 3 });
    await settled(() => runs === 1, "the first run's handler");
    const busy = await receiver.process(event, { attempt: 1, maxAttempts: 3 }).catch((error: unknown) => error);
    expect(busy).toBeInstanceOf(EventBusyError);
    expect((busy as EventBusyError).retryAfterMs).toBe(30_000); // the first run's lease, all of it left
    finish();
    expect(await first).toBe("processed");
    expect(await receiver.process(event, { attempt: 2, maxAttempts: 3 })).toBe("duplicate");
    expect(runs).toBe(1);
  });

  test("a failed run releases its claim and rethrows, so the next run runs the handler again", async () => {
    const { receiver } = setup();
    const attempts: number[] = [];
    receiver.on("resource.created", (_event, context) => {
      attempts.push(context.job!.attempt);
      if (attempts.length < 2) throw new Error("flaky downstream");
    });
    const event = await queued("evt_p2");
    await expect(receiver.process(event, { attempt: 1, maxAttempts: 3 })).rejects.toThrow("flaky downstream");
    expect(await receiver.process(event, { attempt: 2, maxAttempts: 3 })).toBe("processed");
    expect(attempts).toEqual([1, 2]);
  });

  test("a run past its lease aborts the handler's signal and fails; the claim is free for the next run", async () => {
    const { receiver, clock } = setup({ leaseSeconds: 1 });
    const seen: boolean[] = [];
    let waiting = false;
    receiver.on("resource.created", async (_event, { signal }) => {
      if (seen.length === 0) {
        waiting = true;
        await new Promise((resolve) => signal.addEventListener("abort", resolve));
      }
      seen.push(signal.aborted);
    });
    const event = await queued("evt_p3");
    let ended = false;
    const first = receiver.process(event, { attempt: 1, maxAttempts: 2 });
    const end = () => {
      ended = true;
    };
    first.then(end, end);
    await settled(() => waiting, "the handler waiting on its signal");
    await clock.advanceAsync(999);
    expect(ended).toBe(false); // not a millisecond before the lease ends
    await clock.advanceAsync(1);
    expect(ended).toBe(true);
    await expect(first).rejects.toThrow(/ran past its 1 s lease/);
    expect(await receiver.process(event, { attempt: 2, maxAttempts: 2 })).toBe("processed");
    expect(seen).toEqual([true, false]);
  });

  test("the queue's signal (shutdown) aborts the handler's signal and ends the run with its reason", async () => {
    const { receiver } = setup();
    receiver.on(
      "resource.created",
      (_event, { signal }) => new Promise((resolve) => signal.addEventListener("abort", resolve)),
    );
    const event = await queued("evt_p4");
    const controller = new AbortController();
    const run = receiver.process(event, { attempt: 1, maxAttempts: 2, signal: controller.signal });
    controller.abort(new Error("shutting down"));
    await expect(run).rejects.toThrow("shutting down");
  });

  test("a type no handler takes any more is acknowledged without running; garbage is an invalid_option error", async () => {
    const { receiver } = setup();
    receiver.on("resource.created", () => {});
    const event = await queued("evt_p5");
    expect(await receiver.process({ ...event, type: "resource.renamed" }, { attempt: 1, maxAttempts: 1 })).toBe(
      "unhandled",
    );
    await expect(receiver.process({} as QueuedEvent, { attempt: 1, maxAttempts: 1 })).rejects.toThrow(
      InvalidOptionError,
    );
  });
});

describe("the worker side when things go wrong around the handlers", () => {
  test("onOutcome hears every worker run too (outcome.job set): failures with their error, then success", async () => {
    const { queue, receiver, outcomes, clock, send } = queueMode({ attempts: 3, backoffMs: 1 });
    let fail = true;
    receiver.on("resource.created", () => {
      if (fail) {
        fail = false;
        throw new Error("first run fails");
      }
    });
    const worker = queue.work(receiver);
    expect(code(await send("evt_o1"))).toBe("queued");
    await settled(() => outcomes.length === 2, "the first run's outcome");
    expect(queue.size).toBe(1); // waiting out its backoff
    await clock.advanceAsync(1);
    expect(queue.size).toBe(0);
    await worker.close();
    const event = await queued("evt_o1");
    expect(await receiver.process(event, { attempt: 1, maxAttempts: 1 })).toBe("duplicate");
    expect(
      outcomes.map(({ code, job, id, error }) => ({ code, job, id, error: (error as Error | undefined)?.message })),
    ).toEqual([
      { code: "queued", job: undefined, id: "evt_o1", error: undefined },
      { code: "handler_failed", job: { attempt: 1, maxAttempts: 3 }, id: "evt_o1", error: "first run fails" },
      { code: "processed", job: { attempt: 2, maxAttempts: 3 }, id: "evt_o1", error: undefined },
      { code: "duplicate", job: { attempt: 1, maxAttempts: 1 }, id: "evt_o1", error: undefined },
    ]);
    const processed = outcomes[2]!;
    expect(processed.recorded).toBe(true);
    expect(processed.handlerMs).toBeGreaterThanOrEqual(0);
    expect(processed.durationMs).toBeGreaterThanOrEqual(processed.handlerMs!);
  });

  test("a store that does not answer: RetryLaterError (store_unavailable), no handler runs, and the next run does", async () => {
    const clock = new FakeClock();
    const { store, restore } = outage(clock);
    const { receiver } = setup({ store, clock });
    let runs = 0;
    receiver.on("resource.created", () => void runs++);
    const event = await queued("evt_x1");
    const error = await receiver.process(event, { attempt: 1, maxAttempts: 1 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RetryLaterError);
    expect(error).toMatchObject({ code: "store_unavailable", retryAfterMs: 5000 });
    expect(((error as Error).cause as Error).message).toBe("ECONNREFUSED");
    expect(runs).toBe(0);
    restore();
    expect(await receiver.process(event, { attempt: 1, maxAttempts: 1 })).toBe("processed");
    expect(runs).toBe(1);
  });

  test("the same id with another body is unrecoverable: UnrecoverableEventError, and MemoryQueue dead-letters it at once", async () => {
    const { receiver, clock } = setup();
    let runs = 0;
    receiver.on("resource.created", () => void runs++);
    const event = await queued("evt_x2");
    expect(await receiver.process(event, { attempt: 1, maxAttempts: 5 })).toBe("processed");
    const other = { ...event, fingerprint: "another-body" };
    await expect(receiver.process(other, { attempt: 1, maxAttempts: 5 })).rejects.toBeInstanceOf(
      UnrecoverableEventError,
    );

    const queue = new MemoryQueue({ attempts: 5, backoffMs: 1, clock });
    const worker = queue.work(receiver);
    await queue.enqueue(other);
    await settled(() => queue.deadLetters().length === 1, "the dead letter");
    expect(queue.deadLetters()[0]).toMatchObject({ attempts: 1, event: { id: "evt_x2" }, failedAt: clock.now() });
    expect(clock.pendingTimers).toBe(0); // no retry waiting
    expect(runs).toBe(1);
    await worker.close();
  });

  test("a claim answered after the lease ended runs nothing and frees the claim", async () => {
    const clock = new FakeClock();
    let slow = true;
    const store = storeWithClaim(clock, async (request, inner) => {
      const answer = await inner.claim(request);
      if (slow) clock.time += 31_000; // the answer took longer than the 30 s lease
      return answer;
    });
    const { receiver } = setup({ store, clock });
    let runs = 0;
    receiver.on("resource.created", () => void runs++);
    const event = await queued("evt_x3");
    await expect(receiver.process(event, { attempt: 1, maxAttempts: 2 })).rejects.toThrow(/took longer than its lease/);
    expect(runs).toBe(0);
    slow = false;
    expect(await receiver.process(event, { attempt: 2, maxAttempts: 2 })).toBe("processed");
    expect(runs).toBe(1);
  });

  test('with unhandled: "reject", a worker without the handler throws so the event stays queued', async () => {
    const { receiver } = setup({ unhandled: "reject" });
    const event = await queued("evt_x4");
    await expect(receiver.process(event, { attempt: 1, maxAttempts: 1 })).rejects.toThrow(
      /no handler for resource.created/,
    );
  });

  test("MemoryQueue waits on RetryLaterError without spending attempts", async () => {
    const clock = new FakeClock();
    const queue = new MemoryQueue({ attempts: 1, clock });
    let calls = 0;
    const attempts: number[] = [];
    const worker = queue.work({
      async process(_event, job) {
        calls++;
        attempts.push(job.attempt);
        if (calls <= 3) throw new RetryLaterError("store_unavailable", "store down", 5);
        return "processed";
      },
    });
    await queue.enqueue(plainEvent("e"));
    await settled(() => calls === 1, "the first run");
    for (const call of [2, 3, 4]) {
      // Each run waits the 5 ms it was told to, to the millisecond.
      await clock.advanceAsync(4);
      expect(calls).toBe(call - 1);
      await clock.advanceAsync(1);
      expect(calls).toBe(call);
    }
    expect(queue.size).toBe(0);
    expect(attempts).toEqual([1, 1, 1, 1]);
    expect(queue.deadLetters()).toEqual([]);
    await worker.close();
  });

  test("MemoryQueue on the receiver: a store outage waits the receiver's 5 s without spending attempts", async () => {
    const clock = new FakeClock();
    const { store, restore } = outage(clock);
    const queue = new MemoryQueue({ attempts: 1, clock });
    const { receiver, outcomes } = setup({ store, clock, logger: false });
    const jobs: (JobContext | undefined)[] = [];
    receiver.on("resource.created", (_event, context) => void jobs.push(context.job));
    const worker = queue.work(receiver);
    await queue.enqueue(await queued("evt_x5"));
    await settled(() => outcomes.length === 1, "the first run's outcome");
    expect(outcomes[0]).toMatchObject({ code: "store_unavailable", job: { attempt: 1, maxAttempts: 1 } });
    await clock.advanceAsync(4_999);
    expect(outcomes).toHaveLength(1);
    await clock.advanceAsync(1);
    expect(outcomes.map((outcome) => outcome.code)).toEqual(["store_unavailable", "store_unavailable"]);
    restore();
    await clock.advanceAsync(5_000);
    expect(outcomes.map((outcome) => outcome.code)).toEqual(["store_unavailable", "store_unavailable", "processed"]);
    expect(jobs).toEqual([{ attempt: 1, maxAttempts: 1 }]);
    expect([queue.size, queue.deadLetters()]).toEqual([0, []]);
    await worker.close();
  });
});

describe("MemoryQueue", () => {
  test("retries with exponential backoff, then dead-letters with the last error; redrive runs it again", async () => {
    const { queue, receiver, clock, send } = queueMode({ attempts: 3, backoffMs: 20 });
    const times: number[] = [];
    let broken = true;
    receiver.on("resource.created", () => {
      times.push(clock.now());
      if (broken) throw new Error(`still broken (${times.length})`);
    });
    const worker = queue.work(receiver);
    expect(code(await send("evt_m1"))).toBe("queued");
    await settled(() => times.length === 1, "the first run");
    // 20 ms, then 40 ms between runs: never a millisecond early.
    await clock.advanceAsync(19);
    expect(times).toHaveLength(1);
    await clock.advanceAsync(1);
    expect(times).toHaveLength(2);
    await clock.advanceAsync(39);
    expect(times).toHaveLength(2);
    await clock.advanceAsync(1);
    expect(times).toHaveLength(3);
    expect([times[1]! - times[0]!, times[2]! - times[1]!]).toEqual([20, 40]);
    expect(queue.deadLetters()).toHaveLength(1);
    const [dead] = queue.deadLetters();
    expect(dead).toMatchObject({ attempts: 3, event: { id: "evt_m1", key: "vastai:evt_m1" }, failedAt: times[2] });
    expect((dead!.error as Error).message).toBe("still broken (3)");
    expect(queue.size).toBe(0);
    expect(clock.pendingTimers).toBe(0); // no fourth run waiting

    // The sender's retry is still a duplicate: the event is the queue's now.
    expect(code(await send("evt_m1"))).toBe("duplicate");
    broken = false;
    expect(queue.redrive("vastai:evt_m1")).toBe(true);
    expect(queue.redrive("vastai:evt_m1")).toBe(false);
    await settled(() => queue.size === 0, "the redriven run");
    expect(times).toHaveLength(4);
    expect(times[3]).toBe(times[2]); // a redrive runs at once, with no backoff
    expect(queue.deadLetters()).toEqual([]);
    await worker.close();
  });

  test("enqueue is idempotent per key and stores a copy; concurrency bounds the runs at once", async () => {
    const clock = new FakeClock();
    const queue = new MemoryQueue({ concurrency: 2, clock });
    let running = 0;
    let most = 0;
    const seen: unknown[] = [];
    const worker = queue.work({
      async process(event) {
        running++;
        most = Math.max(most, running);
        seen.push(event.data);
        await wait(clock, 5);
        running--;
        return "processed";
      },
    });
    const event = (n: number) => plainEvent(`e${n}`, { n });
    const mutable = event(0);
    await queue.enqueue(mutable);
    (mutable.data as { n: number }).n = 99;
    await queue.enqueue(event(0));
    for (let n = 1; n < 6; n++) await queue.enqueue(event(n));
    // Six runs of 5 ms, two at a time: 15 ms.
    expect(await clock.runUntilIdle()).toBe(15);
    expect(queue.size).toBe(0);
    expect(seen).toHaveLength(6);
    expect(seen[0]).toEqual({ n: 0 });
    expect(most).toBe(2);
    await worker.close();
  });

  test("close waits for running handlers; past timeoutMs it aborts their signal; then it refuses events", async () => {
    const { queue, receiver, clock, send } = queueMode();
    let started = false;
    let aborted = false;
    receiver.on("resource.created", (_event, { signal }) => {
      started = true;
      return new Promise<void>((resolve) =>
        signal.addEventListener("abort", () => {
          aborted = true;
          resolve();
        }),
      );
    });
    const worker = queue.work(receiver);
    expect(code(await send("evt_c1"))).toBe("queued");
    await settled(() => started, "the handler");
    let closed = false;
    const closing = worker.close({ timeoutMs: 30 }).then(() => {
      closed = true;
    });
    await clock.advanceAsync(29);
    expect([aborted, closed]).toEqual([false, false]); // close is waiting for the handler
    await clock.advanceAsync(1);
    expect([aborted, closed]).toEqual([true, true]);
    await closing;
    const refused = await send("evt_c2");
    expect([refused.status, code(refused)]).toEqual([503, "queue_unavailable"]);
    await worker.close();
  });

  test("close lets a handler that ends within timeoutMs finish without aborting it", async () => {
    const { queue, receiver, outcomes, clock, send } = queueMode();
    let started = false;
    let aborted = false;
    receiver.on("resource.created", async (_event, { signal }) => {
      started = true;
      await wait(clock, 10);
      aborted = signal.aborted;
    });
    const worker = queue.work(receiver);
    expect(code(await send("evt_c3"))).toBe("queued");
    await settled(() => started, "the handler");
    let closed = false;
    const closing = worker.close({ timeoutMs: 30 }).then(() => {
      closed = true;
    });
    await clock.advanceAsync(9);
    expect(closed).toBe(false);
    await clock.advanceAsync(1);
    expect([aborted, closed]).toEqual([false, true]);
    await closing;
    expect(outcomes.at(-1)).toMatchObject({ code: "processed", id: "evt_c3" });
    expect(clock.pendingTimers).toBe(0); // the close timeout is cancelled
  });

  test("many handlers at once share no signal: no listener-leak warning past ten", async () => {
    const warnings: Error[] = [];
    const onWarning = (warning: Error) => warnings.push(warning);
    process.on("warning", onWarning);
    try {
      const { queue, receiver, clock, send } = queueMode({ concurrency: 32 });
      let running = 0;
      let most = 0;
      receiver.on("resource.created", async () => {
        most = Math.max(most, ++running);
        await wait(clock, 20);
        running--;
      });
      const worker = queue.work(receiver);
      const answers = await Promise.all(Array.from({ length: 40 }, async (_, i) => code(await send(`evt_l${i}`))));
      expect(new Set(answers)).toEqual(new Set(["queued"]));
      // Forty runs of 20 ms, 32 at a time: two rounds.
      expect(await clock.runUntilIdle()).toBe(40);
      expect(queue.size).toBe(0);
      await worker.close();
      await turn(); // warnings are emitted on the next tick
      expect(most).toBe(32); // far past ten listeners, were the signal shared
      expect(warnings.filter((warning) => warning.name === "MaxListenersExceededWarning")).toEqual([]);
    } finally {
      process.off("warning", onWarning);
    }
  });

  test("after close, size counts no event: close dropped the waiting ones and the running one ended", async () => {
    const clock = new FakeClock();
    const queue = new MemoryQueue({ clock, attempts: 3, backoffMs: 100 });
    let finish = () => {};
    const worker = queue.work({
      process: (event) => {
        if (event.id === "slow")
          return new Promise((resolve) => {
            finish = () => resolve("processed");
          });
        return Promise.reject(new Error("fails, retried in 100 ms"));
      },
    });
    await queue.enqueue(plainEvent("failing")); // fails, waits 100 ms for its retry
    await queue.enqueue(plainEvent("slow")); // runs until finish()
    await queue.enqueue(plainEvent("waiting")); // concurrency 1: waits behind it
    await settled(() => clock.pendingTimers >= 1, "the retry timer");
    expect(queue.size).toBe(3);
    const closing = worker.close();
    finish();
    await closing;
    expect(clock.pendingTimers).toBe(0); // nothing will ever run
    expect(queue.size).toBe(0);
  });

  test("options are checked", () => {
    expect(() => new MemoryQueue({ attempts: 0 })).toThrow(InvalidOptionError);
    expect(() => new MemoryQueue({ backoffMs: -1 })).toThrow(InvalidOptionError);
    expect(() => new MemoryQueue({ concurrency: 1.5 })).toThrow(InvalidOptionError);
    expect(() => new MemoryQueue({ clock: { now: () => 0 } as Clock })).toThrow(InvalidOptionError);
    const queue = new MemoryQueue();
    queue.work({ process: async () => "processed" });
    expect(() => queue.work({ process: async () => "processed" })).toThrow(/already has a worker/);
  });
});

/** What one run of a queued event meets, in the property below. */
type Step =
  /** The handler runs for `ms`, then returns or throws. */
  | { readonly kind: "ok" | "fail"; readonly ms: number }
  /** The store does not answer the claim: the receiver says retry in 5 s. */
  | { readonly kind: "down" }
  /** Another run holds the event for `ms`: the receiver says retry then. */
  | { readonly kind: "busy"; readonly ms: number };

const STEP: fc.Arbitrary<Step> = fc.oneof(
  fc.record({ kind: fc.constantFrom("ok" as const, "fail" as const), ms: fc.integer({ min: 0, max: 50 }) }),
  fc.constant({ kind: "down" } as const),
  fc.record({ kind: fc.constant("busy" as const), ms: fc.integer({ min: 1, max: 3_000 }) }),
);

/** After its script an event fails at once, forever. */
const FAIL_FOREVER: Step = { kind: "fail", ms: 0 };

/** How an event with `script` should end: processed by its first "ok", or dead after `attempts` failures. */
function expectedEnd(script: readonly Step[], attempts: number): "processed" | "dead" {
  let failures = 0;
  for (const step of script) {
    if (step.kind === "ok") return "processed";
    if (step.kind === "fail" && ++failures === attempts) return "dead";
  }
  return "dead";
}

describe("MemoryQueue on the receiver, on fake time", () => {
  test("property: under any enqueues, handler failures, retry-laters and waits, every queued event ends handled once or dead-lettered after exactly `attempts` failed runs, none run early", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 4 }),
        fc.integer({ min: 0, max: 100 }),
        fc.integer({ min: 1, max: 3 }),
        fc.array(fc.array(STEP, { maxLength: 6 }), { minLength: 1, maxLength: 4 }),
        fc.array(fc.oneof(fc.record({ enqueue: fc.nat(3) }), fc.record({ advance: fc.nat(2_000) })), {
          minLength: 1,
          maxLength: 12,
        }),
        async (attempts, backoffMs, concurrency, scripts, ops) => {
          const clock = new FakeClock();
          const queue = new MemoryQueue({ attempts, backoffMs, concurrency, clock });
          const broken: string[] = []; // rules broken inside the queue's runs, where a throw would be swallowed
          const events = scripts.map((script, i) => ({
            script,
            key: `vastai:e${i}`,
            next: 0, // the next step of the script
            step: FAIL_FOREVER as Step, // the step of the run in progress
            failures: 0,
            handlerRuns: 0,
            completions: 0,
            readyAt: Number.NEGATIVE_INFINITY, // no run may start before
            failedAt: Number.NaN,
          }));
          const eventOf = (fingerprint: string) => events[Number(fingerprint.slice(1))]!;
          const store = storeWithClaim(clock, async (request, inner) => {
            const event = eventOf(request.fingerprint);
            if (event.completions > 0) return inner.claim(request); // a duplicate: the store says so
            if (clock.now() < event.readyAt) broken.push(`${event.key} ran ${event.readyAt - clock.now()} ms early`);
            event.step = event.script[event.next++] ?? FAIL_FOREVER;
            if (event.step.kind === "down") {
              event.readyAt = clock.now() + 5_000;
              throw new Error("ECONNREFUSED");
            }
            if (event.step.kind === "busy") {
              event.readyAt = clock.now() + event.step.ms;
              return { status: "in_progress", retryAfterMs: event.step.ms };
            }
            return inner.claim(request);
          });
          const { receiver } = setup({ clock, store, logger: false });
          receiver.on("resource.created", async (webhook, { job }) => {
            const event = eventOf((webhook.data as { fingerprint: string }).fingerprint);
            const { step } = event;
            event.handlerRuns++;
            if (step.kind !== "ok" && step.kind !== "fail") {
              broken.push(`${event.key}: a handler ran without a claim`);
              return;
            }
            if (job?.attempt !== event.failures + 1 || job.maxAttempts !== attempts)
              broken.push(`${event.key} ran as attempt ${job?.attempt} of ${job?.maxAttempts}`);
            await wait(clock, step.ms);
            if (step.kind === "ok") {
              event.completions++;
              return;
            }
            event.failures++;
            event.failedAt = clock.now();
            event.readyAt = clock.now() + backoffMs * 2 ** (event.failures - 1);
            throw new Error(`${event.key} failure ${event.failures}`);
          });
          let running = 0;
          let most = 0;
          const worker = queue.work({
            async process(event, job) {
              most = Math.max(most, ++running);
              try {
                return await receiver.process(event, job);
              } finally {
                running--;
              }
            },
          });

          const enqueued = new Set<number>();
          for (const op of ops) {
            if ("advance" in op) {
              await clock.advanceAsync(op.advance);
              continue;
            }
            const i = op.enqueue % events.length;
            enqueued.add(i);
            const fingerprint = `f${i}`; // how the store and the handler find the event's script
            await queue.enqueue({
              key: events[i]!.key,
              id: `e${i}`,
              type: "resource.created",
              data: { fingerprint },
              body: {},
              delivery: { scheme: "vastai" },
              fingerprint,
              receivedAt: clock.now(),
            });
          }
          await clock.runUntilIdle(); // time runs out

          expect(broken).toEqual([]);
          expect(most).toBeLessThanOrEqual(concurrency);
          expect(queue.size).toBe(0);
          const dead = new Map(queue.deadLetters().map((letter) => [letter.event.key, letter]));
          events.forEach((event, i) => {
            if (!enqueued.has(i)) {
              expect([event.next, dead.has(event.key)]).toEqual([0, false]);
              return;
            }
            if (expectedEnd(event.script, attempts) === "processed") {
              expect([event.completions, event.handlerRuns, dead.has(event.key)]).toEqual([
                1,
                event.failures + 1,
                false,
              ]);
              return;
            }
            expect(event.completions).toBe(0);
            expect([event.failures, event.handlerRuns]).toEqual([attempts, attempts]);
            expect(dead.get(event.key)).toMatchObject({
              attempts,
              failedAt: event.failedAt,
              error: { message: `${event.key} failure ${attempts}` },
            });
          });
          await worker.close();
          expect(clock.pendingTimers).toBe(0);
        },
      ),
      { numRuns: 300 },
    );
  });
});
