// The plugin refuses a missing receiver or a bad path at register, so the app does not start,
// rather than sending a TypeError to every sender.
import { createReceiver, isHooksError, schemes } from "@hooks/core";
import fastify5 from "fastify";
import fastify4 from "fastify4";
import { describe, expect, test } from "vitest";
import { webhooks } from "../src/index";

const receiver = createReceiver({ scheme: schemes.stripe, secret: "whsec_test", logger: false });

/** What app.ready() rejects with after registering the plugin with `options` (undefined when it starts). */
async function readyError(create: () => ReturnType<typeof fastify5>, options: unknown): Promise<unknown> {
  const app = create();
  try {
    app.register(webhooks, options as never);
    await app.ready();
    return undefined;
  } catch (error) {
    return error;
  } finally {
    await app.close();
  }
}

const variants = [
  { name: "Fastify 5", create: () => fastify5() },
  { name: "Fastify 4", create: () => fastify4() as unknown as ReturnType<typeof fastify5> },
];

for (const { name, create } of variants) {
  describe(`${name}: register(webhooks, options) checks its options`, () => {
    test.each([
      ["no receiver", { path: "/webhooks" }],
      ["receiver: null", { receiver: null, path: "/webhooks" }],
      ["the receiver's options instead of the receiver", { receiver: { scheme: schemes.stripe }, path: "/webhooks" }],
      ["no options at all", undefined],
    ])("%s: InvalidOptionError naming `receiver`", async (_, options) => {
      const error = await readyError(create, options);
      expect(error).toMatchObject({ name: "InvalidOptionError", code: "invalid_option", option: "receiver" });
      expect(isHooksError(error, "invalid_option") && error.option).toBe("receiver");
    });

    test.each([
      ["no path", { receiver }],
      ["a path without the leading slash", { receiver, path: "webhooks" }],
      ["an empty path", { receiver, path: "" }],
      ["a path that is not a string", { receiver, path: 42 }],
    ])("%s: InvalidOptionError naming `path`", async (_, options) => {
      const error = await readyError(create, options);
      expect(error).toMatchObject({ name: "InvalidOptionError", code: "invalid_option", option: "path" });
    });

    test("a receiver and a path: the app starts", async () => {
      expect(await readyError(create, { receiver, path: "/webhooks" })).toBeUndefined();
    });
  });
}
