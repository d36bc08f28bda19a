// Model-based: any interleaving of concurrent deliveries, handler failures, lease expiries and
// store outages keeps the receiver's promises (fast-check's scheduler picks the interleaving).
import { eventBody, FakeClock, signedDelivery } from "@hooks/test-utils";
import fc from "fast-check";
import { expect, test } from "vitest";
import {
  createReceiver,
  type IdempotencyStore,
  MemoryStore,
  type OutcomeCode,
  StoreUnavailableError,
} from "../src/index";
import { vastai } from "../src/schemes/named";

const SECRET = "model-secret";
const EVENTS = ["evt_a", "evt_b", "evt_c"] as const;
const LEASE_SECONDS = 10;

type Behaviour = "ok" | "fail" | "hang";

const plans = fc.record({
  // Which event each concurrent delivery carries.
  deliveries: fc.array(fc.constantFrom(0, 1, 2), { minLength: 1, maxLength: 10 }),
  // How successive handler runs behave: complete, throw, or hang until their lease aborts them.
  behaviours: fc.array(fc.constantFrom<Behaviour>("ok", "fail", "hang"), { minLength: 1, maxLength: 10 }),
  // Time moving on while deliveries are in flight, in ms.
  ticks: fc.array(fc.integer({ min: 0, max: 6_000 }), { maxLength: 16 }),
  // Which store calls (by order) fail as if the store were unreachable.
  outages: fc.array(fc.boolean(), { maxLength: 24 }),
});

test("exactly-once holds under any interleaving of duplicates, failures, lease expiries and store outages", async () => {
  await fc.assert(
    fc.asyncProperty(fc.scheduler(), plans, async (s, plan) => {
      const clock = new FakeClock();
      const inner = new MemoryStore({ now: clock.now });
      let storeCalls = 0;
      let outagesOn = true;
      const outageKeys = new Set<string>();
      // Each store call waits on the scheduler before its request and after its answer (so the
      // answer can arrive late), and either side may fail: the request never arriving, or the
      // answer getting lost after the store acted.
      const step = async (label: string, key: string) => {
        const call = storeCalls++;
        await s.schedule(Promise.resolve(label), label);
        if (outagesOn && plan.outages[call]) {
          outageKeys.add(key);
          throw new StoreUnavailableError("planned outage");
        }
      };
      const around =
        <R>(name: string, call: (request: { key: string }) => Promise<R>) =>
        async (request: { key: string }): Promise<R> => {
          await step(`${name} ${request.key}`, request.key);
          const result = await call(request);
          await step(`${name} answer ${request.key}`, request.key);
          return result;
        };
      const store: IdempotencyStore = {
        claim: around("claim", (request) => inner.claim(request as Parameters<IdempotencyStore["claim"]>[0])),
        complete: around("complete", (request) =>
          inner.complete(request as Parameters<IdempotencyStore["complete"]>[0]),
        ),
        release: around("release", (request) => inner.release(request as Parameters<IdempotencyStore["release"]>[0])),
      };

      const completions = new Map<string, number>();
      const running = new Map<string, number>();
      const overlaps: string[] = [];
      const unrecorded = new Map<string, number>();
      const answers: { id: string; code: OutcomeCode; completedBefore: number }[] = [];
      let runs = 0;
      let behavioursOn = true;

      const receiver = createReceiver({
        scheme: vastai,
        secret: SECRET,
        store,
        clock,
        leaseSeconds: LEASE_SECONDS,
        toleranceSeconds: 86_400,
        onOutcome: (outcome) => {
          if (outcome.code === "processed" && !outcome.recorded && outcome.id) {
            unrecorded.set(outcome.id, (unrecorded.get(outcome.id) ?? 0) + 1);
          }
        },
      });
      receiver.on("*", async (event, { signal }) => {
        const behaviour = behavioursOn ? plan.behaviours[runs++ % plan.behaviours.length]! : "ok";
        if ((running.get(event.id) ?? 0) > 0) overlaps.push(event.id);
        running.set(event.id, (running.get(event.id) ?? 0) + 1);
        // A cooperative handler: every wait also ends when its signal aborts.
        const aborted = new Promise<never>((_, reject) =>
          signal.addEventListener("abort", () => reject(signal.reason), { once: true }),
        );
        try {
          await Promise.race([s.schedule(Promise.resolve(), `handler ${event.id}`), aborted]);
          if (behaviour === "fail") throw new Error("planned failure");
          if (behaviour === "hang") await aborted;
          completions.set(event.id, (completions.get(event.id) ?? 0) + 1);
        } finally {
          running.set(event.id, running.get(event.id)! - 1);
        }
      });

      const signed = await Promise.all(
        EVENTS.map(async (id) => ({
          id,
          ...(await signedDelivery(eventBody(id, { data: { id } }), { scheme: vastai, secret: SECRET, clock })),
        })),
      );
      const deliver = async (index: number) => {
        const { id, body, headers } = signed[index]!;
        const response = await receiver.receive({ headers, body });
        answers.push({ id, code: JSON.parse(response.body).code, completedBefore: completions.get(id) ?? 0 });
        return response;
      };

      // Phase 1: every planned delivery at once, with time moving and the store failing as planned.
      let settled = false;
      const all = Promise.all(plan.deliveries.map(deliver)).then(() => {
        settled = true;
      });
      const ticker = (async () => {
        for (const ms of plan.ticks) {
          await s.schedule(Promise.resolve(), "tick");
          clock.advance(ms);
        }
        // Hanging handlers end when their lease does: keep time moving until every answer is out.
        while (!settled) {
          await s.schedule(Promise.resolve(), "late tick");
          clock.advance(LEASE_SECONDS * 1000);
        }
      })();
      await s.waitFor(Promise.all([all, ticker]));

      // Phase 2: the sender's retries once the store is back and handlers succeed, at once: a
      // failed or timed-out handler released its event, so only a store outage can leave a lease
      // held (then the retry after the lease must succeed).
      outagesOn = false;
      behavioursOn = false;
      for (let index = 0; index < EVENTS.length; index++) {
        let response = await s.waitFor(deliver(index));
        if (response.status === 409 && outageKeys.has(`vastai:${EVENTS[index]}`)) {
          clock.advance(LEASE_SECONDS * 1000);
          response = await s.waitFor(deliver(index));
        }
        expect(response.status, `retry of ${EVENTS[index]}`).toBe(200);
      }

      expect(overlaps, "handler runs of one id that overlapped").toEqual([]);
      for (const { id, code, completedBefore } of answers) {
        if (code === "processed" || code === "duplicate")
          expect(completedBefore, `${id} answered ${code} before completing`).toBeGreaterThan(0);
        expect([
          "processed",
          "duplicate",
          "in_progress",
          "handler_failed",
          "handler_timeout",
          "store_unavailable",
        ]).toContain(code);
      }
      for (const id of EVENTS) {
        // Exactly once, unless the store could not record a completion (lease lost or store down).
        const count = completions.get(id) ?? 0;
        expect(count, `${id} completions`).toBeGreaterThanOrEqual(1);
        expect(count, `${id} completions`).toBeLessThanOrEqual(1 + (unrecorded.get(id) ?? 0));
      }
    }),
    { numRuns: 500 },
  );
});
