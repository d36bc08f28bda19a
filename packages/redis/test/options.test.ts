// RedisStore refuses what it cannot work with when it is created: an InvalidOptionError naming the option.
import { isHooksError } from "@hooks/core";
import { thrownBy } from "@hooks/test-utils";
import { describe, expect, test } from "vitest";
import { type IoredisLike, RedisStore } from "../src/index";

/** An ioredis-shaped client that is never called: the constructor sends nothing. */
const ioredis: IoredisLike = {
  evalsha: () => Promise.reject(new Error("not called")),
  eval: () => Promise.reject(new Error("not called")),
  call: () => Promise.reject(new Error("not called")),
};

describe("new RedisStore(client, options) checks its arguments", () => {
  test.each([
    ["an empty object", {}],
    ["undefined", undefined],
    ["null", null],
    ["a connection URL", "redis://127.0.0.1:6379"],
  ])("client %s: InvalidOptionError naming `client`, and the clients it takes", (_, client) => {
    const error = thrownBy(() => new RedisStore(client as never));
    expect(error).toMatchObject({ name: "InvalidOptionError", code: "invalid_option", option: "client" });
    expect((error as Error).message).toMatch(/ioredis.*node-redis/);
    expect(isHooksError(error, "invalid_option") && error.option).toBe("client");
  });

  test.each([0, -1, Number.NaN, Number.POSITIVE_INFINITY])(
    "timeoutMs %s: InvalidOptionError naming `timeoutMs`",
    (timeoutMs) => {
      const error = thrownBy(() => new RedisStore(ioredis, { timeoutMs }));
      expect(error).toMatchObject({ name: "InvalidOptionError", code: "invalid_option", option: "timeoutMs" });
    },
  );

  test("an ioredis-shaped client with the defaults is taken", () => {
    expect(thrownBy(() => new RedisStore(ioredis))).toBeUndefined();
    expect(thrownBy(() => new RedisStore(ioredis, { timeoutMs: 1 }))).toBeUndefined();
  });
});
