// `hooks send` and `hooks sign` deliver what the provider really sends, to handlers written for the real payloads.
import { execFile } from "node:child_process";
import { createHmac } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { createReceiver, MemoryStore, schemes, verify } from "@hooks/core";
import { describe, expect, test } from "vitest";
import { answering, FIXTURES, hooks, serve } from "./helpers";

const SECRET = "real-payloads-secret";
const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

const githubFixture = join(FIXTURES, "github-issues-opened.json");
const shopifyFixture = join(FIXTURES, "shopify-orders-create.json");
const stripeFixture = join(FIXTURES, "stripe-invoice-paid.json");

/** The little of GitHub's `issues` payload the handler reads, typed as @octokit/webhooks-types has it. */
interface IssuesEvent {
  action: string;
  issue: { number: number; title: string };
  repository: { full_name: string };
}

/** The little of a Shopify order the handler reads: the order is the whole body. */
interface Order {
  id: number;
  name: string;
  total_price: string;
  line_items: { title: string; quantity: number }[];
}

/** Stripe's `event.data`: the invoice is `data.object`. */
interface InvoicePaid {
  object: { id: string; object: string; amount_paid: number; customer: string };
}

function githubReceiver() {
  const seen: { id: string; type: string; number: number; action: string; repository: string }[] = [];
  const receiver = createReceiver<{ "issues.opened": IssuesEvent }>({
    scheme: schemes.github,
    secret: SECRET,
    store: new MemoryStore(),
  });
  receiver.on("issues.opened", (event) => {
    seen.push({
      id: event.id,
      type: event.type,
      number: event.data.issue.number,
      action: event.data.action,
      repository: event.data.repository.full_name,
    });
  });
  return { receiver, seen };
}

describe("github", () => {
  test("--event issues --file <a real issues.opened payload> reaches an issues.opened handler, bytes unchanged", async () => {
    const { receiver, seen } = githubReceiver();
    const { url, requests } = await serve(receiver);
    const run = await hooks(
      ["send", "--scheme", "github", "--event", "issues", "--file", githubFixture, "--url", url],
      {
        HOOKS_SECRET: SECRET,
      },
    );
    expect(run.stdout).toMatch(/^#1 {2}200 processed/m);
    expect(run.code).toBe(0);
    const fixture = JSON.parse(readFileSync(githubFixture, "utf8")) as IssuesEvent;
    const [request] = requests;
    expect(request?.body.equals(readFileSync(githubFixture))).toBe(true);
    expect(request?.headers).toMatchObject({
      "x-github-event": "issues",
      "x-github-delivery": expect.stringMatching(GUID),
      "x-github-hook-id": expect.stringMatching(/^\d+$/),
      "x-hub-signature-256": expect.stringMatching(/^sha256=[0-9a-f]{64}$/),
      "user-agent": expect.stringMatching(/^GitHub-Hookshot\//),
      "content-type": "application/json",
    });
    expect(seen).toEqual([
      {
        id: request?.headers["x-github-delivery"],
        type: "issues.opened",
        number: fixture.issue.number,
        action: "opened",
        repository: fixture.repository.full_name,
      },
    ]);
  });

  test("the built-in sample is a real issues payload: <type> issues.opened sets x-github-event and the action", async () => {
    const { receiver, seen } = githubReceiver();
    const { url, requests } = await serve(receiver);
    const run = await hooks(["send", "issues.opened", "--scheme", "github", "--url", url, "--id", "gh-delivery-1"], {
      HOOKS_SECRET: SECRET,
    });
    expect(run.code).toBe(0);
    expect(requests[0]?.headers["x-github-event"]).toBe("issues");
    expect(seen).toEqual([
      { id: "gh-delivery-1", type: "issues.opened", number: 42, action: "opened", repository: "octo-org/hello-world" },
    ]);
  });

  test("a <type> the body does not say is refused before sending (exit 2)", async () => {
    const { url, requests } = await answering(200, "processed");
    const run = await hooks(["send", "issues.closed", "--scheme", "github", "--file", githubFixture, "--url", url], {
      HOOKS_SECRET: SECRET,
    });
    expect(run.stderr).toContain('this body would be received as type "issues.opened", not "issues.closed"');
    expect(run.code).toBe(2);
    expect(requests).toEqual([]);
  });
});

describe("shopify", () => {
  function shopifyReceiver() {
    const orders: { id: string; type: string; order: number; name: string; total: string; first: string }[] = [];
    const receiver = createReceiver<{ "orders/create": Order }>({
      scheme: schemes.shopify,
      secret: SECRET,
      store: new MemoryStore(),
    });
    receiver.on("orders/create", (event) => {
      const order = event.data;
      orders.push({
        id: event.id,
        type: event.type,
        order: order.id,
        name: order.name,
        total: order.total_price,
        first: order.line_items[0]?.title ?? "",
      });
    });
    return { receiver, orders };
  }

  test("--event orders/create --file <an order> reaches an orders/create handler with the order as the body", async () => {
    const { receiver, orders } = shopifyReceiver();
    const { url, requests } = await serve(receiver);
    const run = await hooks(
      ["send", "--scheme", "shopify", "--event", "orders/create", "--file", shopifyFixture, "--url", url],
      { HOOKS_SECRET: SECRET },
    );
    expect(run.code).toBe(0);
    const [request] = requests;
    expect(request?.body.equals(readFileSync(shopifyFixture))).toBe(true);
    expect(request?.headers).toMatchObject({
      "x-shopify-topic": "orders/create",
      "x-shopify-hmac-sha256": expect.stringMatching(/^[A-Za-z0-9+/]{43}=$/),
      "x-shopify-webhook-id": expect.stringMatching(GUID),
      "x-shopify-event-id": expect.stringMatching(GUID),
      "x-shopify-shop-domain": expect.stringMatching(/\.myshopify\.com$/),
      "x-shopify-api-version": expect.stringMatching(/^\d{4}-\d{2}$/),
      "x-shopify-triggered-at": expect.stringMatching(/^\d{4}-\d{2}-\d{2}T/),
    });
    const fixture = JSON.parse(readFileSync(shopifyFixture, "utf8")) as Order;
    expect(orders).toEqual([
      {
        id: request?.headers["x-shopify-event-id"],
        type: "orders/create",
        order: fixture.id,
        name: fixture.name,
        total: fixture.total_price,
        first: "Linen Tea Towel",
      },
    ]);
  });

  test("the sample order, with <type> as the topic and --id as x-shopify-event-id", async () => {
    const { receiver, orders } = shopifyReceiver();
    const { url } = await serve(receiver);
    const run = await hooks(["send", "orders/create", "--scheme", "shopify", "--url", url, "--id", "shop-evt-1"], {
      HOOKS_SECRET: SECRET,
    });
    expect(run.code).toBe(0);
    expect(orders).toEqual([
      expect.objectContaining({ id: "shop-evt-1", type: "orders/create", name: "#1001", total: "44.00" }),
    ]);
  });
});

describe("stripe", () => {
  function stripeReceiver() {
    const invoices: { id: string; object: string; invoice: string; paid: number; customer: string; body: unknown }[] =
      [];
    const receiver = createReceiver<{ "invoice.paid": InvoicePaid }>({
      scheme: schemes.stripe,
      secret: SECRET,
      store: new MemoryStore(),
    });
    receiver.on("invoice.paid", (event) => {
      const invoice = event.data.object;
      invoices.push({
        id: event.id,
        object: invoice.object,
        invoice: invoice.id,
        paid: invoice.amount_paid,
        customer: invoice.customer,
        body: event.body,
      });
    });
    return { receiver, invoices };
  }

  test("--file <a Stripe event> is sent unchanged and the handler reads event.data.object", async () => {
    const { receiver, invoices } = stripeReceiver();
    const { url, requests } = await serve(receiver);
    const run = await hooks(["send", "--scheme", "stripe", "--file", stripeFixture, "--url", url], {
      HOOKS_SECRET: SECRET,
    });
    expect(run.code).toBe(0);
    expect(requests[0]?.body.equals(readFileSync(stripeFixture))).toBe(true);
    expect(invoices).toEqual([
      expect.objectContaining({
        id: "evt_1R2bXcHooksFixture0001",
        object: "invoice",
        invoice: "in_1R2bXaHooksFixture0001",
        paid: 1900,
      }),
    ]);
  });

  test("the sample is a Stripe event: evt_ id, object event, data.object the invoice, pretty-printed", async () => {
    const { receiver, invoices } = stripeReceiver();
    const { url, requests } = await serve(receiver);
    const run = await hooks(["send", "invoice.paid", "--scheme", "stripe", "--url", url], { HOOKS_SECRET: SECRET });
    expect(run.code).toBe(0);
    const [invoice] = invoices;
    expect(invoice).toMatchObject({ object: "invoice", paid: 2000, customer: expect.stringMatching(/^cus_/) });
    expect(invoice?.id).toMatch(/^evt_[A-Za-z0-9]{24}$/);
    expect(invoice?.body).toMatchObject({
      object: "event",
      api_version: expect.any(String),
      created: expect.any(Number),
      livemode: false,
      pending_webhooks: expect.any(Number),
      request: { id: null, idempotency_key: null },
      type: "invoice.paid",
    });
    expect(Object.keys(invoice?.body as object)).not.toContain("envelope");
    expect(requests[0]?.body.toString("utf8")).toMatch(/^\{\n {2}"id": "evt_/);
    expect(requests[0]?.headers["user-agent"]).toMatch(/^Stripe\//);
  });
});

describe("the seed scheme (vastai, groq)", () => {
  test.each([
    ["vastai", schemes.vastai, "instance.ready"],
    ["groq", schemes.groq, "batch.completed"],
  ] as const)(
    "%s: { id, type, data, created }, signed in x-<provider>-signature over timestamp.body",
    async (name, scheme, type) => {
      const receiver = createReceiver({ scheme, secret: SECRET, store: new MemoryStore() });
      const seen: unknown[] = [];
      receiver.on(type, (event) => {
        seen.push(event.body);
      });
      const { url, requests } = await serve(receiver);
      const run = await hooks(["send", "--scheme", name, "--url", url, "--id", `${name}_evt_1`], {
        HOOKS_SECRET: SECRET,
      });
      expect(run.code).toBe(0);
      const [request] = requests;
      const body = request?.body.toString("utf8") ?? "";
      expect(Object.keys(JSON.parse(body))).toEqual(["id", "type", "data", "created"]);
      expect(seen).toEqual([expect.objectContaining({ id: `${name}_evt_1`, type })]);
      const timestamp = request?.headers[`x-${name}-timestamp`];
      const expected = createHmac("sha256", SECRET).update(`${timestamp}.${body}`).digest("hex");
      expect(request?.headers[`x-${name}-signature`]).toBe(expected);
    },
  );
});

describe("--header", () => {
  test("adds and replaces headers on send, after signing", async () => {
    const { url, requests } = await answering(200, "processed");
    const run = await hooks(
      [
        "send",
        "--scheme",
        "stripe",
        "--url",
        url,
        "--header",
        "X-Request-Id=req-77",
        "--header",
        "user-agent=hooks-test/1.0",
        "--header",
        "x-empty=",
      ],
      { HOOKS_SECRET: SECRET },
    );
    expect(run.code).toBe(0);
    expect(requests[0]?.headers).toMatchObject({
      "x-request-id": "req-77",
      "user-agent": "hooks-test/1.0",
      "x-empty": "",
      "stripe-signature": expect.stringMatching(/^t=\d+,v1=/),
    });
  });

  test("sign shows them in the headers and the curl line", async () => {
    const run = await hooks(["sign", "--scheme", "vastai", "--header", "x-tenant=acme", "--json"], {
      HOOKS_SECRET: SECRET,
    });
    const { headers, curl } = JSON.parse(run.stdout) as { headers: Record<string, string>; curl: string };
    expect(headers["x-tenant"]).toBe("acme");
    expect(curl).toContain("-H 'x-tenant: acme'");
  });
});

describe("hooks sign --file", () => {
  test("prints GitHub's event headers, signatures the core verifies, and a curl line that our receiver accepts", async () => {
    const { receiver, seen } = githubReceiver();
    const { url } = await serve(receiver);
    const run = await hooks(
      ["sign", "--scheme", "github", "--event", "issues", "--file", githubFixture, "--url", url, "--json"],
      { HOOKS_SECRET: SECRET },
    );
    expect(run.code).toBe(0);
    const { headers, curl, type } = JSON.parse(run.stdout) as {
      headers: Record<string, string>;
      curl: string;
      type: string;
    };
    expect(type).toBe("issues.opened");
    const payload = readFileSync(githubFixture);
    await expect(verify({ scheme: schemes.github, secret: SECRET, headers, payload })).resolves.toMatchObject({
      id: headers["x-github-delivery"],
    });
    for (const name of ["x-github-event", "x-github-delivery", "x-github-hook-id", "user-agent", "x-hub-signature-256"])
      expect(curl).toContain(`-H '${name}: ${headers[name]}'`);
    expect(curl).toContain(`--data-binary @'${githubFixture}'`);

    // The printed line, run as is by a shell, is a delivery our receiver processes.
    expect(seen).toEqual([]);
    const output = await new Promise<string>((resolve, reject) =>
      execFile("sh", ["-c", `${curl} --silent --show-error`], (error, stdout) =>
        error ? reject(error) : resolve(stdout),
      ),
    );
    expect(JSON.parse(output)).toMatchObject({ code: "processed" });
    expect(seen).toEqual([expect.objectContaining({ type: "issues.opened", number: 1347 })]);
  });

  test("shopify: the topic and ids are in the headers", async () => {
    const run = await hooks(
      ["sign", "--scheme", "shopify", "--event", "orders/create", "--file", shopifyFixture, "--id", "evt-9", "--json"],
      { HOOKS_SECRET: SECRET },
    );
    const { headers, curl } = JSON.parse(run.stdout) as { headers: Record<string, string>; curl: string };
    expect(headers).toMatchObject({ "x-shopify-topic": "orders/create", "x-shopify-event-id": "evt-9" });
    expect(curl).toContain("-H 'x-shopify-topic: orders/create'");
    expect(curl).toContain(`-H 'x-shopify-webhook-id: ${headers["x-shopify-webhook-id"]}'`);
  });
});
