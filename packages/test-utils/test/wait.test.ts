// until and sleep: waiting that ends when it should.
import { sleep, until } from "@hooks/test-utils";
import { expect, test } from "vitest";

test("until resolves once the predicate holds, sync or async", async () => {
  let calls = 0;
  await until(() => ++calls === 3, { intervalMs: 1 });
  expect(calls).toBe(3);
  await until(async () => true);
});

test("until rejects after timeoutMs, naming what it waited for", async () => {
  const started = Date.now();
  await expect(until(() => false, { timeoutMs: 50, intervalMs: 5, message: "the dead letter" })).rejects.toThrow(
    "timed out waiting for the dead letter (50 ms)",
  );
  expect(Date.now() - started).toBeGreaterThanOrEqual(50);
});

test("a predicate that throws fails the wait at once", async () => {
  await expect(
    until(() => {
      throw new Error("broken check");
    }),
  ).rejects.toThrow("broken check");
});

test("sleep lets real time pass", async () => {
  const started = performance.now();
  await sleep(20);
  expect(performance.now() - started).toBeGreaterThanOrEqual(19);
});
