// Outcome reporting: every delivery's and every worker run's outcome goes to onOutcome and the log.
import { type Outcome, type OutcomeCode, statusOf } from "../http";

/** Builds an outcome and tells `onOutcome` and the logger; neither can change what it returns. */
export type Report = (code: OutcomeCode, started: number, fields?: Partial<Outcome>) => Outcome;

export function createReport(
  onOutcome: ((outcome: Outcome) => void) | undefined,
  log: (outcome: Outcome) => void,
): Report {
  return (code, started, fields) => {
    const outcome: { -readonly [K in keyof Outcome]: Outcome[K] } = {
      code,
      status: statusOf(code),
      durationMs: performance.now() - started,
    };
    // Only the fields that are set: an outcome has no `error` key when there was no error.
    if (fields)
      for (const key of Object.keys(fields) as (keyof Outcome)[])
        if (fields[key] !== undefined) (outcome as Record<string, unknown>)[key] = fields[key];
    try {
      // A logging hook must never change what the sender is told, even an async one that rejects.
      Promise.resolve(onOutcome?.(outcome)).catch(() => {});
    } catch {}
    try {
      log(outcome);
    } catch {}
    return outcome;
  };
}
