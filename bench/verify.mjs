// Verify benchmark: median time per verified delivery for @hooks/core, the hand-written limit and
// the libraries users would pick instead, per payload size, in one process (tinybench).
import { execFileSync } from "node:child_process";
import { createHmac, timingSafeEqual, webcrypto } from "node:crypto";
import { fileURLToPath } from "node:url";
import { schemes, sign, verify } from "@hooks/core";
import { sign as octokitSign, verify as octokitVerify } from "@octokit/webhooks-methods";
import { Webhook as StandardWebhook } from "standardwebhooks";
import Stripe from "stripe";
import { Webhook as SvixWebhook } from "svix";
import { Bench } from "tinybench";
import {
  batched,
  batchSize,
  corruptBase64,
  corruptHex,
  fmtUs,
  handSign,
  handVerify,
  payload,
  ratio,
  SECRET,
  SIZES,
  table,
} from "./common.mjs";

const SW_SECRET = `whsec_${Buffer.from(SECRET).toString("base64")}`;
const STRIPE_SECRET = `whsec_${SECRET}`;
const stripe = new Stripe("sk_test_bench_not_used_for_requests");
const subtle = Stripe.createSubtleCryptoProvider();
const standard = new StandardWebhook(SW_SECRET);
const svix = new SvixWebhook(SW_SECRET);

const expectFailure = (promise) =>
  promise.then(
    () => {
      throw new Error("a wrong signature verified");
    },
    () => {},
  );
const expectThrow = (fn) => {
  try {
    fn();
  } catch {
    return;
  }
  throw new Error("a wrong signature verified");
};
const mustBeTrue = (value) => {
  if (value !== true) throw new Error("verification failed");
};

/** The tasks for one body: [row name, scheme, success fn, failure fn]. */
export async function tasksFor(body) {
  const text = body.toString();
  const ts = Math.floor(Date.now() / 1000);
  const vast = handSign(SECRET, body, ts);
  const vastBad = { ...vast, "x-vastai-signature": corruptHex(vast["x-vastai-signature"]) };
  const naiveKey = SECRET;
  const webKey = await webcrypto.subtle.importKey(
    "raw",
    Buffer.from(SECRET),
    { name: "HMAC", hash: "SHA-256" },
    false,
    ["verify"],
  );
  const webSig = Buffer.from(vast["x-vastai-signature"], "hex");
  const webBad = Buffer.from(vastBad["x-vastai-signature"], "hex");
  const prefix = Buffer.from(`${ts}.`);

  const sw = await sign({ scheme: schemes.standardWebhooks, secret: SW_SECRET, payload: body, timestamp: ts });
  const swSig = sw["webhook-signature"];
  const swBad = { ...sw, "webhook-signature": `v1,${corruptBase64(swSig.slice(3))}` };
  const st = await sign({ scheme: schemes.stripe, secret: STRIPE_SECRET, payload: body, timestamp: ts });
  const stBad = {
    "stripe-signature": st["stripe-signature"].replace(/v1=(.)/, (_, c) => `v1=${c === "0" ? "1" : "0"}`),
  };
  const gh = {
    "x-hub-signature-256": await octokitSign(SECRET, text),
    "x-github-delivery": "d-1",
    "x-github-event": "x",
  };
  const ghBad = { ...gh, "x-hub-signature-256": `sha256=${corruptHex(gh["x-hub-signature-256"].slice(7))}` };
  const hooks = (scheme, secret, headers) => () => verify({ scheme, secret, headers, payload: body });
  const hooksFail = (scheme, secret, headers) => () =>
    expectFailure(verify({ scheme, secret, headers, payload: body }));

  return [
    [
      "hand-written node:crypto (limit)",
      "timestamped",
      () => mustBeTrue(handVerify(SECRET, vast["x-vastai-timestamp"], vast["x-vastai-signature"], body)),
      () => {
        if (handVerify(SECRET, vast["x-vastai-timestamp"], vastBad["x-vastai-signature"], body)) {
          throw new Error("a wrong signature verified");
        }
      },
    ],
    [
      // What an API that returns a promise and throws a typed error (as verify() does) costs on top.
      "hand-written, async + throws an Error on failure",
      "timestamped",
      async () => mustBeTrue(handVerify(SECRET, vast["x-vastai-timestamp"], vast["x-vastai-signature"], body)),
      () =>
        expectFailure(
          (async () =>
            mustBeTrue(handVerify(SECRET, vast["x-vastai-timestamp"], vastBad["x-vastai-signature"], body)))(),
        ),
    ],
    [
      "@hooks/core, Node path",
      "timestamped",
      hooks(schemes.vastai, SECRET, vast),
      hooksFail(schemes.vastai, SECRET, vastBad),
    ],
    [
      "naive: body decoded, joined as one string, createHmac",
      "timestamped",
      () => {
        const mac = createHmac("sha256", naiveKey).update(`${vast["x-vastai-timestamp"]}.${body.toString()}`).digest();
        mustBeTrue(timingSafeEqual(mac, Buffer.from(vast["x-vastai-signature"], "hex")));
      },
      undefined,
    ],
    [
      "raw Web Crypto, cached key (reference)",
      "timestamped",
      async () => {
        const data = Buffer.concat([prefix, body]);
        mustBeTrue(await webcrypto.subtle.verify("HMAC", webKey, webSig, data));
      },
      async () => {
        const data = Buffer.concat([prefix, body]);
        if (await webcrypto.subtle.verify("HMAC", webKey, webBad, data)) throw new Error("a wrong signature verified");
      },
    ],
    [
      "@hooks/core",
      "Standard Webhooks",
      hooks(schemes.standardWebhooks, SW_SECRET, sw),
      hooksFail(schemes.standardWebhooks, SW_SECRET, swBad),
    ],
    [
      "standardwebhooks",
      "Standard Webhooks",
      () => standard.verify(body, sw),
      () => expectThrow(() => standard.verify(body, swBad)),
    ],
    ["svix", "Standard Webhooks", () => svix.verify(body, sw), () => expectThrow(() => svix.verify(body, swBad))],
    [
      "@hooks/core",
      "Stripe",
      hooks(schemes.stripe, STRIPE_SECRET, st),
      hooksFail(schemes.stripe, STRIPE_SECRET, stBad),
    ],
    [
      "stripe constructEvent",
      "Stripe",
      () => stripe.webhooks.constructEvent(body, st["stripe-signature"], STRIPE_SECRET),
      () => expectThrow(() => stripe.webhooks.constructEvent(body, stBad["stripe-signature"], STRIPE_SECRET)),
    ],
    [
      "stripe constructEventAsync (SubtleCrypto)",
      "Stripe",
      () => stripe.webhooks.constructEventAsync(body, st["stripe-signature"], STRIPE_SECRET, 300, subtle),
      () =>
        expectFailure(stripe.webhooks.constructEventAsync(body, stBad["stripe-signature"], STRIPE_SECRET, 300, subtle)),
    ],
    ["@hooks/core", "GitHub", hooks(schemes.github, SECRET, gh), hooksFail(schemes.github, SECRET, ghBad)],
    [
      "@octokit/webhooks-methods verify",
      "GitHub",
      async () => mustBeTrue(await octokitVerify(SECRET, text, gh["x-hub-signature-256"])),
      async () => {
        if (await octokitVerify(SECRET, text, ghBad["x-hub-signature-256"]))
          throw new Error("a wrong signature verified");
      },
    ],
  ];
}

export const ANCHOR = {
  "Standard Webhooks": "standardwebhooks",
  Stripe: "stripe constructEvent",
  GitHub: "@octokit/webhooks-methods verify",
};

/** Runs the verify benchmark; returns the markdown section and headline numbers. */
export async function runVerify({ quick }) {
  const options = quick ? { time: 5, iterations: 3, warmupTime: 1 } : { time: 400 };
  const web = JSON.parse(
    execFileSync(
      process.execPath,
      [fileURLToPath(new URL("verify-web.mjs", import.meta.url)), ...(quick ? ["--quick"] : [])],
      {
        encoding: "utf8",
        maxBuffer: 1 << 20,
      },
    ),
  );
  const sections = [];
  const pairedRows = [];
  const headline = {};
  for (const size of SIZES) {
    const body = payload(size.bytes);
    // Two passes (signed afresh each time), keeping each task's lower median: the machine is
    // shared, and a burst of other work during one task's 400 ms would otherwise skew its row.
    const median = {};
    let tasks;
    for (let pass = 0; pass < (quick ? 1 : 2); pass++) {
      tasks = await tasksFor(body);
      const bench = new Bench({ throws: true, ...options });
      const n = batchSize(size.bytes);
      for (const [name, scheme, ok, fail] of tasks) {
        bench.add(`${scheme}|${name}|ok`, batched(ok, n));
        if (fail) bench.add(`${scheme}|${name}|fail`, batched(fail, n));
      }
      await bench.run();
      for (const t of bench.tasks) median[t.name] = Math.min(median[t.name] ?? Infinity, t.result.latency.p50 / n);
    }
    median["timestamped|@hooks/core, Web Crypto path (child process)|ok"] = web[size.label].ok;
    median["timestamped|@hooks/core, Web Crypto path (child process)|fail"] = web[size.label].fail;
    const limit = median["timestamped|hand-written node:crypto (limit)|ok"];
    const limitFail = median["timestamped|hand-written node:crypto (limit)|fail"];
    const rows = [];
    const names = [...tasks.map(([name, scheme]) => [scheme, name])];
    names.splice(3, 0, ["timestamped", "@hooks/core, Web Crypto path (child process)"]);
    for (const [scheme, name] of names) {
      const ok = median[`${scheme}|${name}|ok`];
      const fail = median[`${scheme}|${name}|fail`];
      const anchor = ANCHOR[scheme] ? median[`${scheme}|${ANCHOR[scheme]}|ok`] : undefined;
      rows.push([
        scheme,
        name,
        fmtUs(ok),
        ratio(ok, limit),
        anchor ? ratio(ok, anchor) : "–",
        fail === undefined ? "–" : fmtUs(fail),
        fail === undefined ? "–" : ratio(fail, limitFail),
      ]);
      headline[`${size.label}|${scheme}|${name}`] = { ok, fail, limit, anchor };
    }
    // The targets' ratios, measured in alternating rounds (see pairedRatio) in a fresh process per
    // size (verify-paired.mjs): ours against the limit, and ours against each scheme's anchor.
    const paired = JSON.parse(
      execFileSync(
        process.execPath,
        [
          fileURLToPath(new URL("verify-paired.mjs", import.meta.url)),
          String(size.bytes),
          ...(quick ? ["--quick"] : []),
        ],
        { encoding: "utf8", maxBuffer: 1 << 20 },
      ),
    );
    headline[`${size.label}|paired`] = paired;
    pairedRows.push([
      size.label,
      `${paired.limit.toFixed(2)}×`,
      ...Object.keys(ANCHOR).map((scheme) => `${paired[scheme].toFixed(2)}×`),
    ]);
    sections.push(
      `### ${size.label}\n\n${table(
        ["scheme", "verifier", "median µs", "× limit", "× anchor", "failure µs", "failure × limit"],
        rows,
      )}`,
    );
  }
  const pairedTable = table(
    [
      "size",
      "@hooks/core ÷ limit",
      ...Object.entries(ANCHOR).map(([scheme, anchor]) => `${scheme}: @hooks/core ÷ ${anchor}`),
    ],
    pairedRows,
  );
  return { markdown: sections.join("\n\n"), pairedTable, headline };
}
