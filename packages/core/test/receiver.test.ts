// The receive pipeline case by case: every outcome and its status, through receive() and fetch().
import { eventBody, FakeClock, signedDelivery } from "@hooks/test-utils";
import { describe, expect, test, vi } from "vitest";
import {
  createReceiver,
  type HttpResponse,
  type IdempotencyStore,
  InvalidOptionError,
  MemoryStore,
  type Outcome,
  type OutcomeCode,
  type ReceiverOptions,
  StoreUnavailableError,
  statusOf,
} from "../src/index";
import { vastai } from "../src/schemes/named";

const SECRET = "receiver-test-secret";

interface Setup {
  clock: FakeClock;
  outcomes: Outcome[];
  calls: { id: string; type: string; data: unknown; attempt: number | undefined; aborted: () => boolean }[];
}

function setup(options: Partial<ReceiverOptions> = {}) {
  const clock = new FakeClock();
  const state: Setup = { clock, outcomes: [], calls: [] };
  const receiver = createReceiver<{ "resource.created": { name: string }; "resource.deleted": { name: string } }>({
    scheme: vastai,
    secret: SECRET,
    clock,
    onOutcome: (outcome) => state.outcomes.push(outcome),
    ...options,
  });
  receiver.on("resource.created", (event, context) => {
    state.calls.push({
      id: event.id,
      type: event.type,
      data: event.data,
      attempt: context.attempt,
      aborted: () => context.signal.aborted,
    });
  });
  return { receiver, ...state };
}

const envelope = (id: string, type = "resource.created", data: unknown = { name: "x" }) =>
  eventBody(id, { type, data });

const delivery = (clock: FakeClock, body: string | Uint8Array, options: { timestamp?: number; secret?: string } = {}) =>
  signedDelivery(body, { scheme: vastai, secret: options.secret ?? SECRET, clock, timestamp: options.timestamp });

const code = (response: HttpResponse) => JSON.parse(response.body).code as OutcomeCode;

type Via = "receive" | "fetch";
async function send(
  receiver: ReturnType<typeof setup>["receiver"],
  via: Via,
  d: { headers: Record<string, string>; body: string | Uint8Array },
): Promise<HttpResponse> {
  if (via === "receive") return receiver.receive(d);
  const response = await receiver.fetch(
    new Request("http://127.0.0.1/webhooks", { method: "POST", headers: d.headers, body: d.body as BodyInit }),
  );
  return { status: response.status, headers: Object.fromEntries(response.headers), body: await response.text() };
}

for (const via of ["receive", "fetch"] as const) {
  describe(`the status table through ${via}()`, () => {
    test("valid delivery: the handler runs with the event and its context, 200 processed", async () => {
      const { receiver, clock, calls, outcomes } = setup();
      const response = await send(receiver, via, await delivery(clock, envelope("evt_1")));
      expect([response.status, code(response)]).toEqual([200, "processed"]);
      expect(response.headers["content-type"]).toBe("application/json");
      expect(calls).toEqual([
        {
          id: "evt_1",
          type: "resource.created",
          data: { name: "x" },
          attempt: undefined,
          aborted: expect.any(Function),
        },
      ]);
      expect(calls[0]!.aborted()).toBe(false);
      expect(outcomes.at(-1)).toMatchObject({
        code: "processed",
        status: 200,
        id: "evt_1",
        type: "resource.created",
        recorded: true,
      });
      expect(outcomes.at(-1)!.durationMs).toBeGreaterThanOrEqual(0);
    });

    test("duplicate: 200, the handler is not run again, even for a retry signed later", async () => {
      const { receiver, clock, calls } = setup();
      await send(receiver, via, await delivery(clock, envelope("evt_1")));
      clock.advance(60_000);
      const response = await send(receiver, via, await delivery(clock, envelope("evt_1")));
      expect([response.status, code(response)]).toEqual([200, "duplicate"]);
      expect(calls).toHaveLength(1);
    });

    test("unhandled type: 200 by default, 501 with the reject policy; no claim either way", async () => {
      for (const [unhandled, status, expected] of [
        ["acknowledge", 200, "unhandled"],
        ["reject", 501, "unhandled_rejected"],
      ] as const) {
        const store = new MemoryStore();
        const claim = vi.spyOn(store, "claim");
        const { receiver, clock } = setup({ unhandled, store });
        const response = await send(receiver, via, await delivery(clock, envelope("evt_2", "other.thing")));
        expect([response.status, code(response)]).toEqual([status, expected]);
        expect(claim).not.toHaveBeenCalled();
      }
    });

    test("claimed elsewhere and still running: 409 with Retry-After until the lease ends", async () => {
      const { receiver, clock } = setup({ leaseSeconds: 30 });
      let finish = () => {};
      receiver.on("resource.deleted", () => new Promise<void>((resolve) => (finish = resolve)));
      const d = await delivery(clock, envelope("evt_3", "resource.deleted"));
      const first = send(receiver, via, d);
      await vi.waitFor(() => expect(clock.pendingTimers).toBe(1));
      clock.advance(12_000);
      const second = await send(receiver, via, d);
      expect([second.status, code(second), second.headers["retry-after"]]).toEqual([409, "in_progress", "18"]);
      finish();
      expect((await first).status).toBe(200);
    });

    test("missing or malformed headers: 400 with the verification code", async () => {
      const { receiver, clock, calls } = setup();
      const good = await delivery(clock, envelope("evt_4"));
      const cases: [Record<string, string>, OutcomeCode][] = [
        [{ "x-vastai-signature": good.headers["x-vastai-signature"]! }, "missing_header"],
        [{ ...good.headers, "x-vastai-timestamp": "12abc" }, "invalid_timestamp"],
        [{ ...good.headers, "x-vastai-signature": "abc" }, "malformed_signature"],
      ];
      for (const [headers, expected] of cases) {
        const response = await send(receiver, via, { headers, body: good.body });
        expect([response.status, code(response)]).toEqual([400, expected]);
      }
      expect(calls).toHaveLength(0);
    });

    test("bad signature, stale or future timestamp: 401", async () => {
      const { receiver, clock, calls } = setup();
      const now = Math.floor(clock.time / 1000);
      const cases: [Awaited<ReturnType<typeof delivery>>, OutcomeCode][] = [
        [
          {
            ...(await delivery(clock, envelope("evt_5"))),
            body: envelope("evt_5", "resource.created", { name: "evil" }),
          },
          "signature_mismatch",
        ],
        [await delivery(clock, envelope("evt_5"), { secret: "guess" }), "signature_mismatch"],
        [await delivery(clock, envelope("evt_5"), { timestamp: now - 301 }), "timestamp_too_old"],
        [await delivery(clock, envelope("evt_5"), { timestamp: now + 301 }), "timestamp_in_future"],
      ];
      for (const [d, expected] of cases) {
        const response = await send(receiver, via, d);
        expect([response.status, code(response)]).toEqual([401, expected]);
      }
      expect(calls).toHaveLength(0);
    });

    test("verified but not JSON, not UTF-8, or without a usable id and type: 400", async () => {
      const { receiver, clock, calls } = setup();
      const cases: [string | Uint8Array, OutcomeCode][] = [
        ["not json", "invalid_body"],
        [new Uint8Array([0x7b, 0xff, 0x7d]), "invalid_body"],
        [JSON.stringify({ type: "resource.created" }), "invalid_event"],
        [JSON.stringify({ id: "evt 6", type: "resource.created" }), "invalid_event"],
        [JSON.stringify({ id: "evt_6", type: 7 }), "invalid_event"],
        [JSON.stringify(["evt_6"]), "invalid_event"],
      ];
      for (const [body, expected] of cases) {
        const response = await send(receiver, via, await delivery(clock, body));
        expect([response.status, code(response)]).toEqual([400, expected]);
      }
      expect(calls).toHaveLength(0);
    });

    test("a body over maxBodyBytes: 413 before any verification", async () => {
      const { receiver, clock, calls } = setup({ maxBodyBytes: 64 });
      const body = envelope("evt_7", "resource.created", { name: "x".repeat(100) });
      const response = await send(receiver, via, await delivery(clock, body));
      expect([response.status, code(response)]).toEqual([413, "payload_too_large"]);
      expect(calls).toHaveLength(0);
    });

    test("the same id with a different payload: 422, the handler is not run", async () => {
      const { receiver, clock, calls } = setup();
      await send(receiver, via, await delivery(clock, envelope("evt_8", "resource.created", { name: "a" })));
      const response = await send(
        receiver,
        via,
        await delivery(clock, envelope("evt_8", "resource.created", { name: "b" })),
      );
      expect([response.status, code(response)]).toEqual([422, "fingerprint_mismatch"]);
      expect(calls).toHaveLength(1);
    });

    test("a handler that throws: 500, the claim is released, and the retry runs it again", async () => {
      const { receiver, clock, outcomes } = setup();
      let attempts = 0;
      receiver.on("resource.deleted", () => {
        attempts++;
        if (attempts === 1) throw new Error("database down: password=hunter2");
      });
      const d = await delivery(clock, envelope("evt_9", "resource.deleted"));
      const failed = await send(receiver, via, d);
      expect([failed.status, code(failed)]).toEqual([500, "handler_failed"]);
      expect(failed.body).not.toContain("hunter2");
      expect(outcomes.at(-1)!.error).toBeInstanceOf(Error);
      const retried = await send(receiver, via, d);
      expect([retried.status, code(retried), attempts]).toEqual([200, "processed", 2]);
    });

    test("a handler that runs past its lease: its signal aborts, 500, and the next delivery runs it", async () => {
      const { receiver, clock } = setup({ leaseSeconds: 10 });
      const signals: AbortSignal[] = [];
      receiver.on("resource.deleted", (_event, { signal }) => {
        signals.push(signal);
        if (signals.length > 1) return;
        return new Promise((_, reject) => signal.addEventListener("abort", () => reject(signal.reason)));
      });
      const d = await delivery(clock, envelope("evt_10", "resource.deleted"));
      const first = send(receiver, via, d);
      await vi.waitFor(() => expect(clock.pendingTimers).toBe(1));
      clock.advance(10_000);
      const timedOut = await first;
      expect([timedOut.status, code(timedOut), signals[0]!.aborted]).toEqual([500, "handler_timeout", true]);
      const next = await send(receiver, via, d);
      expect([next.status, code(next), signals.length]).toEqual([200, "processed", 2]);
      expect(clock.pendingTimers).toBe(0);
    });

    test("the store unreachable: 503 and no handler runs", async () => {
      const down: IdempotencyStore = {
        claim: () => Promise.reject(new StoreUnavailableError("connection refused")),
        complete: () => Promise.reject(new StoreUnavailableError("connection refused")),
        release: () => Promise.reject(new StoreUnavailableError("connection refused")),
      };
      const { receiver, clock, calls, outcomes } = setup({ store: down });
      const response = await send(receiver, via, await delivery(clock, envelope("evt_11")));
      expect([response.status, code(response)]).toEqual([503, "store_unavailable"]);
      expect(calls).toHaveLength(0);
      expect(outcomes.at(-1)!.error).toBeInstanceOf(StoreUnavailableError);
    });
  });
}

describe("answers", () => {
  test("no outcome is ever answered 410, which makes Standard Webhooks senders disable the endpoint", () => {
    const codes: OutcomeCode[] = [
      "processed",
      "duplicate",
      "unhandled",
      "unhandled_rejected",
      "in_progress",
      "payload_too_large",
      "invalid_body",
      "invalid_event",
      "fingerprint_mismatch",
      "handler_failed",
      "handler_timeout",
      "store_unavailable",
      "queued",
      "queue_unavailable",
      "method_not_allowed",
      "missing_header",
      "malformed_header",
      "invalid_timestamp",
      "malformed_signature",
      "timestamp_too_old",
      "timestamp_in_future",
      "signature_mismatch",
      "invalid_payload",
      "invalid_secret",
      "unsupported_algorithm",
    ];
    for (const outcome of codes) expect(statusOf(outcome), outcome).not.toBe(410);
    expect(new Set(codes.map((outcome) => Math.floor(statusOf(outcome) / 100)))).toEqual(new Set([2, 4, 5]));
  });

  test("bodies are small JSON with the code only: no secret, no signature, no stack", async () => {
    const { receiver, clock } = setup();
    const d = await delivery(clock, envelope("evt_12"));
    const tampered = await receiver.receive({ ...d, body: envelope("evt_12", "resource.created", { name: "y" }) });
    expect(tampered.body).toBe('{"code":"signature_mismatch"}');
    expect(tampered.body).not.toContain(d.headers["x-vastai-signature"]!);
  });

  test("a throwing onOutcome hook does not change the answer", async () => {
    const clock = new FakeClock();
    const receiver = createReceiver({
      scheme: vastai,
      secret: SECRET,
      clock,
      onOutcome: () => {
        throw new Error("logger down");
      },
    });
    receiver.on("*", () => {});
    expect((await receiver.receive(await delivery(clock, envelope("evt_13")))).status).toBe(200);
  });

  test("fetch: a method other than POST is 405 with Allow: POST; an announced oversized body is 413 unread", async () => {
    const { receiver } = setup({ maxBodyBytes: 10 });
    const get = await receiver.fetch(new Request("http://127.0.0.1/webhooks"));
    expect([get.status, get.headers.get("allow")]).toEqual([405, "POST"]);
    let pulled = 0;
    const stream = new ReadableStream({
      pull: (controller) => {
        pulled++;
        controller.enqueue(new Uint8Array(8));
      },
    });
    const streamed = await receiver.fetch(
      new Request("http://127.0.0.1/webhooks", { method: "POST", body: stream, duplex: "half" } as RequestInit),
    );
    expect(streamed.status).toBe(413);
    expect(pulled).toBeLessThan(5);
    const announced = await receiver.fetch(
      new Request("http://127.0.0.1/webhooks", {
        method: "POST",
        headers: { "content-length": "11" },
        body: "x".repeat(11),
      }),
    );
    expect(announced.status).toBe(413);
  });

  test("20 concurrent identical deliveries run the handler once; the rest are told in_progress or duplicate", async () => {
    const { receiver, clock, calls } = setup();
    const d = await delivery(clock, envelope("evt_14"));
    const responses = await Promise.all(Array.from({ length: 20 }, () => receiver.receive(d)));
    expect(calls).toHaveLength(1);
    const codes = responses.map(code);
    expect(codes.filter((c) => c === "processed")).toHaveLength(1);
    expect(codes.every((c) => ["processed", "in_progress", "duplicate"].includes(c))).toBe(true);
  });
});

describe("options", () => {
  test("are checked once, at creation: bad numbers, policies and secrets throw there", () => {
    const base = { scheme: vastai, secret: SECRET };
    for (const bad of [
      { maxBodyBytes: 0 },
      { leaseSeconds: -1 },
      { retentionSeconds: 1.5 },
      { toleranceSeconds: Number.NaN },
    ]) {
      expect(() => createReceiver({ ...base, ...bad }), JSON.stringify(bad)).toThrow(InvalidOptionError);
    }
    expect(() => createReceiver({ ...base, unhandled: "ignore" as never })).toThrow(InvalidOptionError);
    expect(() => createReceiver({ ...base, secret: " " })).toThrow(/secret/);
    expect(() => createReceiver({ secret: SECRET } as never)).toThrow(InvalidOptionError);
  });
});

describe("a misconfigured receiver", () => {
  test("answers 500 with the message that names the fix when handed a parsed body instead of the raw one", async () => {
    const { receiver, clock, calls } = setup();
    const d = await delivery(clock, envelope("evt_15"));
    const response = await receiver.receive({ headers: d.headers, body: JSON.parse(d.body as string) });
    const answer = JSON.parse(response.body);
    expect([response.status, answer.code]).toEqual([500, "invalid_payload"]);
    expect(answer.message).toMatch(/raw request body.*before any JSON parser/);
    expect(calls).toHaveLength(0);
  });

  test("a handler's error message never reaches the sender", async () => {
    const { receiver, clock } = setup();
    receiver.on("resource.deleted", () => {
      throw new Error("secret internals");
    });
    const response = await receiver.receive(await delivery(clock, envelope("evt_16", "resource.deleted")));
    expect(response.body).toBe('{"code":"handler_failed"}');
  });
});
