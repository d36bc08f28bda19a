// The audit: named cases that attack a receiver as an adversary or a careless sender would, and their verdicts.
import { randomUUID } from "node:crypto";
import { type Answer, post } from "./http";
import {
  envelope,
  type Headers,
  mapSignature,
  type Profile,
  type Signed,
  signed,
  signedWithRawTimestamp,
  withoutSignature,
  withoutTimestamp,
} from "./profiles";

export interface AuditOptions {
  readonly url: string;
  readonly profile: Profile;
  readonly secret: string;
  /** The event type of the deliveries; the receiver may or may not handle it. Default `"audit.ping"`. */
  readonly type?: string;
  /** The receiver's body limit; the oversized case sends twice this. Default 1 MiB, the core's default. */
  readonly maxBodyBytes?: number;
  /** How long one case may take before it counts as a hang. Default 10,000 ms. */
  readonly timeoutMs?: number;
}

/** `accepted`: a 2xx is right. `refused`: a 4xx is right. */
export type Expected = "accepted" | "refused";

/** ok: as expected. FAIL: an attack got in, a 5xx, a hang, or the valid delivery was refused. warn: harmless refusal of a valid variant. */
export type Verdict = "ok" | "FAIL" | "warn";

export interface CaseResult {
  readonly case: string;
  readonly expected: Expected;
  readonly got: string;
  readonly verdict: Verdict;
  readonly ms: number;
}

interface Case {
  readonly name: string;
  readonly expected: Expected;
  /** Refusing this case only costs interoperability (e.g. uppercase hex), so a 4xx is a warning. */
  readonly lenient?: boolean;
  readonly build: () => Promise<Signed> | Signed;
}

const STALE_SECONDS = 600;
const HUGE_HEADER_BYTES = 8 * 1024; // under Node's 16 KiB header limit, so the receiver itself must cope

/** The named cases for one scheme; timestamp cases only where the scheme signs a timestamp. */
function casesFor(options: AuditOptions): Case[] {
  const { profile, secret } = options;
  const now = Math.floor(Date.now() / 1000);
  const type = options.type ?? "audit.ping";
  const run = randomUUID().slice(0, 8);
  let n = 0;
  // Each case gets a fresh event id so that deduplication never hides what the verification did.
  const event = (data: unknown = { audit: true }) => {
    const id = `audit_${run}_${++n}`;
    return { id, ...envelope(profile, { id, type, data }, now) };
  };
  const good = async (options: { timestamp?: number; data?: unknown } = {}) => {
    const e = event(options.data);
    return signed(profile, secret, e.body, { id: e.id, extra: e.headers, ...options });
  };
  const rawTimestamp = (timestamp: string) => () => {
    const e = event();
    const forged = signedWithRawTimestamp(profile, secret, e.body, timestamp, e.id);
    return { body: forged.body, headers: { ...e.headers, ...forged.headers } };
  };
  const edit = (change: (headers: Headers) => Headers) => async () => {
    const delivery = await good();
    return { body: delivery.body, headers: change(delivery.headers) };
  };
  const maxBodyBytes = options.maxBodyBytes ?? 1024 * 1024;

  const cases: Case[] = [
    { name: "valid delivery", expected: "accepted", build: () => good() },
    {
      name: "tampered body",
      expected: "refused",
      build: async () => {
        const delivery = await good({ data: { amount: 100 } });
        return { ...delivery, body: String(delivery.body).replace('"amount":100', '"amount":999') };
      },
    },
    {
      name: "wrong secret",
      expected: "refused",
      build: async () => {
        const e = event();
        // Same shape as the real secret (standard-webhooks needs base64), different bytes.
        const wrong =
          profile.name === "standard-webhooks" ? "whsec_d3Jvbmctc2VjcmV0LXdyb25nLXNlY3JldA==" : `${secret}-wrong`;
        return signed(profile, wrong, e.body, { id: e.id, extra: e.headers });
      },
    },
    { name: "missing signature", expected: "refused", build: edit((h) => withoutSignature(profile, h)) },
  ];
  if (profile.timestamped) {
    cases.push(
      { name: "missing timestamp", expected: "refused", build: edit((h) => withoutTimestamp(profile, h)) },
      { name: "non-numeric timestamp", expected: "refused", build: rawTimestamp("soon") },
      { name: "empty timestamp", expected: "refused", build: rawTimestamp("") },
      { name: "fractional timestamp", expected: "refused", build: rawTimestamp(`${now}.5`) },
      { name: "exponent timestamp", expected: "refused", build: rawTimestamp(`${now / 1e9}e9`) },
      { name: "stale timestamp (signed)", expected: "refused", build: () => good({ timestamp: now - STALE_SECONDS }) },
      { name: "future timestamp (signed)", expected: "refused", build: () => good({ timestamp: now + STALE_SECONDS }) },
    );
  }
  cases.push({
    name: "signature of the wrong length",
    expected: "refused",
    build: edit((h) => mapSignature(profile, h, (encoded) => encoded.slice(0, 20))),
  });
  if (profile.encoding === "hex") {
    cases.push({
      name: "uppercase hex signature",
      expected: "accepted",
      lenient: true,
      build: edit((h) => mapSignature(profile, h, (encoded) => encoded.toUpperCase())),
    });
  }
  cases.push(
    {
      name: "oversized body (signed)",
      expected: "refused",
      build: () => good({ data: { padding: "x".repeat(maxBodyBytes * 2) } }),
    },
    {
      name: "empty body (signed)",
      expected: "refused",
      build: async () => {
        const e = event();
        return signed(profile, secret, "", { id: e.id, extra: e.headers });
      },
    },
    {
      name: "huge signature header",
      expected: "refused",
      build: edit((h) => mapSignature(profile, h, (encoded) => encoded + encoded[0]!.repeat(HUGE_HEADER_BYTES))),
    },
  );
  return cases;
}

function judge(test: Case, answer: Answer): Verdict {
  const status = answer.status;
  if (status === undefined || status >= 500) return "FAIL"; // a hang, a reset or a crash is never right
  const accepted = status >= 200 && status < 300;
  const refused = status >= 400 && status < 500;
  if (test.expected === "accepted") return accepted ? "ok" : test.lenient && refused ? "warn" : "FAIL";
  return refused ? "ok" : "FAIL";
}

/** Runs every case one after another (a receiver under audit may be a dev server) and returns their results. */
export async function audit(options: AuditOptions): Promise<CaseResult[]> {
  const results: CaseResult[] = [];
  for (const test of casesFor(options)) {
    const delivery = await test.build();
    const answer = await post(options.url, delivery.body, delivery.headers, options.timeoutMs ?? 10_000);
    const got = answer.status === undefined ? answer.code : `${answer.status}${answer.code ? ` ${answer.code}` : ""}`;
    results.push({ case: test.name, expected: test.expected, got, verdict: judge(test, answer), ms: answer.ms });
  }
  return results;
}
