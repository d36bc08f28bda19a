// Runtime-neutral check of the built core (Web APIs only): prints one JSON report, exits non-zero on failure.
import { createReceiver, MemoryQueue, schemes, sign, verify } from "../../dist/index.js";

const NOW_SECONDS = 1_700_000_000;
const at = (seconds) => () => seconds * 1000;
const BODY = '{"type":"instance.ready","data":{"id":42,"note":"ünïcödé ✓"}}';
const encoder = new TextEncoder();
const base64 = (bytes) => btoa(String.fromCharCode(...new Uint8Array(bytes)));

const cases = [
  { scheme: schemes.vastai, secret: "vastai secret", timestamped: true },
  { scheme: schemes.groq, secret: "groq secret", timestamped: true },
  { scheme: schemes.timestampedHmac({ provider: "acme-pay" }), secret: "acme secret", timestamped: true },
  { scheme: schemes.standardWebhooks, secret: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", timestamped: true },
  { scheme: schemes.stripe, secret: "whsec_stripe secret", timestamped: true },
  { scheme: schemes.github, secret: "github secret", timestamped: false },
  { scheme: schemes.slack, secret: "slack secret", timestamped: true },
  { scheme: schemes.shopify, secret: "shopify secret", timestamped: false },
];

// Published vectors: each must verify, and signing the same parts must give the same header exactly.
const SLACK_BODY =
  "token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text=&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c";
const vectors = [
  {
    scheme: schemes.standardWebhooks,
    secret: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
    payload: '{"test": 2432232314}',
    id: "msg_p5jXN8AQM9LWM0D4loKWxJek",
    timestamp: 1614265330,
    signatureHeader: "webhook-signature",
    headers: {
      "webhook-id": "msg_p5jXN8AQM9LWM0D4loKWxJek",
      "webhook-timestamp": "1614265330",
      "webhook-signature": "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=",
    },
  },
  {
    scheme: schemes.github,
    secret: "It's a Secret to Everybody",
    payload: "Hello, World!",
    signatureHeader: "x-hub-signature-256",
    headers: { "x-hub-signature-256": "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17" },
  },
  {
    scheme: schemes.slack,
    secret: "8f742231b10e8888abcd99yyyzzz85a5",
    payload: SLACK_BODY,
    timestamp: 1531420618,
    signatureHeader: "x-slack-signature",
    headers: {
      "x-slack-request-timestamp": "1531420618",
      "x-slack-signature": "v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503",
    },
  },
];

const results = [];

/** Runs one named check; `body` returns a failure detail, or nothing when it passed. */
async function check(name, body) {
  try {
    const detail = await body();
    results.push(detail === undefined ? { name, ok: true } : { name, ok: false, detail });
  } catch (error) {
    results.push({ name, ok: false, detail: `threw ${error?.code ?? error?.name}: ${error?.message}` });
  }
}

/** Undefined when `verification` rejects with `code`, else what happened instead. */
async function rejectsWith(code, verification) {
  try {
    await verification;
    return `verified, expected ${code}`;
  } catch (error) {
    if (error?.name === "WebhookVerificationError" && error.code === code) return undefined;
    return `expected ${code}, got ${error?.code ?? error?.name}: ${error?.message}`;
  }
}

async function checkSchemes() {
  for (const { scheme, secret, timestamped } of cases) {
    const name = scheme.name;
    const headers = await sign({ scheme, secret, payload: BODY, timestamp: NOW_SECONDS, id: "delivery-1" });
    const options = { scheme, secret, headers, payload: encoder.encode(BODY), now: at(NOW_SECONDS) };
    await check(`${name}: sign → verify round trip`, async () => {
      const delivery = await verify(options);
      if (delivery.scheme !== name) return `verified as ${delivery.scheme}`;
      if (timestamped && delivery.timestamp !== NOW_SECONDS) return `timestamp ${delivery.timestamp}`;
    });
    await check(`${name}: tampered body → signature_mismatch`, () =>
      rejectsWith("signature_mismatch", verify({ ...options, payload: BODY.replace("42", "43") })),
    );
    if (timestamped) {
      await check(`${name}: stale timestamp → timestamp_too_old`, () =>
        rejectsWith("timestamp_too_old", verify({ ...options, now: at(NOW_SECONDS + 301) })),
      );
    }
  }
}

async function checkVectors() {
  for (const vector of vectors) {
    const { scheme, secret, payload, headers, timestamp } = vector;
    await check(`${scheme.name}: published vector verifies`, async () => {
      await verify({ scheme, secret, headers, payload, now: at(timestamp ?? NOW_SECONDS) });
    });
    await check(`${scheme.name}: signing the vector gives its signature byte for byte`, async () => {
      const signed = await sign({ scheme, secret, payload, timestamp, id: vector.id });
      const [got, want] = [signed[vector.signatureHeader], headers[vector.signatureHeader]];
      if (got !== want) return `${vector.signatureHeader}: got ${got}, want ${want}`;
    });
  }
}

/** Standard Webhooks v1a: Ed25519 through Web Crypto, which not every runtime offers. */
async function checkEd25519() {
  let keyPair;
  try {
    keyPair = await crypto.subtle.generateKey({ name: "Ed25519" }, true, ["sign", "verify"]);
  } catch (error) {
    // Without Ed25519 a v1a delivery must fail loudly and specifically, never as a plain mismatch.
    const headers = {
      "webhook-id": "msg_1",
      "webhook-timestamp": `${NOW_SECONDS}`,
      "webhook-signature": `v1a,${base64(new Uint8Array(64))}`,
    };
    const secret = "whpk_11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo="; // RFC 8032 test 1 public key
    await check("standard-webhooks v1a (Ed25519): unsupported here → unsupported_algorithm", () =>
      rejectsWith(
        "unsupported_algorithm",
        verify({ scheme: schemes.standardWebhooks, secret, headers, payload: BODY, now: at(NOW_SECONDS) }),
      ),
    );
    return `unsupported (${error?.name}: ${error?.message})`;
  }
  const signingSecret = `whsk_${base64(await crypto.subtle.exportKey("pkcs8", keyPair.privateKey))}`;
  const secret = `whpk_${base64(await crypto.subtle.exportKey("raw", keyPair.publicKey))}`;
  const scheme = schemes.standardWebhooks;
  const headers = await sign({ scheme, secret: signingSecret, payload: BODY, timestamp: NOW_SECONDS });
  const options = { scheme, secret, headers, payload: BODY, now: at(NOW_SECONDS) };
  await check("standard-webhooks v1a (Ed25519): sign → verify round trip", async () => {
    if (!headers["webhook-signature"].startsWith("v1a,")) return `signature header ${headers["webhook-signature"]}`;
    await verify(options);
  });
  await check("standard-webhooks v1a (Ed25519): tampered body → signature_mismatch", () =>
    rejectsWith("signature_mismatch", verify({ ...options, payload: `${BODY} ` })),
  );
  return "supported";
}

/** Which HMAC path ran: the Web Crypto path calls crypto.subtle.sign, the node:crypto path never does. */
async function observeCryptoPath() {
  const subtle = crypto.subtle;
  const original = subtle.sign;
  let calls = 0;
  try {
    subtle.sign = function (...args) {
      calls++;
      return original.apply(this, args);
    };
  } catch {}
  if (subtle.sign === original) return undefined; // not patchable here: the path stays unobserved
  try {
    await sign({ scheme: schemes.github, secret: "github secret", payload: BODY });
    return calls > 0 ? "web-crypto" : "node:crypto";
  } finally {
    subtle.sign = original;
  }
}

function runtimeName() {
  if (typeof globalThis.EdgeRuntime === "string") return "edge-runtime";
  if (globalThis.Deno) return "deno";
  if (globalThis.Bun) return "bun";
  return globalThis.process?.versions?.node ? "node" : "unknown";
}

/** receiver.fetch end to end: a signed Request is processed once; its duplicate and a forgery are not. */
async function checkReceiver() {
  const receiver = createReceiver({ scheme: schemes.vastai, secret: "receiver secret" });
  const handled = [];
  receiver.on("instance.*", (event, context) => {
    handled.push(`${event.id}:${event.data.id}:${context.signal.aborted}`);
  });
  const body = JSON.stringify({ id: "evt_runtime", type: "instance.ready", data: { id: 42 }, created: NOW_SECONDS });
  const headers = await sign({ scheme: schemes.vastai, secret: "receiver secret", payload: body });
  const post = (payload) =>
    receiver.fetch(new Request("http://127.0.0.1/hooks", { method: "POST", headers, body: payload }));
  const answers = [];
  for (const payload of [body, body, body.replace("42", "43")]) {
    const response = await post(payload);
    answers.push(`${response.status} ${(await response.json()).code}`);
  }
  await check("receiver.fetch processes once, answers the duplicate and refuses a forgery", () => {
    const expected = "200 processed,200 duplicate,401 signature_mismatch";
    if (answers.join(",") !== expected) return `answers ${answers.join(",")}, expected ${expected}`;
    if (handled.join(",") !== "evt_runtime:42:false") return `handler saw ${handled.join(",")}`;
  });
}

/** Queue mode: 202 at once, the in-process worker runs the handler once, retries once, then dead-letters. */
async function checkQueue() {
  const queue = new MemoryQueue({ attempts: 2, backoffMs: 1 });
  const receiver = createReceiver({ scheme: schemes.vastai, secret: "queue secret", queue });
  const runs = [];
  receiver.on("instance.*", (event, context) => {
    runs.push(`${event.id}:${context.job.attempt}`);
    if (event.data.fail) throw new Error("always fails");
  });
  const worker = queue.work(receiver);
  const answers = [];
  for (const [id, fail] of [
    ["evt_queued", false],
    ["evt_queued", false],
    ["evt_dead", true],
  ]) {
    const body = JSON.stringify({ id, type: "instance.ready", data: { fail }, created: NOW_SECONDS });
    const headers = await sign({ scheme: schemes.vastai, secret: "queue secret", payload: body });
    const response = await receiver.fetch(new Request("http://127.0.0.1/hooks", { method: "POST", headers, body }));
    answers.push(`${response.status} ${(await response.json()).code}`);
  }
  for (let i = 0; i < 200 && (queue.size > 0 || queue.deadLetters().length === 0); i++) {
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  await worker.close();
  await check("queue mode answers 202, runs each event once, retries and dead-letters", () => {
    const expected = "202 queued,200 duplicate,202 queued";
    if (answers.join(",") !== expected) return `answers ${answers.join(",")}, expected ${expected}`;
    const ran = runs.sort().join(",");
    if (ran !== "evt_dead:1,evt_dead:2,evt_queued:1") return `handlers ran ${ran}`;
    const dead = queue.deadLetters().map((letter) => `${letter.event.id}:${letter.attempts}:${letter.error.message}`);
    if (dead.join(",") !== "evt_dead:2:always fails") return `dead letters ${dead.join(",")}`;
  });
}

async function main() {
  await checkSchemes();
  await checkReceiver();
  await checkQueue();
  await checkVectors();
  const ed25519 = await checkEd25519();
  const cryptoPath = await observeCryptoPath();
  return { ed25519, cryptoPath };
}

// No top-level await: the Edge VM gets this file as an esbuild IIFE, which cannot carry one.
main()
  .catch((error) => {
    results.push({ name: "check.mjs runs to the end", ok: false, detail: `${error?.stack ?? error}` });
    return {};
  })
  .then(({ ed25519, cryptoPath }) => {
    const getBuiltinModule = typeof globalThis.process?.getBuiltinModule === "function";
    console.log(JSON.stringify({ runtime: runtimeName(), cryptoPath, getBuiltinModule, ed25519, results }));
    if (results.every((result) => result.ok)) return;
    if (globalThis.Deno) globalThis.Deno.exit(1);
    else if (globalThis.process) globalThis.process.exitCode = 1;
  });
