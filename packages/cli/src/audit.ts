// The audit: named cases that attack a receiver as an adversary or a careless sender would, and their verdicts.
import { randomUUID } from "node:crypto";
import { type Answer, answerText, post } from "./http";
import { buildEvent } from "./payloads";
import {
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
  /** The receiver's `message`, when it sent one (our receiver does when its own setup is wrong). */
  readonly message?: string;
}

/** The first case: every other verdict means something only once this one is accepted. */
export const VALID_DELIVERY = "valid delivery";

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
  // The body is the provider's real shape around its sample data, unless a case needs other data.
  const event = (data?: unknown) => buildEvent(profile, { type, id: `audit_${run}_${++n}`, created: now, data }, now);
  const good = async (options: { timestamp?: number; data?: unknown } = {}) => {
    const e = event(options.data);
    return signed(profile, secret, e.body, {
      id: e.signingId,
      extra: e.headers,
      ...(options.timestamp === undefined ? {} : { timestamp: options.timestamp }),
    });
  };
  const rawTimestamp = (timestamp: string) => () => {
    const e = event();
    const forged = signedWithRawTimestamp(profile, secret, e.body, timestamp, e.signingId);
    return { body: forged.body, headers: { ...e.headers, ...forged.headers } };
  };
  const edit = (change: (headers: Headers) => Headers) => async () => {
    const delivery = await good();
    return { body: delivery.body, headers: change(delivery.headers) };
  };
  const maxBodyBytes = options.maxBodyBytes ?? 1024 * 1024;

  const cases: Case[] = [
    { name: VALID_DELIVERY, expected: "accepted", build: () => good() },
    {
      name: "tampered body",
      expected: "refused",
      build: async () => {
        const delivery = await good();
        return { ...delivery, body: tamper(String(delivery.body)) };
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
        return signed(profile, wrong, e.body, { id: e.signingId, extra: e.headers });
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
        return signed(profile, secret, "", { id: e.signingId, extra: e.headers });
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

/** The body with one digit changed (never to 0, so a number stays valid JSON): it parses, and no longer matches its signature. */
function tamper(body: string): string {
  const at = body.search(/[0-9]/);
  if (at < 0) throw new Error("the audit's body has no digit to change");
  const digit = Number(body[at]);
  return `${body.slice(0, at)}${digit === 9 ? 8 : digit + 1}${body.slice(at + 1)}`;
}

function judge(test: Case, answer: Answer): Verdict {
  const status = answer.status;
  if (status === undefined || status >= 500) return "FAIL"; // a hang, a reset or a crash is never right
  const accepted = status >= 200 && status < 300;
  const refused = status >= 400 && status < 500;
  if (test.expected === "accepted") return accepted ? "ok" : test.lenient && refused ? "warn" : "FAIL";
  return refused ? "ok" : "FAIL";
}

/**
 * Runs every case one after another (a receiver under audit may be a dev server) and returns their
 * results. The valid delivery goes first; when it is not accepted (wrong secret, wrong URL, nothing
 * listening) the audit stops there and returns that one FAIL: refusals of attacks by a receiver
 * that refuses everything prove nothing.
 */
export async function audit(options: AuditOptions): Promise<CaseResult[]> {
  const results: CaseResult[] = [];
  for (const test of casesFor(options)) {
    const delivery = await test.build();
    const answer = await post(options.url, delivery.body, delivery.headers, options.timeoutMs ?? 10_000);
    const got = answerText(answer);
    const verdict = judge(test, answer);
    results.push({
      case: test.name,
      expected: test.expected,
      got,
      verdict,
      ms: answer.ms,
      ...(answer.message === undefined ? {} : { message: answer.message }),
    });
    if (test.name === VALID_DELIVERY && verdict !== "ok") break;
  }
  return results;
}
