// Signed deliveries as a sender would post them, for the HTTP tests and the worker processes.
import { schemes, sign } from "@hooks/core";

export const SECRET = "redis-store-test-secret";

/** A signed `resource.created` delivery of event `id`; `data` lets a test steer the handler. */
export async function delivery(id: string, data: Record<string, unknown> = {}) {
  const body = JSON.stringify({ id, type: "resource.created", data, created: 1 });
  const signed = await sign({ scheme: schemes.vastai, secret: SECRET, payload: body });
  return { body, headers: { "content-type": "application/json", ...signed } };
}

/** Posts a delivery; answers the status and the core's outcome code. */
export async function post(url: string, d: { body: string; headers: Record<string, string> }) {
  const response = await fetch(url, { method: "POST", headers: d.headers, body: d.body });
  const text = await response.text();
  let code = "";
  try {
    code = (JSON.parse(text) as { code?: string }).code ?? "";
  } catch {
    code = text;
  }
  return { status: response.status, code, retryAfter: response.headers.get("retry-after") };
}
