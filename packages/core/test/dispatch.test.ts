// Dispatch: patterns, order, types that flow from the event map, and each scheme's event conventions.
import { FakeClock, signedDelivery } from "@hooks/test-utils";
import { describe, expect, expectTypeOf, test } from "vitest";
import { createReceiver, type HandlerContext, InvalidOptionError, type Scheme, type WebhookEvent } from "../src/index";
import { github, shopify, slack, standardWebhooks, stripe, vastai } from "../src/schemes/named";

const SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

type Events = {
  "resource.created": { name: string };
  "resource.deleted": { id: number };
  "user.created": { email: string };
};

async function receive(scheme: Scheme, body: unknown, extra: Record<string, string> = {}, id?: string) {
  const clock = new FakeClock();
  const seen: { event: WebhookEvent; context: HandlerContext }[] = [];
  const receiver = createReceiver({ scheme, secret: SECRET, clock });
  receiver.on("*", (event, context) => {
    seen.push({ event, context });
  });
  const delivery = await signedDelivery(JSON.stringify(body), { scheme, secret: SECRET, clock, id, headers: extra });
  const response = await receiver.receive(delivery);
  return { response, seen };
}

describe("patterns", () => {
  test("exact types, prefix.* and * all run, in registration order; nothing else does", async () => {
    const clock = new FakeClock();
    const order: string[] = [];
    const receiver = createReceiver<Events>({ scheme: vastai, secret: SECRET, clock });
    receiver
      .on("*", () => {
        order.push("*");
      })
      .on("resource.created", () => {
        order.push("exact");
      })
      .on("resource.*", () => {
        order.push("resource.*");
      })
      .on("user.*", () => {
        order.push("user.*");
      })
      .on("resource.deleted", () => {
        order.push("other exact");
      });
    for (const [type, expected] of [
      ["resource.created", ["*", "exact", "resource.*"]],
      ["resourcex.created", ["*"]],
      ["resource", ["*"]],
    ] as const) {
      order.length = 0;
      const body = JSON.stringify({ id: `evt_${type}`, type, data: {} });
      const { headers } = await signedDelivery(body, { scheme: vastai, secret: SECRET, clock });
      expect((await receiver.receive({ headers, body })).status).toBe(200);
      expect(order, type).toEqual(expected);
    }
  });

  test("types flow from the event map into handlers", () => {
    const receiver = createReceiver<Events>({ scheme: vastai, secret: SECRET });
    receiver.on("resource.created", (event) => {
      expectTypeOf(event.type).toEqualTypeOf<"resource.created">();
      expectTypeOf(event.data).toEqualTypeOf<{ name: string }>();
    });
    receiver.on("resource.*", (event) => {
      expectTypeOf(event.type).toEqualTypeOf<"resource.created" | "resource.deleted">();
      if (event.type === "resource.deleted") expectTypeOf(event.data).toEqualTypeOf<{ id: number }>();
    });
    receiver.on("*", (event) => {
      expectTypeOf(event.type).toEqualTypeOf<keyof Events>();
    });
    // @ts-expect-error: not a type of the map, nor a wildcard
    receiver.on("resource.updated", () => {});
    expect(() => receiver.on("" as never, () => {})).toThrow(InvalidOptionError);
    expect(() => receiver.on("*", "nope" as never)).toThrow(InvalidOptionError);
  });
});

describe("each scheme's event conventions", () => {
  test("seeds and Stripe: the body's { id, type, data } envelope", async () => {
    for (const scheme of [vastai, stripe]) {
      const { seen } = await receive(scheme, {
        id: "evt_1",
        type: "invoice.paid",
        data: { object: { amount: 5 } },
        created: 1,
      });
      expect(seen[0]!.event).toMatchObject({ id: "evt_1", type: "invoice.paid", data: { object: { amount: 5 } } });
    }
  });

  test("Standard Webhooks: id from webhook-id, type and data from the body", async () => {
    const { seen } = await receive(
      standardWebhooks,
      { type: "contact.created", timestamp: "2022-11-03T20:26:10Z", data: { id: 1 } },
      {},
      "msg_1",
    );
    expect(seen[0]!.event).toMatchObject({ id: "msg_1", type: "contact.created", data: { id: 1 } });
    expect(seen[0]!.context.delivery).toMatchObject({ scheme: "standard-webhooks", id: "msg_1" });
  });

  test("GitHub: id from x-github-delivery, type from x-github-event and the body's action", async () => {
    const issue = await receive(
      github,
      { action: "opened", issue: { number: 1 } },
      { "x-github-event": "issues" },
      "d-1",
    );
    expect(issue.seen[0]!.event).toMatchObject({ id: "d-1", type: "issues.opened", data: { action: "opened" } });
    const push = await receive(github, { ref: "refs/heads/main" }, { "x-github-event": "push" }, "d-2");
    expect(push.seen[0]!.event).toMatchObject({ id: "d-2", type: "push" });
    const none = await receive(github, { ref: "x" }, {}, "d-3");
    expect([none.response.status, none.seen]).toEqual([400, []]);
  });

  test("Shopify: id from x-shopify-event-id (else the webhook id), type from x-shopify-topic", async () => {
    const withEvent = await receive(
      shopify,
      { id: 820982911946154500 },
      { "x-shopify-topic": "orders/create", "x-shopify-event-id": "e-1" },
      "w-1",
    );
    expect(withEvent.seen[0]!.event).toMatchObject({ id: "e-1", type: "orders/create" });
    const withoutEvent = await receive(shopify, { id: 1 }, { "x-shopify-topic": "orders/create" }, "w-2");
    expect(withoutEvent.seen[0]!.event).toMatchObject({ id: "w-2" });
  });

  test("Slack: id from event_id, type from event.type, attempt from x-slack-retry-num", async () => {
    const body = { type: "event_callback", event_id: "Ev1", event: { type: "app_mention", text: "hi" } };
    const first = await receive(slack, body);
    expect(first.seen[0]!.event).toMatchObject({ id: "Ev1", type: "app_mention", data: { text: "hi" } });
    expect(first.seen[0]!.context.attempt).toBe(1);
    const retry = await receive(slack, body, { "x-slack-retry-num": "2" });
    expect(retry.seen[0]!.context.attempt).toBe(3);
  });

  test("the event option overrides where the id and type are found", async () => {
    const clock = new FakeClock();
    const receiver = createReceiver({
      scheme: vastai,
      secret: SECRET,
      clock,
      event: (body, header) => ({ id: header("x-request-id"), type: (body as { kind: string }).kind, data: body }),
    });
    const types: string[] = [];
    receiver.on("*", (event) => {
      types.push(`${event.id} ${event.type}`);
    });
    const payload = JSON.stringify({ kind: "ping" });
    const { headers } = await signedDelivery(payload, { scheme: vastai, secret: SECRET, clock });
    expect((await receiver.receive({ headers: { ...headers, "x-request-id": "r-1" }, body: payload })).status).toBe(
      200,
    );
    expect(types).toEqual(["r-1 ping"]);
  });
});

describe("a receiver without an event map", () => {
  test("gives handlers string-typed events for exact types and wildcards alike", () => {
    const receiver = createReceiver({ scheme: vastai, secret: SECRET });
    receiver.on("invoice.paid", (event) => {
      expectTypeOf(event.type).toEqualTypeOf<"invoice.paid">();
      expectTypeOf(event.data).toEqualTypeOf<unknown>();
      expectTypeOf(event.id).toEqualTypeOf<string>();
    });
    receiver.on("invoice.*", (event) => {
      expectTypeOf(event.type).toEqualTypeOf<`invoice.${string}`>();
    });
    receiver.on("*", (event) => {
      expectTypeOf(event.type).toEqualTypeOf<string>();
    });
  });
});
