// FakeClock: time moves only on advance, and due timers fire in order.
import type { Clock } from "@hooks/core";
import { FakeClock } from "@hooks/test-utils";
import { expect, test } from "vitest";

test("is a Clock that starts at 1 700 000 000 000 ms and moves only when advanced", () => {
  const clock: Clock = new FakeClock();
  expect(clock.now()).toBe(1_700_000_000_000);
  (clock as FakeClock).advance(1_500);
  expect(clock.now()).toBe(1_700_000_001_500);
});

test("advance fires every due timer in the order they come due; later ones wait", () => {
  const clock = new FakeClock();
  const fired: string[] = [];
  clock.setTimeout(() => fired.push("b"), 200);
  clock.setTimeout(() => fired.push("a"), 100);
  clock.setTimeout(() => fired.push("c"), 300);
  clock.advance(250);
  expect(fired).toEqual(["a", "b"]);
  expect(clock.pendingTimers).toBe(1);
  clock.advance(50);
  expect(fired).toEqual(["a", "b", "c"]);
  expect(clock.pendingTimers).toBe(0);
});

test("a cancelled timer never fires, nor one cancelled by an earlier timer in the same advance", () => {
  const clock = new FakeClock();
  const fired: string[] = [];
  const cancelFirst = clock.setTimeout(() => fired.push("cancelled"), 10);
  let cancelLater = () => {};
  clock.setTimeout(() => {
    fired.push("first");
    cancelLater();
  }, 20);
  cancelLater = clock.setTimeout(() => fired.push("later"), 30);
  cancelFirst();
  clock.advance(100);
  expect(fired).toEqual(["first"]);
});
