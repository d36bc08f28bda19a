// `hooks send`: posts one signed delivery N times, C at a time, and judges the answers as a sender would.
import { type Answer, answerText, post, refusalHint } from "./http";
import type { Prepared } from "./prepare";

export interface SendOptions {
  readonly url: string;
  readonly delivery: Prepared;
  readonly repeat: number;
  readonly concurrency: number;
  readonly timeoutMs: number;
  readonly json: boolean;
}

interface Result extends Answer {
  readonly n: number;
}

const accepted = (answer: Answer) => answer.status !== undefined && answer.status >= 200 && answer.status < 300;

/**
 * The answers that mean the delivery was not taken. Copies of one event racing each other get
 * `409 in_progress` while the first runs: that is the receiver working, as long as one copy got a
 * 2xx. Anything else below 200 or from 300 up (a 3xx is not followed: senders do not) is a refusal.
 */
function refusals(answers: readonly Answer[]): Answer[] {
  const some = answers.some(accepted);
  return answers.filter(
    (answer) => !accepted(answer) && !(some && answer.status === 409 && answer.code === "in_progress"),
  );
}

export async function send(options: SendOptions): Promise<number> {
  const { url, delivery, repeat, json } = options;
  const results: Result[] = [];
  const bar = !json && repeat > 20 && process.stderr.isTTY;
  let next = 0;
  const worker = async () => {
    while (next < repeat) {
      const n = ++next;
      const answer = await post(url, delivery.body, delivery.headers, options.timeoutMs);
      results.push({ n, ...answer });
      if (bar) {
        const width = 30;
        const filled = Math.round((results.length / repeat) * width);
        process.stderr.write(`\r[${"#".repeat(filled)}${".".repeat(width - filled)}] ${results.length}/${repeat}`);
      } else if (!json && repeat <= 20) {
        console.log(`#${n}  ${answer.status ?? "---"} ${answer.code}  ${answer.ms} ms`);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(options.concurrency, repeat) }, worker));
  if (bar) process.stderr.write("\n");

  const byAnswer: Record<string, number> = {};
  for (const r of results) {
    const key = `${r.status ?? "no answer"} ${r.code}`.trim();
    byAnswer[key] = (byAnswer[key] ?? 0) + 1;
  }
  const sorted = results.map((r) => r.ms).sort((a, b) => a - b);
  const percentile = (p: number) => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? 0;
  const refused = refusals(results);
  const summary = {
    id: delivery.id ?? null,
    type: delivery.type ?? null,
    deliveries: repeat,
    ok: refused.length === 0,
    answers: byAnswer,
    p50Ms: percentile(0.5),
    p95Ms: percentile(0.95),
  };
  if (json) console.log(JSON.stringify({ summary, results: results.sort((a, b) => a.n - b.n) }, null, 2));
  else {
    const counts = Object.entries(byAnswer)
      .map(([answer, count]) => `${count}× ${answer}`)
      .join(", ");
    const what = [delivery.type, delivery.id].filter((part) => part !== undefined).join(" ");
    const deliveries = `${repeat} ${repeat === 1 ? "delivery" : "deliveries"}`;
    console.log(`${deliveries} of ${what}: ${counts}; p50 ${summary.p50Ms} ms, p95 ${summary.p95Ms} ms`);
    const first = refused[0];
    if (first)
      console.error(`hooks: ${refused.length} of ${repeat} not accepted: ${answerText(first)}${refusalHint(first)}`);
  }
  return refused.length === 0 ? 0 : 1;
}
