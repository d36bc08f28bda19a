// Waiting in tests: poll until something holds, or let real time pass.

/** Resolves after `ms` milliseconds of real time. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

export interface UntilOptions {
  /** How long to wait before failing. Default: 30 000 ms. */
  readonly timeoutMs?: number;
  /** How often to ask. Default: 20 ms. */
  readonly intervalMs?: number;
  /** What is awaited, for the error: "timed out waiting for <message>". Default: "the condition". */
  readonly message?: string;
}

/**
 * Resolves once `predicate` holds, asking every `intervalMs`; rejects after `timeoutMs`. A predicate
 * that throws fails the wait at once.
 *
 * @example
 * await until(async () => (await queue.deadLetters()).length === 1, { message: "the dead letter" });
 */
export async function until(
  predicate: () => boolean | Promise<boolean>,
  { timeoutMs = 30_000, intervalMs = 20, message = "the condition" }: UntilOptions = {},
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await predicate())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${message} (${timeoutMs} ms)`);
    await sleep(intervalMs);
  }
}
