// The conformance table (@hooks/test-utils/conformance) on Bun's and Deno's own servers, serving
// `receiver.fetch` of the built core (test/runtime/conformance-bun.ts and conformance-deno.ts).
import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname } from "node:path";
import { fileURLToPath } from "node:url";
import {
  type ConformanceTarget,
  describeConformance,
  type KnownGap,
  remoteRuns,
  residentBytes,
} from "@hooks/test-utils/conformance";

const root = fileURLToPath(new URL("../../../", import.meta.url));
const dist = fileURLToPath(new URL("../dist/index.js", import.meta.url));
const script = (name: string) => fileURLToPath(new URL(`./runtime/${name}`, import.meta.url));

// The runtimes' own binaries, not node_modules/.bin's shims (a Node process that spawns them):
// the server's pid is the process whose memory the suite samples.
const packageDir = (name: string) => dirname(createRequire(`${root}package.json`).resolve(`${name}/package.json`));

const RUNTIMES = [
  {
    name: "Bun, Bun.serve",
    command: `${packageDir("bun")}/bin/bun.exe`,
    args: [script("conformance-bun.ts")],
    knownGaps: [],
  },
  {
    name: "Deno, Deno.serve",
    command: `${packageDir("deno")}/deno`,
    // The script imports the suite's app as @hooks/test-utils/conformance-app: Deno resolves it
    // through the workspace's node_modules (the package.json beside it) and reads its TypeScript.
    args: ["run", "--no-prompt", "--allow-net=127.0.0.1", "--allow-read", script("conformance-deno.ts")],
    knownGaps: [
      {
        row: "withheldBody",
        // Found by trying (Deno 2.9.6): the 408 arrives on time, then the socket stays open for the
        // declared body, with or without `connection: close` on the Response; a handler has no
        // handle on the connection to close it.
        why: "Deno.serve keeps an HTTP/1.1 connection open after an early answer, waiting for the declared body",
        symptom: /expected 'open' not to be 'open'/,
      },
    ],
  },
] satisfies readonly { name: string; command: string; args: string[]; knownGaps: readonly KnownGap[] }[];

/** Starts a runtime's server script and resolves once it printed its port. */
async function serve(command: string, args: readonly string[]): Promise<ConformanceTarget> {
  if (!existsSync(dist)) throw new Error(`${dist} is missing: build @hooks/core first`);
  const child: ChildProcess = spawn(command, args, {
    cwd: root,
    env: { ...process.env, NO_COLOR: "1", DENO_NO_UPDATE_CHECK: "1" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stderr?.on("data", (chunk) => (output += chunk));
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${command} printed no port within 30 s:\n${output}`)), 30_000);
    child.on("exit", (code) => reject(new Error(`${command} exited with ${code}:\n${output}`)));
    child.stdout?.on("data", (chunk) => {
      output += chunk;
      const port = /\{"port":(\d+)\}/.exec(output)?.[1];
      if (port) {
        clearTimeout(timer);
        resolve(Number(port));
      }
    });
  });
  const url = `http://127.0.0.1:${port}`;
  return {
    url,
    runs: remoteRuns(url),
    rss: () => residentBytes(child.pid!),
    close: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = once(child, "exit");
      child.kill("SIGTERM");
      await exited;
    },
  };
}

// Neither server has a body parser in front of `fetch`: the parser-consumed row does not apply
// (the suite skips it without `capabilities.parserConsumed`).
for (const { name, command, args, knownGaps } of RUNTIMES) {
  describeConformance(name, () => serve(command, args), { knownGaps });
}
