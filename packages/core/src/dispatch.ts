// Handler registry: exact types, `prefix.*` wildcards and `*`, with types that flow from an event map.

import type { VerifiedDelivery } from "./delivery";
import { invalidOption } from "./errors";

/** Event types mapped to the type of their `data`, e.g. `{ "invoice.paid": { amount: number } }`. */
export type EventMap = Record<string, unknown>;

/** An event as handlers receive it. */
export interface WebhookEvent<Type extends string = string, Data = unknown> {
  /** The event's id: the idempotency key. */
  readonly id: string;
  readonly type: Type;
  readonly data: Data;
  /** The whole parsed body, for fields beyond `data`. */
  readonly body: unknown;
}

/** What a handler gets besides the event. */
export interface HandlerContext {
  readonly id: string;
  readonly type: string;
  /** The delivery attempt (1 = first), where the scheme reports it (Slack's retry number); else undefined. */
  readonly attempt: number | undefined;
  /** Aborts when the handler runs past its lease; pass it to fetch, database calls and loops. */
  readonly signal: AbortSignal;
  /** What verification established: scheme, header id, timestamp. */
  readonly delivery: VerifiedDelivery;
  /** In queue mode, the worker's run of the event: its number (1 = first) and how many are allowed. */
  readonly job?: { readonly attempt: number; readonly maxAttempts: number } | undefined;
}

/** A pattern `on` accepts: an event type of the map, `prefix.*`, or `*`. */
export type Pattern<M extends EventMap> = (keyof M & string) | `${string}.*` | "*";

/**
 * The event types a pattern matches. Without an event map (keys are any string) the pattern
 * itself is the type: `"invoice.*"` gives `` `invoice.${string}` ``.
 */
export type Matching<M extends EventMap, P extends string> = P extends "*"
  ? keyof M & string
  : P extends `${infer Prefix}.*`
    ? string extends keyof M
      ? `${Prefix}.${string}`
      : Extract<keyof M & string, `${Prefix}.${string}`>
    : string extends keyof M
      ? P
      : Extract<keyof M & string, P>;

/** The event union a handler for types `T` receives. */
export type EventOf<M extends EventMap, T extends keyof M & string> = { [K in T]: WebhookEvent<K, M[K]> }[T];

export type Handler<M extends EventMap, P extends string> = (
  event: EventOf<M, Matching<M, P>>,
  context: HandlerContext,
) => unknown;

type AnyHandler = (event: WebhookEvent, context: HandlerContext) => unknown;

/** Handlers in registration order, each with the test for the types it takes. */
export interface Registry {
  add(pattern: string, handler: AnyHandler): void;
  /** The handlers for `type`, in the order they were registered. */
  match(type: string): AnyHandler[];
}

export function createRegistry(): Registry {
  const entries: { readonly matches: (type: string) => boolean; readonly handler: AnyHandler }[] = [];
  return {
    add(pattern, handler) {
      if (typeof pattern !== "string" || pattern === "")
        invalidOption("pattern", "on() needs an event type, `prefix.*` or `*`");
      if (typeof handler !== "function") invalidOption("handler", `the handler for ${pattern} must be a function`);
      const prefix = pattern.endsWith(".*") ? pattern.slice(0, -1) : undefined;
      // A `*` anywhere else matches nothing literally and is surely a typo for `prefix.*`.
      if (pattern !== "*" && (prefix ?? pattern).includes("*"))
        invalidOption("pattern", `on("${pattern}"): \`*\` works alone or as a last segment (\`invoice.*\`)`);
      const matches =
        pattern === "*"
          ? () => true
          : prefix !== undefined
            ? (type: string) => type.startsWith(prefix)
            : (type: string) => type === pattern;
      entries.push({ matches, handler });
    },
    match: (type) => entries.filter((entry) => entry.matches(type)).map((entry) => entry.handler),
  };
}
