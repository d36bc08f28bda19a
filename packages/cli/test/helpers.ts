// Shared by the CLI's tests: run the built `hooks` as a process, and real HTTP servers on 127.0.0.1
// port 0 (from @hooks/test-utils) that close after each test and serve /webhooks.
import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import type { RequestListener } from "node:http";
import { join } from "node:path";
import type { Receiver } from "@hooks/core";
import {
  deadUrl as freeUrl,
  type ReceivedRequest,
  serveAnswer,
  serveReceiver,
  startServer,
  type TestServer,
} from "@hooks/test-utils";
import { afterEach, beforeAll } from "vitest";

/** Any receiver, whatever its event map: only `receive` is used. */
type Receives = Pick<Receiver, "receive">;

export const CLI = join(import.meta.dirname, "..", "dist", "cli.js");
export const FIXTURES = join(import.meta.dirname, "fixtures");

export interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * Runs the built CLI without blocking this process, which serves the receivers it talks to.
 * `nodeArgs` go before the script (e.g. `--import` of the clock-moving fixture).
 */
export function hooks(args: string[], env: Record<string, string> = {}, nodeArgs: string[] = []): Promise<Run> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [...nodeArgs, CLI, ...args],
      { encoding: "utf8", env: { ...process.env, HOOKS_SECRET: "", ...env } },
      (error, stdout, stderr) => resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
    );
  });
}

beforeAll(() => {
  if (!existsSync(CLI)) throw new Error("build @hooks/cli first: npx tsup in packages/cli");
});

const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  await Promise.all(closers.splice(0).map((close) => close()));
});

/** Closes `server` after the test; returns its /webhooks URL. */
function webhooksUrl(server: TestServer): string {
  closers.push(server.close);
  return `${server.url}/webhooks`;
}

/** A server on 127.0.0.1 port 0, closed after the test; resolves to its /webhooks URL. */
export async function listen(handler: RequestListener): Promise<string> {
  return webhooksUrl(await startServer(handler));
}

/** A URL nothing listens on: a port that was just free. */
export const deadUrl = (): Promise<string> => freeUrl("/webhooks");

/**
 * A receiver behind a plain node:http server (no adapter): the raw body and the headers go to
 * `receiver.receive`, and every request is recorded as it arrived.
 */
export async function serve(receiver: Receives): Promise<{ url: string; requests: ReceivedRequest[] }> {
  const server = await serveReceiver(receiver);
  return { url: webhooksUrl(server), requests: server.requests };
}

/** A server that records each request and answers with a fixed status and our JSON `code`. */
export async function answering(status: number, code: string): Promise<{ url: string; requests: ReceivedRequest[] }> {
  const server = await serveAnswer(status, code);
  return { url: webhooksUrl(server), requests: server.requests };
}
