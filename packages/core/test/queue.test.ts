// Queue mode: the receiver verifies, claims and hands off (202), a worker runs the handlers once,
// retries with backoff and dead-letters; MemoryQueue is the in-process queue.
import fc from "fast-check";
import { describe, expect, test } from "vitest";
import {
  createReceiver,
  EventBusyError,
  type EventQueue,
  type HandlerContext,
  type HttpResponse,
  type IdempotencyStore,
  MemoryQueue,
  MemoryStore,
  type Outcome,
  type QueuedEvent,
  type ReceiverOptions,
  RetryLaterError,
  sign,
  UnrecoverableEventError,
  vastai,
} from "../src/index";
import { FakeClock } from "./clock";

const SECRET = "queue-test-secret";

const envelope = (id: string, type = "resource.created", data: unknown = { name: id }) =>
  JSON.stringify({ id, type, data, created: 1 });

async function delivery(body: string) {
  return { headers: await sign({ scheme: vastai, secret: SECRET, payload: body }), body };
}

const code = (response: HttpResponse) => JSON.parse(response.body).code as string;

/** Resolves once `check` holds, polling every few ms; fails after `ms`. */
async function until(check: () => boolean, ms = 5000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error("condition not reached in time");
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function setup(options: Partial<ReceiverOptions> & { queue?: EventQueue } = {}) {
  const outcomes: Outcome[] = [];
  const store = (options.store as MemoryStore | undefined) ?? new MemoryStore();
  const receiver = createReceiver({
    scheme: vastai,
    secret: SECRET,
    store,
    onOutcome: (outcome) => outcomes.push(outcome),
    ...options,
  });
  return { receiver, outcomes, store };
}

/** The event a receiver in queue mode hands off for a delivery of `id`. */
async function queued(id: string): Promise<QueuedEvent> {
  let event: QueuedEvent | undefined;
  const capture = createReceiver({
    scheme: vastai,
    secret: SECRET,
    queue: {
      enqueue: async (e) => {
        event = e;
      },
    },
  });
  capture.on("*", () => {});
  await capture.receive(await delivery(envelope(id)));
  return event!;
}

describe("the receiver in queue mode", () => {
  test("answers 202 queued before the handler runs; the worker runs it with the same context plus the job", async () => {
    const queue = new MemoryQueue();
    const { receiver, outcomes } = setup({ queue });
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

    const answer = await receiver.receive(await delivery(envelope("evt_q1")));
    expect([answer.status, code(answer)]).toEqual([202, "queued"]);
    expect(outcomes.at(-1)).toMatchObject({ code: "queued", status: 202, id: "evt_q1", recorded: true });
    await until(() => runs.length === 1);
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
    await until(() => queue.size === 0);

    // The sender's retry of an accepted event is a duplicate: not handed off again.
    const again = await receiver.receive(await delivery(envelope("evt_q1")));
    expect([again.status, code(again)]).toEqual([200, "duplicate"]);
    await sleep(20);
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
    const { receiver, outcomes } = setup({ queue });
    receiver.on("resource.created", () => {});
    const d = await delivery(envelope("evt_q2"));
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
      delivery: { scheme: "vastai", timestamp: expect.any(Number) },
      fingerprint: expect.stringMatching(/^[A-Za-z0-9+/]{43}=$/),
    });
  });

  test("nothing reaches the queue that was not verified, and unhandled types are not queued", async () => {
    const stored: QueuedEvent[] = [];
    const { receiver } = setup({ queue: { enqueue: async (event) => void stored.push(event) } });
    receiver.on("resource.created", () => {});
    const forged = { headers: { ...(await delivery(envelope("evt_f"))).headers }, body: envelope("evt_other") };
    expect((await receiver.receive(forged)).status).toBe(401);
    const unhandled = await receiver.receive(await delivery(envelope("evt_u", "resource.unknown")));
    expect([unhandled.status, code(unhandled)]).toEqual([200, "unhandled"]);
    expect(stored).toEqual([]);
  });

  test("a queue option without enqueue is refused at creation", () => {
    expect(() => setup({ queue: {} as EventQueue })).toThrow(TypeError);
  });

  test("property: concurrent duplicates of any events are handed off once each and handled once each", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.uniqueArray(fc.stringMatching(/^evt_[a-z0-9]{1,8}$/), { minLength: 1, maxLength: 6 }),
        fc.integer({ min: 2, max: 6 }),
        fc.integer({ min: 1, max: 4 }),
        async (ids, copies, concurrency) => {
          const handed: string[] = [];
          const queue = new MemoryQueue({ concurrency });
          const original = queue.enqueue.bind(queue);
          const { receiver } = setup({
            queue: {
              enqueue: async (event) => {
                handed.push(event.id);
                await sleep(1); // a queue that takes time to store: duplicates race the hand-off
                await original(event);
              },
            },
          });
          const runs = new Map<string, number>();
          receiver.on("resource.created", async (event) => {
            await sleep(1);
            runs.set(event.id, (runs.get(event.id) ?? 0) + 1);
          });
          const worker = queue.work(receiver);
          const deliveries = await Promise.all(ids.map((id) => delivery(envelope(id))));
          const answers = await Promise.all(
            deliveries.flatMap((d) => Array.from({ length: copies }, () => receiver.receive(d))),
          );
          for (const answer of answers) expect(["queued", "duplicate", "in_progress"]).toContain(code(answer));
          expect(answers.filter((answer) => code(answer) === "queued")).toHaveLength(ids.length);
          await until(() => queue.size === 0);
          expect(handed.sort()).toEqual([...ids].sort());
          expect(Object.fromEntries(runs)).toEqual(Object.fromEntries(ids.map((id) => [id, 1])));
          await worker.close();
        },
      ),
      { numRuns: 25 },
    );
  });
});

describe("the worker side: receiver.process", () => {
  test("two runs of one event at once (two queues, one store): one runs, the other is told to come back", async () => {
    const store = new MemoryStore();
    const { receiver } = setup({ store });
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
    await until(() => runs === 1);
    const busy = await receiver.process(event, { attempt: 1, maxAttempts: 3 }).catch((error: unknown) => error);
    expect(busy).toBeInstanceOf(EventBusyError);
    expect((busy as EventBusyError).retryAfterMs).toBeGreaterThan(0);
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
    const { receiver } = setup({ leaseSeconds: 1 });
    const seen: boolean[] = [];
    receiver.on("resource.created", async (_event, { signal }) => {
      if (seen.length === 0) await new Promise((resolve) => signal.addEventListener("abort", resolve));
      seen.push(signal.aborted);
    });
    const event = await queued("evt_p3");
    await expect(receiver.process(event, { attempt: 1, maxAttempts: 2 })).rejects.toThrow(/ran past its 1 s lease/);
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

  test("a type no handler takes any more is acknowledged without running; garbage is a TypeError", async () => {
    const { receiver } = setup();
    receiver.on("resource.created", () => {});
    const event = await queued("evt_p5");
    expect(await receiver.process({ ...event, type: "resource.renamed" }, { attempt: 1, maxAttempts: 1 })).toBe(
      "unhandled",
    );
    await expect(receiver.process({} as QueuedEvent, { attempt: 1, maxAttempts: 1 })).rejects.toThrow(TypeError);
  });
});

describe("the worker side when things go wrong around the handlers", () => {
  test("onOutcome hears every worker run too (outcome.job set): failures with their error, then success", async () => {
    const queue = new MemoryQueue({ attempts: 3, backoffMs: 1 });
    const { receiver, outcomes } = setup({ queue });
    let fail = true;
    receiver.on("resource.created", () => {
      if (fail) {
        fail = false;
        throw new Error("first run fails");
      }
    });
    const worker = queue.work(receiver);
    expect(code(await receiver.receive(await delivery(envelope("evt_o1"))))).toBe("queued");
    await until(() => queue.size === 0);
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
    const inner = new MemoryStore();
    let down = true;
    const store: IdempotencyStore = {
      claim: (request) => (down ? Promise.reject(new Error("ECONNREFUSED")) : inner.claim(request)),
      complete: (request) => inner.complete(request),
      release: (request) => inner.release(request),
    };
    const { receiver } = setup({ store });
    let runs = 0;
    receiver.on("resource.created", () => void runs++);
    const event = await queued("evt_x1");
    const error = await receiver.process(event, { attempt: 1, maxAttempts: 1 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RetryLaterError);
    expect(error).toMatchObject({ code: "store_unavailable", retryAfterMs: 5000 });
    expect(((error as Error).cause as Error).message).toBe("ECONNREFUSED");
    expect(runs).toBe(0);
    down = false;
    expect(await receiver.process(event, { attempt: 1, maxAttempts: 1 })).toBe("processed");
    expect(runs).toBe(1);
  });

  test("the same id with another body is unrecoverable: UnrecoverableEventError, and MemoryQueue dead-letters it at once", async () => {
    const store = new MemoryStore();
    const { receiver } = setup({ store });
    let runs = 0;
    receiver.on("resource.created", () => void runs++);
    const event = await queued("evt_x2");
    expect(await receiver.process(event, { attempt: 1, maxAttempts: 5 })).toBe("processed");
    const other = { ...event, fingerprint: "another-body" };
    await expect(receiver.process(other, { attempt: 1, maxAttempts: 5 })).rejects.toBeInstanceOf(
      UnrecoverableEventError,
    );

    const queue = new MemoryQueue({ attempts: 5, backoffMs: 1 });
    const worker = queue.work(receiver);
    await queue.enqueue(other);
    await until(() => queue.deadLetters().length === 1);
    expect(queue.deadLetters()[0]).toMatchObject({ attempts: 1, event: { id: "evt_x2" } });
    expect(runs).toBe(1);
    await worker.close();
  });

  test("a claim answered after the lease ended runs nothing and frees the claim", async () => {
    const clock = new FakeClock();
    const inner = new MemoryStore({ now: clock.now });
    let slow = true;
    const store: IdempotencyStore = {
      async claim(request) {
        const answer = await inner.claim(request);
        if (slow) clock.time += 31_000; // the answer took longer than the 30 s lease
        return answer;
      },
      complete: (request) => inner.complete(request),
      release: (request) => inner.release(request),
    };
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
    const queue = new MemoryQueue({ attempts: 1 });
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
    await queue.enqueue({
      key: "s:e",
      id: "e",
      type: "t",
      data: {},
      body: {},
      delivery: { scheme: "s" },
      fingerprint: "f",
      receivedAt: 0,
    });
    await until(() => queue.size === 0);
    expect(attempts).toEqual([1, 1, 1, 1]);
    expect(queue.deadLetters()).toEqual([]);
    await worker.close();
  });
});

describe("MemoryQueue", () => {
  test("retries with exponential backoff, then dead-letters with the last error; redrive runs it again", async () => {
    const queue = new MemoryQueue({ attempts: 3, backoffMs: 20 });
    const { receiver } = setup({ queue });
    const times: number[] = [];
    let broken = true;
    receiver.on("resource.created", () => {
      times.push(performance.now());
      if (broken) throw new Error(`still broken (${times.length})`);
    });
    const worker = queue.work(receiver);
    expect(code(await receiver.receive(await delivery(envelope("evt_m1"))))).toBe("queued");
    await until(() => queue.deadLetters().length === 1);
    expect(times).toHaveLength(3);
    // 20 ms, then 40 ms between runs (timers may fire late, never early).
    expect(times[1]! - times[0]!).toBeGreaterThanOrEqual(19);
    expect(times[2]! - times[1]!).toBeGreaterThanOrEqual(39);
    const [dead] = queue.deadLetters();
    expect(dead).toMatchObject({ attempts: 3, event: { id: "evt_m1", key: "vastai:evt_m1" } });
    expect((dead!.error as Error).message).toBe("still broken (3)");
    expect(queue.size).toBe(0);

    // The sender's retry is still a duplicate: the event is the queue's now.
    expect(code(await receiver.receive(await delivery(envelope("evt_m1"))))).toBe("duplicate");
    broken = false;
    expect(queue.redrive("vastai:evt_m1")).toBe(true);
    expect(queue.redrive("vastai:evt_m1")).toBe(false);
    await until(() => queue.size === 0);
    expect(times).toHaveLength(4);
    expect(queue.deadLetters()).toEqual([]);
    await worker.close();
  });

  test("enqueue is idempotent per key and stores a copy; concurrency bounds the runs at once", async () => {
    const queue = new MemoryQueue({ concurrency: 2 });
    let running = 0;
    let most = 0;
    const seen: unknown[] = [];
    const worker = queue.work({
      async process(event) {
        running++;
        most = Math.max(most, running);
        seen.push(event.data);
        await sleep(5);
        running--;
        return "processed";
      },
    });
    const event = (n: number): QueuedEvent => ({
      key: `s:e${n}`,
      id: `e${n}`,
      type: "t",
      data: { n },
      body: {},
      delivery: { scheme: "s" },
      fingerprint: "f",
      receivedAt: 0,
    });
    const mutable = event(0);
    await queue.enqueue(mutable);
    (mutable.data as { n: number }).n = 99;
    await queue.enqueue(event(0));
    for (let n = 1; n < 6; n++) await queue.enqueue(event(n));
    await until(() => queue.size === 0);
    expect(seen).toHaveLength(6);
    expect(seen[0]).toEqual({ n: 0 });
    expect(most).toBe(2);
    await worker.close();
  });

  test("close waits for running handlers; past timeoutMs it aborts their signal; then it refuses events", async () => {
    const queue = new MemoryQueue();
    const { receiver } = setup({ queue });
    let aborted = false;
    receiver.on(
      "resource.created",
      (_event, { signal }) =>
        new Promise<void>((resolve) =>
          signal.addEventListener("abort", () => {
            aborted = true;
            resolve();
          }),
        ),
    );
    const worker = queue.work(receiver);
    expect(code(await receiver.receive(await delivery(envelope("evt_c1"))))).toBe("queued");
    await sleep(10);
    const started = performance.now();
    await worker.close({ timeoutMs: 30 });
    expect(performance.now() - started).toBeLessThan(5000);
    expect(aborted).toBe(true);
    const refused = await receiver.receive(await delivery(envelope("evt_c2")));
    expect([refused.status, code(refused)]).toEqual([503, "queue_unavailable"]);
    await worker.close();
  });

  test("many handlers at once share no signal: no listener-leak warning past ten", async () => {
    const warnings: Error[] = [];
    const onWarning = (warning: Error) => warnings.push(warning);
    process.on("warning", onWarning);
    const queue = new MemoryQueue({ concurrency: 32 });
    const { receiver } = setup({ queue });
    let running = 0;
    let most = 0;
    receiver.on("resource.created", async () => {
      most = Math.max(most, ++running);
      await sleep(20);
      running--;
    });
    const worker = queue.work(receiver);
    const answers = await Promise.all(
      Array.from({ length: 40 }, async (_, i) => code(await receiver.receive(await delivery(envelope(`evt_l${i}`))))),
    );
    expect(new Set(answers)).toEqual(new Set(["queued"]));
    await until(() => queue.size === 0);
    await worker.close();
    await sleep(10); // warnings are emitted on the next tick
    process.off("warning", onWarning);
    expect(most).toBeGreaterThan(10);
    expect(warnings.filter((warning) => warning.name === "MaxListenersExceededWarning")).toEqual([]);
  });

  test("options are checked", () => {
    expect(() => new MemoryQueue({ attempts: 0 })).toThrow(RangeError);
    expect(() => new MemoryQueue({ backoffMs: -1 })).toThrow(RangeError);
    expect(() => new MemoryQueue({ concurrency: 1.5 })).toThrow(RangeError);
    const queue = new MemoryQueue();
    queue.work({ process: async () => "processed" });
    expect(() => queue.work({ process: async () => "processed" })).toThrow(/already has a worker/);
  });
});
