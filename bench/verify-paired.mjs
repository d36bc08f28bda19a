// Child process of the verify benchmark: the paired ratios behind the targets for one body size,
// in a fresh process (no other benchmark's garbage or samples in its heap). Prints one JSON object:
// { limit, <scheme>: ratio to its anchor }.
import { pairedRatio, payload } from "./common.mjs";
import { ANCHOR, tasksFor } from "./verify.mjs";

const bytes = Number(process.argv[2]);
const quick = process.argv.includes("--quick");
const tasks = await tasksFor(payload(bytes));
const task = (scheme, name) => tasks.find(([n, s]) => n === name && s === scheme)[2];
const n = bytes <= 4096 ? 200 : bytes <= 65536 ? 20 : 2;
const rounds = quick ? 3 : 61;
const result = {
  limit: await pairedRatio(
    task("timestamped", "@hooks/core, Node path"),
    task("timestamped", "hand-written node:crypto (limit)"),
    n,
    rounds,
  ),
};
for (const [scheme, anchor] of Object.entries(ANCHOR)) {
  result[scheme] = await pairedRatio(task(scheme, "@hooks/core"), task(scheme, anchor), n, rounds);
}
process.stdout.write(JSON.stringify(result));
