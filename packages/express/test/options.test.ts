// webhooks() refuses what is not a receiver when the app is set up, not as a 500 on every delivery.
import { createReceiver, isHooksError, schemes } from "@hooks/core";
import { thrownBy } from "@hooks/test-utils";
import { describe, expect, test } from "vitest";
import { webhooks } from "../src/index";

const receiver = createReceiver({ scheme: schemes.stripe, secret: "whsec_test", logger: false });

describe("webhooks(receiver) checks the receiver when it is called", () => {
  test.each([
    ["undefined", undefined],
    ["null", null],
    ["an empty object", {}],
    ["the receiver's options instead of the receiver", { scheme: schemes.stripe, secret: "whsec_test" }],
  ])("%s: InvalidOptionError naming `receiver`", (_, value) => {
    const error = thrownBy(() => webhooks(value as never));
    expect(error).toMatchObject({ name: "InvalidOptionError", code: "invalid_option", option: "receiver" });
    expect(isHooksError(error, "invalid_option") && error.option).toBe("receiver");
  });

  test("a receiver whose limit is not a size: InvalidOptionError naming the limit", () => {
    const error = thrownBy(() => webhooks({ ...receiver, maxBodyBytes: 0 }));
    expect(error).toMatchObject({ code: "invalid_option", option: "maxBodyBytes" });
  });

  test("a receiver from createReceiver is taken", () => {
    expect(thrownBy(() => webhooks(receiver))).toBeUndefined();
  });
});
