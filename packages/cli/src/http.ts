// One POST with a deadline, over node:http so that an early answer (413 while we still send) is still read.
import { request as httpRequest } from "node:http";
import { request as httpsRequest } from "node:https";
import { isRecord } from "./payloads";
import type { Headers } from "./profiles";

export interface Answer {
  /** The HTTP status, or undefined when no answer came (timeout, refused, reset). */
  readonly status: number | undefined;
  /** The receiver's `code` when its body is our JSON answer, else the status text or the failure. */
  readonly code: string;
  /** The receiver's `message`, which our receiver adds when its own setup is wrong (it names the fix). */
  readonly message?: string | undefined;
  readonly ms: number;
}

/** An answer as one short text: `401 signature_mismatch`, or the failure (`ECONNREFUSED`, `no answer in 300 ms`). */
export function answerText(answer: Answer): string {
  return answer.status === undefined ? answer.code : `${answer.status}${answer.code ? ` ${answer.code}` : ""}`;
}

const MAX_ANSWER_BYTES = 64 * 1024;
const MAX_CODE_CHARS = 64;
const MAX_MESSAGE_CHARS = 300;

/**
 * Text from the receiver as it may be printed to a terminal: control characters (escape sequences
 * a hostile receiver could send) become spaces, and it is cut to `max` characters.
 */
function printable(text: string, max: number): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: removing them is the point
  return text.replace(/[\u0000-\u001f\u007f-\u009f]/g, " ").slice(0, max);
}

/** A hint for the usual reasons a valid delivery is refused; empty when there is no usual reason. */
export function refusalHint(answer: Pick<Answer, "status" | "code" | "message">): string {
  // The receiver's own words first: it names what is wrong with its setup.
  if (answer.message !== undefined) return ` (the receiver says: ${answer.message})`;
  if (answer.status === undefined) return " (is the receiver running at --url?)";
  if (answer.status === 401 || answer.status === 403) return " (wrong secret?)";
  if (answer.status === 404 || answer.status === 405) return " (wrong URL?)";
  if (answer.code === "fingerprint_mismatch") return " (this --id was sent before with another body)";
  return "";
}

export function post(url: string, body: string | Uint8Array, headers: Headers, timeoutMs: number): Promise<Answer> {
  const started = performance.now();
  const ms = () => Math.round(performance.now() - started);
  return new Promise((resolve) => {
    let settled = false;
    const done = (answer: Omit<Answer, "ms">) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve({ ...answer, ms: ms() });
    };
    const target = new URL(url);
    const send = target.protocol === "https:" ? httpsRequest : httpRequest;
    const req = send(target, {
      method: "POST",
      headers: { "content-type": "application/json", ...headers, "content-length": Buffer.byteLength(body) },
    });
    const timer = setTimeout(() => {
      done({ status: undefined, code: `no answer in ${timeoutMs} ms` });
      req.destroy();
    }, timeoutMs);
    req.on("response", (response) => {
      const chunks: Buffer[] = [];
      let size = 0;
      const finish = () => {
        const text = Buffer.concat(chunks).toString("utf8");
        let code = "";
        let message: string | undefined;
        try {
          const parsed: unknown = JSON.parse(text);
          if (isRecord(parsed) && "code" in parsed) code = printable(String(parsed.code), MAX_CODE_CHARS);
          if (isRecord(parsed) && typeof parsed.message === "string")
            message = printable(parsed.message, MAX_MESSAGE_CHARS);
        } catch {
          code = printable(text.replace(/\s+/g, " ").trim(), 40);
        }
        done({ status: response.statusCode, code, ...(message === undefined ? {} : { message }) });
      };
      response.on("data", (chunk: Buffer) => {
        // Any receiver can be audited, ours or not: an endless answer is cut, not buffered.
        if (size >= MAX_ANSWER_BYTES) return;
        chunks.push(chunk);
        size += chunk.length;
        if (size >= MAX_ANSWER_BYTES) {
          finish();
          response.destroy();
        }
      });
      response.on("error", () => done({ status: response.statusCode, code: "" }));
      response.on("end", finish);
    });
    // A receiver that answers early and closes while we still send is fine: wait briefly for its answer.
    req.on("error", (error: NodeJS.ErrnoException) => {
      setTimeout(() => done({ status: undefined, code: error.code ?? error.message }), 200);
    });
    req.end(body);
  });
}
