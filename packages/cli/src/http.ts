// One POST with a deadline, over node:http so that an early answer (413 while we still send) is still read.
import { request as httpRequest } from "node:http";
import { request as httpsRequest } from "node:https";
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
      response.on("data", (chunk: Buffer) => chunks.push(chunk));
      response.on("error", () => done({ status: response.statusCode, code: "" }));
      response.on("end", () => {
        const text = Buffer.concat(chunks).toString("utf8");
        let code = "";
        let message: string | undefined;
        try {
          const parsed: unknown = JSON.parse(text);
          if (typeof parsed === "object" && parsed !== null && "code" in parsed) code = String(parsed.code);
          if (
            typeof parsed === "object" &&
            parsed !== null &&
            "message" in parsed &&
            typeof parsed.message === "string"
          )
            message = parsed.message.slice(0, 300);
        } catch {
          code = text.slice(0, 40).replace(/\s+/g, " ").trim();
        }
        done({ status: response.statusCode, code, ...(message === undefined ? {} : { message }) });
      });
    });
    // A receiver that answers early and closes while we still send is fine: wait briefly for its answer.
    req.on("error", (error: NodeJS.ErrnoException) => {
      setTimeout(() => done({ status: undefined, code: error.code ?? error.message }), 200);
    });
    req.end(body);
  });
}
