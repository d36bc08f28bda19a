// toRouteHandler and toApiHandler refuse what is not a receiver when the route module loads, not on
// every request. Unit-level: no Next app is built or started.
import { createReceiver, isHooksError, schemes } from "@hooks/core";
import { thrownBy } from "@hooks/test-utils";
import { describe, expect, test } from "vitest";
import { toApiHandler, toRouteHandler } from "../src/index";

const receiver = createReceiver({ scheme: schemes.stripe, secret: "whsec_test", logger: false });

const notReceivers = [
  ["undefined", undefined],
  ["null", null],
  ["an empty object", {}],
  ["the receiver's options instead of the receiver", { scheme: schemes.stripe, secret: "whsec_test" }],
] as const;

describe.each([
  ["toRouteHandler", toRouteHandler],
  ["toApiHandler", toApiHandler],
] as const)("%s(receiver) checks the receiver when it is called", (_, adapt) => {
  test.each(notReceivers)("%s: InvalidOptionError naming `receiver`", (_, value) => {
    const error = thrownBy(() => adapt(value as never));
    expect(error).toMatchObject({ name: "InvalidOptionError", code: "invalid_option", option: "receiver" });
    expect(isHooksError(error, "invalid_option") && error.option).toBe("receiver");
  });

  test("a receiver from createReceiver is taken", () => {
    expect(thrownBy(() => adapt(receiver))).toBeUndefined();
  });
});

test("toApiHandler: a receiver whose limit is not a size: InvalidOptionError naming the limit", () => {
  const error = thrownBy(() => toApiHandler({ ...receiver, bodyTimeoutMs: Number.NaN }));
  expect(error).toMatchObject({ code: "invalid_option", option: "bodyTimeoutMs" });
});
