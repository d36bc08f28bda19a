// How the conformance suite runs a known gap: it passes only while the row fails with its symptom.
import { expectGap, type KnownGap } from "@hooks/test-utils/conformance";
import { expect, test } from "vitest";

const gap: KnownGap = {
  row: "withheldBody",
  why: "the runtime keeps the connection open",
  symptom: /not to be 'open'/,
};

/** A test context that keeps the annotations it is given. */
function context() {
  const notes: string[] = [];
  return {
    notes,
    annotate: async (note: string) => {
      notes.push(note);
      return { message: note, type: "notice" };
    },
  };
}

const failingWith = (message: string) => async () => {
  throw new Error(message);
};
const passing = async () => {};

test("a known gap that fails with its symptom passes, annotated with why", async () => {
  const noted = context();
  await expect(expectGap(gap, noted, failingWith("expected 'open' not to be 'open'"))).resolves.toBeUndefined();
  expect(noted.notes).toEqual(["known gap: the runtime keeps the connection open"]);
});

test("a known gap that fails otherwise fails with the row's own error", async () => {
  await expect(expectGap(gap, context(), failingWith("expected 200 to be 408"))).rejects.toThrow(
    "expected 200 to be 408",
  );
});

test("a known gap that passes fails the run, saying to drop the entry; an intermittent one may pass", async () => {
  await expect(expectGap(gap, context(), passing)).rejects.toThrow(/known gap "withheldBody" passed.*drop it/);
  await expect(expectGap({ ...gap, intermittent: true }, context(), passing)).resolves.toBeUndefined();
});
