// Child process of the memory benchmark (run with --expose-gc): heap bytes per id a MemoryStore remembers.
import { createHash } from "node:crypto";
import { MemoryStore } from "@hooks/core";

const count = Number(process.argv[2] ?? 100_000);
const store = new MemoryStore({ maxEntries: count + 1 });
globalThis.gc();
const before = process.memoryUsage().heapUsed;
for (let i = 0; i < count; i++) {
  // As the receiver makes them per delivery: `<scheme>:<30-character id>` and a 44-character base64
  // SHA-256 fingerprint; both strings live only in the store, so they count.
  const key = `vastai:evt_${String(i).padStart(26, "0")}`;
  const fingerprint = createHash("sha256").update(key).digest("base64");
  const claim = await store.claim({ key, fingerprint, leaseMs: 30_000 });
  await store.complete({ key, token: claim.token, retentionMs: 7 * 24 * 3600 * 1000 });
}
globalThis.gc();
const after = process.memoryUsage().heapUsed;
process.stdout.write(JSON.stringify({ bytesPerId: (after - before) / count, count, size: store.size }));
