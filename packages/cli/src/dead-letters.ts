// `hooks dead-letters`: lists and re-drives the dead letters of a @hooks/bullmq queue (loaded only here).
import type { BullMQDeadLetter, BullMQQueue } from "@hooks/bullmq";
import { UsageError } from "./profiles";
import { table } from "./table";

/** What `hooks dead-letters` was asked to do; defaults are set by the argument parser in cli.ts. */
export interface DeadLettersOptions {
  readonly redisUrl: string;
  readonly queue: string;
  readonly prefix?: string | undefined;
  /** How long Redis may take to answer each step before the command gives up. */
  readonly timeoutMs: number;
  readonly json: boolean;
  /** An event key (`vastai:evt_1`) or job id to put back. */
  readonly redrive?: string | undefined;
  readonly redriveAll: boolean;
}

const ERROR_CHARS = 80;

/** The URL with its password replaced by `***`: it is shown in messages, and those end up in logs. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password !== "") parsed.password = "***";
    return parsed.href;
  } catch {
    return "the Redis URL";
  }
}

/** Removes the URL's password from a message that did not come from us (Redis, ioredis). */
function scrub(message: string, url: string): string {
  let password = "";
  try {
    password = new URL(url).password;
  } catch {}
  if (password === "") return message;
  let decoded = password;
  try {
    decoded = decodeURIComponent(password);
  } catch {}
  return message.split(password).join("***").split(decoded).join("***");
}

/** @hooks/bullmq and bullmq are optional peers: only this command needs them. */
async function loadBullMQ(): Promise<typeof import("@hooks/bullmq")> {
  try {
    return await import("@hooks/bullmq");
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    const why =
      code === "ERR_MODULE_NOT_FOUND" || code === "MODULE_NOT_FOUND"
        ? "not installed"
        : `did not load: ${String((error as Error).message).split("\n")[0]}`;
    throw new UsageError(
      `dead-letters needs @hooks/bullmq and bullmq (${why}): npm install @hooks/bullmq @hooks/core bullmq`,
    );
  }
}

/** Rejects with `message` when `work` takes longer than `ms`; BullMQ's client would wait forever. */
async function within<T>(work: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(message)), ms);
  });
  work.catch(() => {}); // a late rejection after the timeout is not an unhandled one
  try {
    return await Promise.race([work, late]);
  } finally {
    clearTimeout(timer);
  }
}

const keyOf = (letter: BullMQDeadLetter) => letter.event?.key ?? decodeURIComponent(letter.jobId);
const isoOf = (ms: number | undefined) => (ms === undefined ? "-" : new Date(ms).toISOString());

function shortError(error: string): string {
  const line = error.replace(/\s+/g, " ").trim();
  return line.length > ERROR_CHARS ? `${line.slice(0, ERROR_CHARS - 1)}…` : line;
}

async function list(queue: BullMQQueue, options: DeadLettersOptions, step: <T>(work: Promise<T>) => Promise<T>) {
  const letters = await step(queue.deadLetters());
  const total = await step(queue.queue.getFailedCount());
  if (options.json) {
    const deadLetters = letters.map((letter) => ({
      key: keyOf(letter),
      jobId: letter.jobId,
      id: letter.event?.id,
      type: letter.event?.type,
      attempts: letter.attempts,
      failedAt: letter.failedAt === undefined ? null : isoOf(letter.failedAt),
      error: letter.error,
      event: letter.event,
    }));
    console.log(JSON.stringify({ queue: options.queue, total, deadLetters }, null, 2));
    return 0;
  }
  if (letters.length === 0) {
    console.log(`no dead letters in ${options.queue}`);
    return 0;
  }
  const rows = letters.map((letter) => ({
    key: keyOf(letter),
    type: letter.event?.type ?? "-",
    attempts: letter.attempts,
    "failed at": isoOf(letter.failedAt),
    error: shortError(letter.error),
  }));
  console.log(table(rows));
  const shown = total > letters.length ? `the newest ${letters.length} of ${total}` : `${total}`;
  console.log(`\n${shown} dead letter${total === 1 ? "" : "s"} in ${options.queue}`);
  return 0;
}

/** Runs the command; resolves to the exit code. The queue is closed before it resolves or throws. */
export async function deadLettersCommand(options: DeadLettersOptions): Promise<number> {
  const { BullMQQueue } = await loadBullMQ();
  const where = redactUrl(options.redisUrl);
  const queue = new BullMQQueue({
    // disconnectTimeout: ioredis otherwise keeps a 2 s timer for a socket that never connected,
    // which holds the process open after close(); a connected socket closes on QUIT before it fires.
    connection: { url: options.redisUrl, maxRetriesPerRequest: null, disconnectTimeout: 200 },
    name: options.queue,
    prefix: options.prefix,
  });
  const step = <T>(work: Promise<T>) =>
    within(
      work,
      options.timeoutMs,
      `no answer from Redis at ${where} within ${options.timeoutMs} ms: is it running, and is --redis-url right?`,
    );
  try {
    await step(queue.queue.waitUntilReady()); // the connection is up and BullMQ is ready
    if (options.redrive !== undefined) {
      const key = options.redrive;
      if (!(await step(queue.redrive(key)))) {
        throw new Error(`no dead letter "${key}" in ${options.queue}: run hooks dead-letters to list them`);
      }
      if (options.json) console.log(JSON.stringify({ queue: options.queue, redriven: [key] }));
      else console.log(`re-drove ${key} in ${options.queue}: it is back for a fresh set of attempts`);
      return 0;
    }
    if (options.redriveAll) {
      const count = await step(queue.redriveAll());
      if (options.json) console.log(JSON.stringify({ queue: options.queue, redriven: count }));
      else console.log(`re-drove ${count} dead letter${count === 1 ? "" : "s"} in ${options.queue}`);
      return 0;
    }
    return await list(queue, options, step);
  } catch (error) {
    throw new Error(scrub(error instanceof Error ? error.message : String(error), options.redisUrl));
  } finally {
    // Closing lets the process end by itself; a connection that never came up closes at once too.
    await within(queue.close(), options.timeoutMs, "close").catch(() => queue.queue.disconnect());
  }
}
