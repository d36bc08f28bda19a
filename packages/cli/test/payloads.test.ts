// What the CLI builds, for every scheme: read back by our receiver with the id and type asked for, and a pure function of its inputs.
import { createReceiver, MemoryStore, type WebhookEvent } from "@hooks/core";
import { describe, expect, test } from "vitest";
import { buildEvent, createdFor } from "../src/payloads";
import { prepareDelivery } from "../src/prepare";
import { profileNames, profileOf } from "../src/profiles";

const SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"; // valid for every scheme, standard-webhooks included
const NOW = 1_790_000_000;

async function receive(name: string, delivery: { headers: Record<string, string>; body: string | Uint8Array }) {
  const seen: WebhookEvent[] = [];
  const receiver = createReceiver({
    scheme: profileOf(name).scheme,
    secret: SECRET,
    store: new MemoryStore(),
  });
  receiver.on("*", (event) => {
    seen.push(event);
  });
  const answer = await receiver.receive({ method: "POST", headers: delivery.headers, body: delivery.body });
  return { answer, seen };
}

describe.each(profileNames)("%s", (name) => {
  const profile = profileOf(name);

  test("the sample is received with its own type and the --id given", async () => {
    const delivery = await prepareDelivery(
      profile,
      SECRET,
      { id: "evt_given_1" },
      { now: Math.floor(Date.now() / 1000) },
    );
    const { answer, seen } = await receive(name, delivery);
    expect(answer.status).toBe(200);
    expect(seen).toHaveLength(1);
    expect(seen[0]?.id).toBe("evt_given_1");
    expect(seen[0]?.type).toBe(delivery.type);
    expect(delivery.id).toBe("evt_given_1");
  });

  test("a <type> of one's own is the type received", async () => {
    const type = name === "shopify" ? "custom/happened" : "thing.happened";
    const delivery = await prepareDelivery(profile, SECRET, { type }, { now: Math.floor(Date.now() / 1000) });
    const { seen } = await receive(name, delivery);
    expect(seen[0]?.type).toBe(type);
  });

  test("with --id the body does not depend on the clock; without, each send is a new event", () => {
    const a = buildEvent(profile, { id: "evt_same" }, NOW);
    const b = buildEvent(profile, { id: "evt_same" }, NOW + 3600);
    expect(b.body).toEqual(a.body);
    expect(b.signingId).toEqual(a.signingId);
    const c = buildEvent(profile, { id: "evt_same", created: NOW }, NOW);
    const d = buildEvent(profile, { id: "evt_same", created: NOW + 1 }, NOW);
    expect(d.body).not.toEqual(c.body);
    // Without --id, the event is a new one: its time is now (and its id fresh).
    const fresh = buildEvent(profile, { created: undefined }, NOW);
    const later = buildEvent(profile, {}, NOW + 3600);
    expect(later.body).not.toEqual(fresh.body);
  });

  test("--body is sent byte for byte", () => {
    const body = ' {"id":"evt_raw","type":"raw.event" ,"data":{}}\n';
    const event = name === "github" || name === "shopify" ? "raw" : undefined;
    expect(buildEvent(profile, { body, event }, NOW).body).toBe(body);
  });
});

test("createdFor: the same id, the same second in 2025; other ids, other seconds", () => {
  expect(createdFor("evt_1")).toBe(createdFor("evt_1"));
  expect(new Date(createdFor("evt_1") * 1000).getUTCFullYear()).toBe(2025);
  const seconds = new Set(Array.from({ length: 50 }, (_, i) => createdFor(`evt_${i}`)));
  expect(seconds.size).toBeGreaterThan(45);
});

test("github: --data is the body; <type>'s action is added when the data has none", () => {
  const built = buildEvent(profileOf("github"), { type: "pull_request.opened", data: { number: 7 } }, NOW);
  expect(JSON.parse(String(built.body))).toEqual({ action: "opened", number: 7 });
  expect(built.headers["x-github-event"]).toBe("pull_request");
  const push = buildEvent(profileOf("github"), { type: "push", data: { ref: "refs/heads/main" } }, NOW);
  expect(JSON.parse(String(push.body))).toEqual({ ref: "refs/heads/main" });
  expect(push.headers["x-github-event"]).toBe("push");
});

test("the built-in samples are never sent under another real event's header or topic", () => {
  for (const input of [{ type: "push" }, { event: "pull_request" }, { type: "release.published" }])
    expect(() => buildEvent(profileOf("github"), input, NOW), JSON.stringify(input)).toThrow(
      /built-in GitHub sample is an "issues" payload.*--file/,
    );
  for (const input of [{ type: "products/update" }, { event: "customers/create" }])
    expect(() => buildEvent(profileOf("shopify"), input, NOW), JSON.stringify(input)).toThrow(
      /built-in Shopify sample is an order.*--file/,
    );
  // The sample's own event and names of one's own still get it.
  expect(buildEvent(profileOf("github"), { type: "issues.closed" }, NOW).headers["x-github-event"]).toBe("issues");
  expect(buildEvent(profileOf("shopify"), { type: "orders/paid" }, NOW).headers["x-shopify-topic"]).toBe("orders/paid");
});

test("stripe: --data is event.data, inside Stripe's own event", () => {
  const built = buildEvent(profileOf("stripe"), { type: "customer.created", data: { object: { id: "cus_1" } } }, NOW);
  expect(JSON.parse(String(built.body))).toMatchObject({
    object: "event",
    type: "customer.created",
    created: NOW,
    data: { object: { id: "cus_1" } },
  });
});
