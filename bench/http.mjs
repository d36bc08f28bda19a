// HTTP benchmark: autocannon (this process) against each webhook server (a child process) on 127.0.0.1.
import { spawn } from "node:child_process";
import { once } from "node:events";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import autocannon from "autocannon";
import { handSign, int, payload, ratio, SECRET, table } from "./common.mjs";

const SERVER = fileURLToPath(new URL("http-server.mjs", import.meta.url));
// [server, the hand-written server of the same framework it is compared with]
const SERVERS = [
  ["node:http + hand-written", "node:http + hand-written"],
  ["express + express.raw() + hand-written", "express + express.raw() + hand-written"],
  ["@hooks/express", "express + express.raw() + hand-written"],
  ["fastify + raw parser + hand-written", "fastify + raw parser + hand-written"],
  ["@hooks/fastify", "fastify + raw parser + hand-written"],
];

async function startServer(name) {
  const child = spawn(process.execPath, [SERVER, name], { stdio: ["ignore", "pipe", "inherit"] });
  const [line] = await once(createInterface({ input: child.stdout }), "line");
  return { child, port: JSON.parse(line).port };
}

/** Requests/s and latency of one server under autocannon for `duration` seconds. */
async function measure(name, body, duration) {
  const { child, port } = await startServer(name);
  try {
    const url = `http://127.0.0.1:${port}/webhooks`;
    // Signed now, so the 300 s window holds for the whole run; the first request is the one
    // processed delivery, every measured one is a duplicate of it.
    const headers = { ...handSign(SECRET, body), "content-type": "application/json" };
    const first = await fetch(url, { method: "POST", headers, body });
    if (first.status !== 200) throw new Error(`${name}: the signed delivery got ${first.status}`);
    const result = await autocannon({ url, method: "POST", headers, body, connections: 16, duration });
    const bad = result.non2xx + result.errors + result.timeouts;
    if (bad > 0) throw new Error(`${name}: ${bad} requests failed`);
    return { rps: result.requests.average, p99: result.latency.p99, p50: result.latency.p50 };
  } finally {
    child.kill();
    await once(child, "exit");
  }
}

/** Runs the HTTP benchmark. */
export async function runHttp({ quick }) {
  const duration = quick ? 1 : 5;
  const rounds = quick ? 1 : 2;
  const body = payload(4 * 1024);
  const results = {};
  // The machine is shared and noisy: servers run in rounds, in reverse order every other round,
  // and each keeps its best round (the least disturbed one).
  for (let round = 0; round < rounds; round++) {
    for (const [name] of round % 2 === 0 ? SERVERS : [...SERVERS].reverse()) {
      const measured = await measure(name, body, duration);
      if (!results[name] || measured.rps > results[name].rps) results[name] = measured;
    }
  }
  const limit = results[SERVERS[0][0]];
  const rows = SERVERS.map(([name, base]) => {
    const r = results[name];
    const b = results[base];
    return [
      name,
      int(r.rps),
      ratio(r.rps, b.rps),
      ratio(r.rps, limit.rps),
      `${r.p50}`,
      `${r.p99}`,
      ratio(r.p99, b.p99),
    ];
  });
  const markdown = table(
    [
      "server",
      "requests/s",
      "× hand-written same framework",
      "× node:http limit",
      "p50 ms",
      "p99 ms",
      "p99 × hand-written",
    ],
    rows,
  );
  return { markdown, results, duration, rounds };
}
