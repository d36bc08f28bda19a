// What each provider really sends for one event: the raw body and its event headers, built from the command's inputs alone.
import { createHash, randomBytes, randomUUID } from "node:crypto";
import { parseId } from "@hooks/core/scheme";
import { type Headers, type Profile, UsageError } from "./profiles";
import { samples } from "./samples";

/** What the command line says about the event; whatever is left out gets the provider's default. */
export interface EventInput {
  /** The type the receiver should see: `invoice.paid`, `issues.opened`, `orders/create` (the positional `<type>`). */
  readonly type?: string | undefined;
  /** GitHub's `x-github-event` header or Shopify's topic (`--event`); other providers carry the type in the body. */
  readonly event?: string | undefined;
  /** The event id (`--id`); default a fresh one in the provider's format. */
  readonly id?: string | undefined;
  /** Unix seconds the event was created (`--created`); see {@link createdFor} for the default. */
  readonly created?: number | undefined;
  /** What the handler gets as `event.data` (`--data`), put where the provider puts it; default the sample's. */
  readonly data?: unknown;
  /** The exact body (`--body`, `--file`), sent unchanged. */
  readonly body?: string | Uint8Array | undefined;
}

/** One event's body and event headers, before signing. */
export interface Built {
  readonly body: string | Uint8Array;
  readonly headers: Headers;
  /** The id `sign` puts in the scheme's own id header (x-github-delivery, x-shopify-webhook-id, webhook-id). */
  readonly signingId: string;
}

const CREATED_BASE = Date.UTC(2025, 0, 1) / 1000;
const YEAR_SECONDS = 365 * 24 * 60 * 60;

/**
 * `created` when `--id` is given without `--created`: a second in 2025 that depends on the id alone.
 * A retrying sender repeats the same bytes; a clock reading here would make the second `--id X` a
 * different body (422 fingerprint_mismatch) instead of the duplicate it is meant to be.
 */
export function createdFor(id: string): number {
  return CREATED_BASE + (createHash("sha256").update(id).digest().readUInt32BE(0) % YEAR_SECONDS);
}

/** A UUID-shaped id that depends on `text` alone: Shopify's webhook id is the same on every retry. */
function uuidFrom(text: string): string {
  const h = createHash("sha256").update(text).digest("hex");
  const variant = ((Number.parseInt(h[16]!, 16) & 3) | 8).toString(16);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-${variant}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

const ALPHANUMERIC = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
const randomId = (length: number, alphabet = ALPHANUMERIC) =>
  Array.from(randomBytes(length), (byte) => alphabet[byte % alphabet.length]).join("");

/** A fresh event id in the provider's own format. */
const newId: Record<string, () => string> = {
  stripe: () => `evt_1${randomId(23)}`,
  github: randomUUID,
  shopify: randomUUID,
  slack: () => `Ev${randomId(9, ALPHANUMERIC.slice(0, 36))}`,
  "standard-webhooks": () => `msg_${randomId(27)}`,
};

const iso = (unixSeconds: number) => new Date(unixSeconds * 1000).toISOString();
const JSON_HEADERS: Headers = { "content-type": "application/json" };

/** GitHub's delivery headers besides the signature and the delivery id, which `sign` adds. */
const githubHeaders = (event: string): Headers => ({
  ...JSON_HEADERS,
  "user-agent": "GitHub-Hookshot/a1b2c3d",
  "x-github-event": event,
  "x-github-hook-id": "498103752",
  "x-github-hook-installation-target-type": "repository",
  "x-github-hook-installation-target-id": "781326272",
});

/**
 * GitHub's own events whose payloads are not an issue's: the sample (an `issues` payload) would be a
 * lie under their header. A name of one's own (`audit`, `test`) still gets the sample.
 */
const GITHUB_EVENTS = new Set(
  "push pull_request pull_request_review pull_request_review_comment pull_request_review_thread issue_comment release create delete fork star watch workflow_run workflow_job workflow_dispatch check_run check_suite deployment deployment_status status ping installation installation_repositories repository member membership label milestone discussion discussion_comment package registry_package page_build public gollum security_advisory repository_advisory dependabot_alert code_scanning_alert secret_scanning_alert merge_group sponsorship organization team team_add project project_card project_column projects_v2 projects_v2_item branch_protection_rule deploy_key meta commit_comment marketplace_purchase".split(
    " ",
  ),
);

/** Shopify resources other than orders: the sample (an order) would be a lie under their topics. */
const SHOPIFY_RESOURCES = new Set(
  "products customers checkouts carts collections fulfillments fulfillment_events refunds inventory_items inventory_levels draft_orders order_transactions app shop themes locations customer_groups disputes tender_transactions subscription_contracts selling_plan_groups bulk_operations".split(
    " ",
  ),
);

/** GitHub: the event name travels in `x-github-event`, the action in the body; the body is the payload itself. */
function github(input: EventInput, created: number): Built {
  const dot = input.type?.indexOf(".") ?? -1;
  const named = input.type === undefined || dot < 0 ? input.type : input.type.slice(0, dot);
  if (input.event !== undefined && named !== undefined && named !== input.event)
    throw new UsageError(
      `<type> "${input.type}" does not start with --event "${input.event}": GitHub's type is the x-github-event header and the body's action, e.g. issues.opened`,
    );
  const event = input.event ?? named;
  if (event === undefined && input.body !== undefined)
    throw new UsageError(
      "pass --event: the x-github-event header GitHub sends with this body (issues, push, pull_request, …); the body does not say",
    );
  const sample = samples.github!;
  const headers = githubHeaders(event ?? "issues");
  const signingId = input.id ?? randomUUID();
  if (input.body !== undefined) return { body: input.body, headers, signingId };
  const action = input.type === undefined ? undefined : dot < 0 ? null : input.type.slice(dot + 1);
  let body: unknown;
  if (input.data === undefined) {
    // An issues payload under another event's header is not what GitHub sends: say so, not send it.
    if (event !== undefined && GITHUB_EVENTS.has(event) && event !== "issues")
      throw new UsageError(
        `the built-in GitHub sample is an "issues" payload; for "${event}" pass the real payload with --file (GitHub shows it under the webhook's Recent Deliveries) or its fields with --data`,
      );
    const { action: opened, ...payload } = sample.data(created) as Record<string, unknown>;
    // The sample is an `issues` payload; for another event without <type>'s action it has none (push).
    const chosen = action === undefined ? (event === undefined || event === "issues" ? opened : null) : action;
    body = chosen === null ? payload : { action: chosen, ...payload };
  } else {
    body =
      typeof action === "string" && isRecord(input.data) && !("action" in input.data)
        ? { action, ...input.data }
        : input.data;
  }
  return { body: JSON.stringify(body), headers, signingId };
}

/** Shopify: the resource itself is the body; the topic, shop and ids travel in headers. */
function shopify(input: EventInput, created: number): Built {
  if (input.event !== undefined && input.type !== undefined && input.event !== input.type)
    throw new UsageError(`for shopify, <type> and --event are both the topic, and "${input.type}" ≠ "${input.event}"`);
  const topic = input.event ?? input.type;
  if (topic === undefined && input.body !== undefined)
    throw new UsageError(
      "pass --event: the topic Shopify sends with this body (orders/create, products/update, …); the body does not say",
    );
  const sample = samples.shopify!;
  // The sample is an order: under another resource's topic it is not what Shopify sends.
  const resource = topic?.split("/")[0];
  if (input.body === undefined && input.data === undefined && resource !== undefined && SHOPIFY_RESOURCES.has(resource))
    throw new UsageError(
      `the built-in Shopify sample is an order; for "${topic}" pass the real resource with --file or its fields with --data`,
    );
  const eventId = input.id ?? randomUUID();
  const headers: Headers = {
    ...JSON_HEADERS,
    "user-agent": "Shopify-Captain-Hook",
    "x-shopify-topic": topic ?? sample.type,
    "x-shopify-shop-domain": "hooks-sample.myshopify.com",
    "x-shopify-api-version": "2025-07",
    "x-shopify-event-id": eventId,
    "x-shopify-triggered-at": iso(created),
  };
  const body = input.body ?? JSON.stringify(input.data === undefined ? sample.data(created) : input.data);
  // One webhook id per subscription and event, the same on every retry: derived from the event id.
  return { body, headers, signingId: uuidFrom(`shopify-webhook:${eventId}`) };
}

interface EnvelopeParts {
  readonly id: string;
  readonly type: string;
  readonly created: number;
  readonly data: unknown;
}

/** Providers whose body carries the type (and mostly the id): the body each one sends. */
const envelopes: Record<string, (event: EnvelopeParts) => { body: string; headers: Headers }> = {
  stripe: ({ id, type, created, data }) => ({
    // Stripe sends its events pretty-printed: a receiver that re-serialises the JSON before
    // verifying fails here as it would in production.
    body: JSON.stringify(
      {
        id,
        object: "event",
        api_version: "2025-08-27.basil",
        created,
        data,
        livemode: false,
        pending_webhooks: 1,
        request: { id: null, idempotency_key: null },
        type,
      },
      null,
      2,
    ),
    headers: {
      "content-type": "application/json; charset=utf-8",
      "user-agent": "Stripe/1.0 (+https://stripe.com/docs/webhooks)",
    },
  }),
  slack: ({ id, type, created, data }) => ({
    body: JSON.stringify({
      token: "hooksSampleVerificationToken",
      team_id: "T0HOOKS01",
      api_app_id: "A0HOOKS01",
      event: { type, ...(isRecord(data) ? data : {}), event_ts: `${created}.000100` },
      type: "event_callback",
      event_id: id,
      event_time: created,
    }),
    headers: { ...JSON_HEADERS, "user-agent": "Slackbot 1.0 (+https://api.slack.com/robots)" },
  }),
  // The id travels in webhook-id (signed), the time as an ISO string.
  "standard-webhooks": ({ type, created, data }) => ({
    body: JSON.stringify({ type, timestamp: iso(created), data }),
    headers: JSON_HEADERS,
  }),
};

/** The seed scheme (vastai, groq): `{ id, type, data, created }`. */
const seed = ({ id, type, created, data }: EnvelopeParts) => ({
  body: JSON.stringify({ id, type, data, created }),
  headers: JSON_HEADERS,
});

/** The body and event headers the provider would send; the same inputs always give the same bytes. */
export function buildEvent(profile: Profile, input: EventInput, now: number): Built {
  if (input.id !== undefined) {
    try {
      parseId(input.id, "--id");
    } catch {
      throw new UsageError("--id must be 1 to 256 printable ASCII characters, without spaces or commas");
    }
  }
  const created = input.created ?? (input.id === undefined ? now : createdFor(input.id));
  if (profile.name === "github") return github(input, created);
  if (profile.name === "shopify") return shopify(input, created);
  if (input.event !== undefined)
    throw new UsageError(
      `--event is for github and shopify; ${profile.name} carries the type in the body: give it as <type>`,
    );
  const id = input.id ?? (newId[profile.name] ?? (() => `evt_${randomUUID()}`))();
  if (input.body !== undefined) return { body: input.body, headers: JSON_HEADERS, signingId: id };
  const sample = samples[profile.name];
  const type = input.type ?? sample?.type ?? "test.ping";
  const data = input.data === undefined ? (sample?.data(created) ?? {}) : input.data;
  return { ...(envelopes[profile.name] ?? seed)({ id, type, created, data }), signingId: id };
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
