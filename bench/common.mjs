// Shared helpers of the benchmarks: realistic JSON payloads, the hand-written verify, formatting.
import { createHmac, timingSafeEqual } from "node:crypto";

export const SECRET = "bench-secret-0123456789abcdef0123456789abcdef";
export const SIZES = [
  { label: "256 B", bytes: 256 },
  { label: "4 KiB", bytes: 4 * 1024 },
  { label: "64 KiB", bytes: 64 * 1024 },
  { label: "1 MiB", bytes: 1024 * 1024 },
];

/** A Stripe-like event envelope `{ id, type, data, created }` of exactly `bytes` bytes of JSON. */
export function payload(bytes, id = "evt_1PqRsTuVwXyZaBcDeFgHiJkLmN") {
  const lines = [];
  const envelope = { id, type: "invoice.paid", data: { object: { customer: "cus_Q1w2E3r4T5y6", lines } }, created: 0 };
  envelope.created = 1_763_900_000;
  const size = () => JSON.stringify(envelope).length;
  // Grow in batches (one stringify per batch, not per line), then trim back under the target.
  while (size() < bytes) {
    const start = lines.length;
    const batch = Math.max(1, Math.floor((bytes - size()) / 110));
    for (let i = start; i < start + batch; i++) {
      lines.push({ id: `il_${i}`, amount: 1999 + i, currency: "eur", description: `Seat ${i} (Pro plan)`, qty: 1 });
    }
  }
  while (lines.length > 0 && size() > bytes) lines.pop();
  // Pad the customer field so the JSON is exactly the target size (ASCII, so chars are bytes).
  const base = JSON.stringify(envelope).length;
  envelope.data.object.customer += "x".repeat(Math.max(0, bytes - base));
  return Buffer.from(JSON.stringify(envelope));
}

/**
 * The limit on the timestamped scheme (`x-vastai-*`): createHmac, update() of the prefix and then of
 * the raw bytes (no copy of the body), digest, timingSafeEqual on the decoded hex.
 */
export function handVerify(secret, timestamp, signatureHex, body, nowSeconds = Math.floor(Date.now() / 1000)) {
  if (!/^[0-9]{1,12}$/.test(timestamp) || Math.abs(nowSeconds - Number(timestamp)) > 300) return false;
  const expected = createHmac("sha256", secret).update(`${timestamp}.`).update(body).digest();
  const given = Buffer.from(signatureHex, "hex");
  return given.length === expected.length && timingSafeEqual(given, expected);
}

/** Signature headers of the timestamped (vastai) scheme, computed by hand. */
export function handSign(secret, body, timestamp = Math.floor(Date.now() / 1000)) {
  const signature = createHmac("sha256", secret).update(`${timestamp}.`).update(body).digest("hex");
  return { "x-vastai-timestamp": String(timestamp), "x-vastai-signature": signature };
}

/** The same hex signature with its first digit changed: right length, wrong value. */
export function corruptHex(hex) {
  return (hex[0] === "0" ? "1" : "0") + hex.slice(1);
}

/** The same base64 signature with its first character changed. */
export function corruptBase64(b64) {
  return (b64[0] === "A" ? "B" : "A") + b64.slice(1);
}

export const fmtUs = (ms) => (ms * 1000 >= 100 ? (ms * 1000).toFixed(0) : (ms * 1000).toFixed(2));
export const ratio = (a, b) => (a && b ? `${(a / b).toFixed(2)}×` : "–");
export const int = (n) => Math.round(n).toLocaleString("en-US");

/** A markdown table from a header row and rows of cells. */
export function table(head, rows) {
  const line = (cells) => `| ${cells.join(" | ")} |`;
  return [line(head), line(head.map(() => "---")), ...rows.map(line)].join("\n");
}

/** Calls per timed sample, by body size: enough that the harness's own per-sample cost disappears. */
export const batchSize = (bytes) => (bytes <= 4096 ? 64 : bytes <= 65536 ? 8 : 1);

/**
 * Runs `fn` `n` times per sample: a plain loop when it is synchronous, `await` in turn when it
 * returns a promise. Each sample then costs what `n` calls cost a caller, and the harness's
 * per-sample overhead (larger for async tasks) is spread over `n`; divide medians by `n`.
 */
export function batched(fn, n) {
  if (n === 1) return fn;
  const probe = fn();
  if (probe instanceof Promise) {
    probe.catch(() => {});
    return async () => {
      for (let i = 0; i < n; i++) await fn();
    };
  }
  return () => {
    for (let i = 0; i < n; i++) fn();
  };
}

/**
 * The ratio of `a`'s cost to `b`'s, measured in alternating rounds: each round times a batch of
 * `n` calls of each (order swapped every round), and the answer is the median of the per-round
 * ratios. Bursts of other work on a shared machine hit one round, both sides of it, rather than
 * one side's whole measurement, so this holds where a ratio of two separate medians wobbles.
 */
export async function pairedRatio(a, b, n, rounds = 41) {
  const time = async (fn) => {
    const started = performance.now();
    await fn();
    return performance.now() - started;
  };
  const batchA = batched(a, n);
  const batchB = batched(b, n);
  // Warm both up before the first timed round.
  for (let i = 0; i < 5; i++) {
    await batchA();
    await batchB();
  }
  const ratios = [];
  for (let round = 0; round < rounds; round++) {
    let ta;
    let tb;
    if (round % 2 === 0) {
      ta = await time(batchA);
      tb = await time(batchB);
    } else {
      tb = await time(batchB);
      ta = await time(batchA);
    }
    ratios.push(ta / tb);
  }
  ratios.sort((x, y) => x - y);
  return ratios[rounds >> 1];
}
