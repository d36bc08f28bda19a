// What the receiver logs by default and through a logger: failures always, refusals rate-limited, secrets never.
import { eventBody, FakeClock, signedDelivery, sleep } from "@hooks/test-utils";
import { afterEach, describe, expect, test, vi } from "vitest";
import {
  createReceiver,
  type IdempotencyStore,
  InvalidOptionError,
  type LogFields,
  type Logger,
  MemoryQueue,
  MemoryStore,
  type ReceiverOptions,
  StoreUnavailableError,
} from "../src/index";
import { LOG_INTERVAL_MS } from "../src/log";
import { vastai } from "../src/schemes/named";

const SECRET = "logging-test-secret-9f3b";

interface Line {
  readonly level: string;
  readonly fields: LogFields;
  readonly message: string;
}

/** A pino-shaped logger that keeps every call. */
function recorder(withDebug = true): Logger & { lines: Line[] } {
  const lines: Line[] = [];
  const at = (level: string) => (fields: LogFields, message: string) => void lines.push({ level, fields, message });
  return { lines, error: at("error"), warn: at("warn"), ...(withDebug ? { debug: at("debug") } : {}) };
}

function setup(options: Partial<ReceiverOptions> = {}) {
  const clock = new FakeClock();
  const receiver = createReceiver({ scheme: vastai, secret: SECRET, clock, ...options });
  receiver.on("resource.created", (event) => {
    if ((event.data as { fail?: boolean }).fail) throw new Error(`the ledger refused ${event.id}`);
  });
  return { receiver, clock };
}

const body = (id: string, data: unknown = { name: "x" }) => eventBody(id, { data });

const delivery = (clock: FakeClock, payload: string, secret = SECRET) =>
  signedDelivery(payload, { scheme: vastai, secret, clock });

const code = (answer: { body: string }) => JSON.parse(answer.body).code as string;

afterEach(() => {
  vi.restoreAllMocks();
});

describe("the default logger (the console)", () => {
  test("a handler that throws is logged as an error with the event's type and id and the error itself", async () => {
    const error = vi.spyOn(console, "error").mockImplementation(() => {});
    const { receiver, clock } = setup();
    expect(code(await receiver.receive(await delivery(clock, body("evt_fail", { fail: true }))))).toBe(
      "handler_failed",
    );
    expect(error).toHaveBeenCalledTimes(1);
    const [line] = error.mock.calls[0]!;
    expect(error.mock.calls[0]).toHaveLength(1);
    expect(line).toMatch(
      /^hooks: a handler for resource\.created evt_fail threw; answered 500 so the sender retries:\nError: the ledger refused evt_fail\n {4}at /,
    );
  });

  test("an error's stack and causes are printed, never its properties (an HTTP client's error holds the request's headers)", async () => {
    const error = vi.spyOn(console, "error").mockImplementation(() => {});
    const clock = new FakeClock();
    const receiver = createReceiver({ scheme: vastai, secret: SECRET, clock });
    receiver.on("resource.created", () => {
      const failure = new Error("Request failed with status code 502", { cause: new Error("socket hang up") });
      Object.assign(failure, {
        config: { headers: { Authorization: "Bearer sk_live_TOPSECRET" } },
        response: { data: '{"email":"alice@example.com"}' },
      });
      throw failure;
    });
    await receiver.receive(await delivery(clock, body("evt_axios")));
    const printed = error.mock.calls.flat().map(String).join("\n");
    expect(printed).toContain("Error: Request failed with status code 502");
    expect(printed).toContain("caused by Error: socket hang up");
    expect(printed).not.toContain("sk_live_TOPSECRET");
    expect(printed).not.toContain("alice@example.com");
  });

  test("routine outcomes print nothing; forgeries print one warning per code and interval", async () => {
    const error = vi.spyOn(console, "error").mockImplementation(() => {});
    const warn = vi.spyOn(console, "warn").mockImplementation(() => {});
    const { receiver, clock } = setup();
    const good = await delivery(clock, body("evt_ok"));
    expect(code(await receiver.receive(good))).toBe("processed");
    expect(code(await receiver.receive(good))).toBe("duplicate");
    expect(warn).not.toHaveBeenCalled();
    for (let i = 0; i < 50; i++) {
      const forged = await delivery(clock, body(`evt_forged_${i}`), "an attacker's guess");
      expect(code(await receiver.receive(forged))).toBe("signature_mismatch");
    }
    expect(warn).toHaveBeenCalledTimes(1);
    expect(warn.mock.calls[0]).toEqual(["hooks: refused a delivery (signature_mismatch, 401)"]);
    clock.advance(LOG_INTERVAL_MS);
    await receiver.receive(await delivery(clock, body("evt_forged_last"), "an attacker's guess"));
    expect(warn).toHaveBeenCalledTimes(2);
    expect(warn.mock.calls[1]).toEqual([
      "hooks: refused a delivery (signature_mismatch, 401) (+49 more like it since the last such line)",
    ]);
    expect(error).not.toHaveBeenCalled();
  });

  test("logger: console is the built-in console logger: no line per routine delivery", async () => {
    const debug = vi.spyOn(console, "debug").mockImplementation(() => {});
    const log = vi.spyOn(console, "log").mockImplementation(() => {});
    const { receiver, clock } = setup({ logger: console });
    expect(code(await receiver.receive(await delivery(clock, body("evt_routine"))))).toBe("processed");
    await receiver.fetch(new Request("http://127.0.0.1/", { method: "GET" }));
    expect(debug).not.toHaveBeenCalled();
    expect(log).not.toHaveBeenCalled();
  });

  test("logger: false prints nothing, whatever happens", async () => {
    const error = vi.spyOn(console, "error").mockImplementation(() => {});
    const warn = vi.spyOn(console, "warn").mockImplementation(() => {});
    const { receiver, clock } = setup({ logger: false });
    await receiver.receive(await delivery(clock, body("evt_f", { fail: true })));
    await receiver.receive(await delivery(clock, body("evt_g"), "wrong"));
    expect(error).not.toHaveBeenCalled();
    expect(warn).not.toHaveBeenCalled();
  });
});

describe("a pino-style logger", () => {
  test("gets (fields, message): code, status, id, type and err for failures; debug for routine outcomes", async () => {
    const logger = recorder();
    const { receiver, clock } = setup({ logger });
    await receiver.receive(await delivery(clock, body("evt_1")));
    await receiver.receive(await delivery(clock, body("evt_2", { fail: true })));
    expect(logger.lines.map(({ level, fields }) => [level, fields.code, fields.id])).toEqual([
      ["debug", "processed", "evt_1"],
      ["error", "handler_failed", "evt_2"],
    ]);
    const failed = logger.lines[1]!.fields;
    expect(failed).toMatchObject({ status: 500, type: "resource.created" });
    expect((failed.err as Error).message).toBe("the ledger refused evt_2");
  });

  test("handler failures: the first 20 per interval each get a line, then the next line counts the rest", async () => {
    const logger = recorder(false);
    const { receiver, clock } = setup({ logger });
    for (let i = 0; i < 25; i++) await receiver.receive(await delivery(clock, body(`evt_${i}`, { fail: true })));
    expect(logger.lines.map((line) => line.fields.id)).toEqual(Array.from({ length: 20 }, (_, i) => `evt_${i}`));
    clock.advance(LOG_INTERVAL_MS);
    await receiver.receive(await delivery(clock, body("evt_later", { fail: true })));
    expect(logger.lines.at(-1)?.fields).toMatchObject({ id: "evt_later", suppressed: 5 });
  });

  test("routine outcomes go to debug in words that say what happened", async () => {
    const logger = recorder();
    const { receiver, clock } = setup({ logger });
    const d = await delivery(clock, body("evt_r"));
    await receiver.receive(d);
    await receiver.receive(d);
    await receiver.receive(
      await delivery(clock, JSON.stringify({ id: "evt_u", type: "other.thing", data: {}, created: 1 })),
    );
    expect(logger.lines.map(({ level, message }) => `${level} ${message}`)).toEqual([
      "debug processed resource.created evt_r",
      "debug duplicate of resource.created evt_r: not run again",
      "debug no handler for other.thing evt_u: acknowledged",
    ]);
  });

  test("a logger whose debug level is off (pino's isLevelEnabled) is not handed routine outcomes at all", async () => {
    const logger = { ...recorder(), isLevelEnabled: (level: string) => level !== "debug" };
    const { receiver, clock } = setup({ logger });
    await receiver.receive(await delivery(clock, body("evt_quiet")));
    await receiver.receive(await delivery(clock, body("evt_loud", { fail: true })));
    expect(logger.lines.map(({ level, fields }) => `${level} ${fields.code}`)).toEqual(["error handler_failed"]);
  });

  test("a completion the store did not record is a warning with the store's error: a retry may run the handlers again", async () => {
    const logger = recorder(false);
    const memory = new MemoryStore();
    const flaky: IdempotencyStore = {
      claim: (request) => memory.claim(request),
      complete: () => Promise.reject(new StoreUnavailableError("READONLY You can't write against a read only replica")),
      release: (request) => memory.release(request),
    };
    const { receiver, clock } = setup({ logger, store: flaky });
    expect(code(await receiver.receive(await delivery(clock, body("evt_unrec"))))).toBe("processed");
    expect(logger.lines).toEqual([
      {
        level: "warn",
        fields: expect.objectContaining({
          code: "processed",
          recorded: false,
          id: "evt_unrec",
          err: expect.any(StoreUnavailableError),
        }),
        message:
          "the handlers for resource.created evt_unrec completed, but the store did not record it: a retry of this event may run them again",
      },
    ]);
  });

  test("a logger that throws or rejects changes no answer and ends no process", async () => {
    const unhandled = vi.fn();
    process.on("unhandledRejection", unhandled);
    try {
      for (const logger of [
        { error: () => Promise.reject(new Error("log shipper down")), warn: () => Promise.reject(new Error("down")) },
        {
          error: () => {
            throw new Error("log shipper down");
          },
          warn: () => {
            throw new Error("down");
          },
        },
      ]) {
        const { receiver, clock } = setup({ logger });
        expect(code(await receiver.receive(await delivery(clock, body("evt_l", { fail: true }))))).toBe(
          "handler_failed",
        );
        expect(code(await receiver.receive(await delivery(clock, body("evt_m"), "wrong")))).toBe("signature_mismatch");
      }
      await sleep(20);
      expect(unhandled).not.toHaveBeenCalled();
    } finally {
      process.off("unhandledRejection", unhandled);
    }
  });

  test("no line carries the secret, a signature, a header or the body, even for malformed bodies", async () => {
    const logger = recorder();
    const { receiver, clock } = setup({ logger });
    const secretBody = '{"id":"evt_b","type":"resource.created","data":{"card":"4242-4242-SECRET-DATA"}';
    const broken = await delivery(clock, secretBody); // signed, but not JSON: the parse error quotes the body
    expect(code(await receiver.receive(broken))).toBe("invalid_body");
    const forged = await delivery(clock, body("evt_c", { card: "4242-4242-SECRET-DATA" }), "wrong");
    await receiver.receive(forged);
    const failing = await delivery(clock, body("evt_d", { fail: true, card: "4242-4242-SECRET-DATA" }));
    await receiver.receive(failing);
    const written = logger.lines
      .map(({ fields, message }) => `${message} ${JSON.stringify(fields)} ${String((fields.err as Error)?.stack)}`)
      .join("\n");
    expect(logger.lines.map((line) => line.fields.code)).toEqual([
      "invalid_body",
      "signature_mismatch",
      "handler_failed",
    ]);
    for (const needle of [
      SECRET,
      "SECRET-DATA",
      broken.headers["x-vastai-signature"]!,
      forged.headers["x-vastai-signature"]!,
    ])
      expect(written).not.toContain(needle);
    expect(logger.lines[0]!.fields.err).toBeUndefined();
  });

  test("a store outage is one error line per interval, with the driver's error", async () => {
    const logger = recorder(false);
    const down: IdempotencyStore = {
      claim: () => Promise.reject(new StoreUnavailableError("connect ECONNREFUSED 127.0.0.1:6390")),
      complete: () => Promise.resolve(false),
      release: () => Promise.resolve(false),
    };
    const { receiver, clock } = setup({ logger, store: down });
    for (let i = 0; i < 20; i++)
      expect(code(await receiver.receive(await delivery(clock, body(`evt_${i}`))))).toBe("store_unavailable");
    expect(logger.lines).toHaveLength(1);
    expect(logger.lines[0]).toMatchObject({ level: "error", fields: { code: "store_unavailable", status: 503 } });
    expect(logger.lines[0]!.message).toMatch(/idempotency store did not answer; no handler ran/);
    expect((logger.lines[0]!.fields.err as Error).message).toContain("ECONNREFUSED");
  });

  test("a worker's failed run is logged with its job and says the queue retries it", async () => {
    const logger = recorder(false);
    const clock = new FakeClock();
    const queue = new MemoryQueue({ attempts: 1 });
    const receiver = createReceiver({
      scheme: vastai,
      secret: SECRET,
      clock,
      logger,
      queue,
      store: new MemoryStore({ now: clock.now }),
    });
    receiver.on("resource.created", () => {
      throw new Error("the worker's handler failed");
    });
    queue.work(receiver);
    expect(code(await receiver.receive(await delivery(clock, body("evt_q"))))).toBe("queued");
    await vi.waitFor(() => expect(logger.lines.some((line) => line.fields.code === "handler_failed")).toBe(true));
    const line = logger.lines.find((l) => l.fields.code === "handler_failed")!;
    expect(line.fields.job).toEqual({ attempt: 1, maxAttempts: 1 });
    expect(line.message).toBe(
      "a handler for resource.created evt_q threw; that was attempt 1 of 1: the queue dead-letters it",
    );
    await queue.close();
  });

  test("a logger without error and warn is refused when the receiver is created", () => {
    expect(() => createReceiver({ scheme: vastai, secret: SECRET, logger: {} as Logger })).toThrow(InvalidOptionError);
    expect(() => createReceiver({ scheme: vastai, secret: SECRET, logger: null as unknown as Logger })).toThrow(
      /logger must have error and warn methods/,
    );
  });
});

describe("a secret missing when the receiver is created (e.g. during next build)", () => {
  for (const secret of [undefined, ""]) {
    test(`secret ${JSON.stringify(secret)}: created without throwing; each delivery gets 500 invalid_secret naming the fix, logged`, async () => {
      const logger = recorder(false);
      const { receiver, clock } = setup({ secret, logger });
      const d = await delivery(clock, body("evt_1"));
      for (const answer of [
        await receiver.receive(d),
        await receiver
          .fetch(new Request("http://127.0.0.1/", { method: "POST", headers: d.headers, body: d.body }))
          .then(async (response) => ({ status: response.status, body: await response.text() })),
      ]) {
        expect(answer.status).toBe(500);
        expect(JSON.parse(answer.body)).toEqual({
          code: "invalid_secret",
          message: expect.stringMatching(/no signing secret.*environment variable/),
        });
      }
      expect(logger.lines).toHaveLength(1); // the second is within the interval
      expect(logger.lines[0]!.message).toBe(
        "the receiver is misconfigured (invalid_secret): every delivery is answered 500 until the app runs with it fixed",
      );
    });
  }

  test("missing entries of a rotation list are left out; a list of only missing ones is a missing secret", async () => {
    const clock = new FakeClock();
    const rotating = createReceiver({ scheme: vastai, secret: [SECRET, undefined, ""], clock, logger: false });
    rotating.on("resource.created", () => {});
    expect(code(await rotating.receive(await delivery(clock, body("evt_rot"))))).toBe("processed");
    const none = createReceiver({ scheme: vastai, secret: [undefined, undefined], clock, logger: false });
    expect(code(await none.receive(await delivery(clock, body("evt_none"))))).toBe("invalid_secret");
  });

  test("a secret that is present but malformed still throws at creation", () => {
    expect(() => createReceiver({ scheme: vastai, secret: "   " })).toThrow(/secret/);
    expect(() => createReceiver({ scheme: vastai, secret: [] })).toThrow(/secret/);
  });
});
