// One case-insensitive header lookup for Web `Headers`, plain records and Node's IncomingHttpHeaders.
import { invalidOption } from "./errors";

/** Request headers as frameworks hand them over: a Web `Headers`, or a record (Node, Express, Fastify, Next pages). */
export type HeadersInput =
  | { get(name: string): string | null }
  | Readonly<Record<string, string | readonly string[] | undefined>>;

/** Reads one header by lowercase name; `undefined` when absent. */
export type HeaderReader = (name: string) => string | undefined;

const hasOwn = Object.prototype.hasOwnProperty;

/** A header value as a string: arrays of strings joined as HTTP joins repeats; anything else is absent. */
function text(value: unknown): string | undefined {
  if (typeof value === "string") return value;
  if (!Array.isArray(value) || !value.every((one) => typeof one === "string")) return undefined;
  return value.length === 0 ? undefined : value.join(", ");
}

/**
 * Builds a reader over any supported header container.
 *
 * Repeated headers read as one value joined with ", ", exactly as Node's HTTP parser and the Web
 * `Headers` class join them, so a header sent twice looks the same whatever the container and is
 * then refused by the scheme's parser for that header (one behaviour, not three). Only strings
 * (and arrays of strings) count as values, and only a record's own properties.
 */
export function headerReader(headers: HeadersInput): HeaderReader {
  if (headers === null || typeof headers !== "object")
    invalidOption("headers", "headers must be a Headers object or a record");
  if (typeof (headers as { get?: unknown }).get === "function") {
    const web = headers as { get(name: string): unknown };
    return (name) => text(web.get(name));
  }
  const record = headers as Readonly<Record<string, unknown>>;
  return (name) => {
    // Node and every framework on it lowercase header names, so the direct hit is the hot path.
    if (hasOwn.call(record, name)) return text(record[name]);
    // Hand-built records such as { "X-Hub-Signature-256": "…" }: every spelling of the name counts,
    // joined like repeats, so two spellings with different values are refused, not picked from.
    const values: unknown[] = [];
    for (const key in record) {
      if (key.length === name.length && hasOwn.call(record, key) && key.toLowerCase() === name)
        values.push(record[key]);
    }
    return values.length > 1 ? text(values.flat()) : text(values[0]);
  };
}
