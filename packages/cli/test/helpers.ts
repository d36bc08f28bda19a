// Shared by the CLI's tests: run the built `hooks` as a process, and real HTTP servers on 127.0.0.1 port 0.
import { execFile } from "node:child_process";
import { once } from "node:events";
import { existsSync } from "node:fs";
import { createServer, type IncomingHttpHeaders, type RequestListener, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import type { Receiver } from "@hooks/core";

/** Any receiver, whatever its event map: only `receive` is used. */
type Receives = Pick<Receiver, "receive">;

import { afterEach, beforeAll } from "vitest";

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

const servers: Server[] = [];
afterEach(async () => {
  await Promise.all(
    servers.splice(0).map((server) => {
      server.closeAllConnections();
      return new Promise((resolve) => server.close(resolve));
    }),
  );
});

/** A server on 127.0.0.1 port 0, closed after the test; resolves to its /webhooks URL. */
export async function listen(handler: RequestListener): Promise<string> {
  const server = createServer(handler);
  servers.push(server);
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/webhooks`;
}

/** A URL nothing listens on: a port that was just opened and closed again. */
export async function deadUrl(): Promise<string> {
  const server = createServer();
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return `http://127.0.0.1:${port}/webhooks`;
}

/** What reached a server: the request's headers and its raw body. */
export interface Received {
  readonly headers: IncomingHttpHeaders;
  readonly body: Buffer;
}

/**
 * A receiver behind a plain node:http server (no adapter): the raw body and the headers go to
 * `receiver.receive`, and every request is recorded as it arrived.
 */
export async function serve(receiver: Receives): Promise<{ url: string; requests: Received[] }> {
  const requests: Received[] = [];
  const url = await listen((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", async () => {
      const body = Buffer.concat(chunks);
      requests.push({ headers: req.headers, body });
      const answer = await receiver.receive({ method: req.method, headers: req.headers, body });
      res.writeHead(answer.status, answer.headers).end(answer.body);
    });
  });
  return { url, requests };
}

/** A server that records each request and answers with a fixed status and our JSON `code`. */
export async function answering(status: number, code: string): Promise<{ url: string; requests: Received[] }> {
  const requests: Received[] = [];
  const url = await listen((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      requests.push({ headers: req.headers, body: Buffer.concat(chunks) });
      res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify({ code }));
    });
  });
  return { url, requests };
}
