// The test apps of @hooks/next: test/fixture on Next 16 and test/next15 (the fixture's sources copied
// in) on Next 15, each built once per run (test/global-setup.ts) and started by the test files.
import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { cpSync, readFileSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";
import { SECRET_ENV } from "./fixture/lib/deliveries";

const fixture = fileURLToPath(new URL("./fixture/", import.meta.url));

/** The fixture's sources, copied into the Next 15 app before its build (its node_modules has Next 15). */
const SOURCES = ["app", "pages", "lib", "jsconfig.json"];

/** The Next versions under test, each with its app's folder. */
export const VERSIONS = [
  { major: 16, dir: fixture },
  { major: 15, dir: fileURLToPath(new URL("./next15/", import.meta.url)) },
] as const;

/** A running `next start` of one app. */
export interface NextApp {
  /** `http://127.0.0.1:<port>`. */
  readonly base: string;
  /** The server process (`next start` serves in its own process). */
  readonly pid: number;
  /** Everything the server printed so far. */
  readonly log: string;
  stop(): Promise<void>;
}

function nextBin(dir: string): string {
  return createRequire(`${dir}package.json`).resolve("next/dist/bin/next");
}

/** The Next version installed for the app in `dir`. */
export function installedNext(dir: string): string {
  return JSON.parse(readFileSync(createRequire(`${dir}package.json`).resolve("next/package.json"), "utf8")).version;
}

/** Environment of the app's processes, without the webhook secret unless given. */
export function environment(secret?: string): NodeJS.ProcessEnv {
  // vitest sets NODE_ENV=test, which `next build` warns about and `next start` must not see.
  const env: NodeJS.ProcessEnv = { ...process.env, NODE_ENV: "production", NEXT_TELEMETRY_DISABLED: "1" };
  delete env[SECRET_ENV];
  if (secret !== undefined) env[SECRET_ENV] = secret;
  return env;
}

/**
 * Builds the app in `dir` with its own Next and no webhook secret in the environment, as Docker, CI
 * and preview builds do; the Next 15 app gets the fixture's sources first. Rejects with the output.
 */
export async function buildApp(dir: string): Promise<void> {
  if (dir !== fixture) {
    for (const source of SOURCES) {
      rmSync(`${dir}${source}`, { recursive: true, force: true });
      cpSync(`${fixture}${source}`, `${dir}${source}`, { recursive: true });
    }
  }
  const child = spawn(process.execPath, [nextBin(dir), "build"], {
    cwd: dir,
    env: environment(),
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout.on("data", (chunk) => (output += chunk));
  child.stderr.on("data", (chunk) => (output += chunk));
  const [code] = await once(child, "exit");
  if (code !== 0) throw new Error(`next build in ${dir} exited with ${code}:\n${output}`);
}

/** `next start` on 127.0.0.1, port 0 (Next prints the port the OS chose), in its own process group. */
export async function startApp(dir: string, env: NodeJS.ProcessEnv): Promise<NextApp> {
  const child: ChildProcess = spawn(process.execPath, [nextBin(dir), "start", "-H", "127.0.0.1", "-p", "0"], {
    cwd: dir,
    env,
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let log = "";
  child.stderr?.on("data", (chunk) => (log += chunk));
  const base = await new Promise<string>((resolve, reject) => {
    const fail = (why: string) => reject(new Error(`next start ${why}:\n${log}`));
    child.on("exit", (code) => fail(`exited with ${code}`));
    child.stdout?.on("data", (chunk) => {
      log += chunk;
      const url = /- Local:\s+(http:\/\/127\.0\.0\.1:\d+)/.exec(log)?.[1];
      if (url && log.includes("Ready")) resolve(url);
    });
  });
  return {
    base,
    pid: child.pid!,
    get log() {
      return log;
    },
    stop: () => stop(child),
  };
}

async function stop(child: ChildProcess): Promise<void> {
  const pid = child.pid;
  if (!pid || child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, "exit");
  process.kill(-pid, "SIGTERM");
  // Next waits for requests in flight before it exits; a hung one must not keep it running.
  const hard = setTimeout(() => process.kill(-pid, "SIGKILL"), 5_000);
  await exited;
  clearTimeout(hard);
}
