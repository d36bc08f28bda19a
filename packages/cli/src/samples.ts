// Small, realistic sample events, one per provider: what `hooks sign`/`send` send when given no body.

/** A sample event: the receiver's type for it and what a handler gets as `event.data`. */
export interface Sample {
  readonly type: string;
  /** `event.data` as our receiver hands it over; built from `created` so the body is a pure function of it. */
  readonly data: (created: number) => unknown;
}

const iso = (unixSeconds: number) => new Date(unixSeconds * 1000).toISOString().replace(/\.\d{3}Z$/, "Z");

const octocat = { login: "octocat", id: 583231, node_id: "MDQ6VXNlcjU4MzIzMQ==", type: "User", site_admin: false };

/** GitHub `issues` with action `opened`: the issue, the repository and the sender, as GitHub sends them. */
const githubIssueOpened: Sample = {
  type: "issues.opened",
  data: (created) => ({
    action: "opened",
    issue: {
      url: "https://api.github.com/repos/octo-org/hello-world/issues/42",
      html_url: "https://github.com/octo-org/hello-world/issues/42",
      id: 2894051171,
      node_id: "I_kwDOLqW3wM6shY9j",
      number: 42,
      title: "Webhook deliveries are retried after a 500",
      user: octocat,
      labels: [{ id: 6723345381, name: "bug", color: "d73a4a", default: true }],
      state: "open",
      locked: false,
      assignee: null,
      assignees: [],
      comments: 0,
      created_at: iso(created),
      updated_at: iso(created),
      closed_at: null,
      author_association: "OWNER",
      body: "The handler throws on a missing field, so every retry fails the same way.",
    },
    repository: {
      id: 781326272,
      node_id: "R_kgDOLqW3wA",
      name: "hello-world",
      full_name: "octo-org/hello-world",
      private: false,
      owner: { login: "octo-org", id: 9919, node_id: "MDEyOk9yZ2FuaXphdGlvbjk5MTk=", type: "Organization" },
      html_url: "https://github.com/octo-org/hello-world",
      default_branch: "main",
    },
    organization: { login: "octo-org", id: 9919, node_id: "MDEyOk9yZ2FuaXphdGlvbjk5MTk=" },
    sender: octocat,
  }),
};

/** Shopify `orders/create`: the order itself is the body. */
const shopifyOrderCreated: Sample = {
  type: "orders/create",
  data: (created) => ({
    id: 5837264091234,
    admin_graphql_api_id: "gid://shopify/Order/5837264091234",
    name: "#1001",
    order_number: 1001,
    email: "jon@example.com",
    created_at: iso(created).replace("Z", "+00:00"),
    currency: "USD",
    financial_status: "paid",
    fulfillment_status: null,
    subtotal_price: "39.00",
    total_tax: "5.00",
    total_price: "44.00",
    test: false,
    line_items: [
      {
        id: 14371929620578,
        product_id: 8091204501602,
        variant_id: 44129835106402,
        title: "Organic Cotton T-Shirt",
        sku: "TS-ORG-M",
        quantity: 1,
        price: "39.00",
      },
    ],
    customer: { id: 7220184268898, email: "jon@example.com", first_name: "Jon", last_name: "Doe" },
  }),
};

/** Stripe `invoice.paid`: `event.data` is `{ object: <the invoice> }`. */
const stripeInvoicePaid: Sample = {
  type: "invoice.paid",
  data: (created) => ({
    object: {
      id: "in_1QhooksSampleInvoice01",
      object: "invoice",
      amount_due: 2000,
      amount_paid: 2000,
      amount_remaining: 0,
      attempt_count: 1,
      billing_reason: "subscription_cycle",
      collection_method: "charge_automatically",
      created,
      currency: "usd",
      customer: "cus_QhooksSample01",
      customer_email: "jenny@example.com",
      livemode: false,
      number: "HOOKS-0001",
      status: "paid",
      total: 2000,
    },
  }),
};

/** Slack Events API `app_mention`: `event.data` is the inner event. */
const slackAppMention: Sample = {
  type: "app_mention",
  data: (created) => ({
    user: "U0HOOKS01",
    text: "<@U0HOOKS02> is the deploy done?",
    ts: `${created}.000100`,
    channel: "C0HOOKS01",
  }),
};

export const samples: Record<string, Sample> = {
  github: githubIssueOpened,
  shopify: shopifyOrderCreated,
  stripe: stripeInvoicePaid,
  slack: slackAppMention,
  vastai: {
    type: "instance.ready",
    data: () => ({ instance_id: 9182736, gpu_name: "RTX 4090", num_gpus: 1, status: "running" }),
  },
  groq: {
    type: "batch.completed",
    data: () => ({
      batch_id: "batch_01jhookssample0000000000",
      status: "completed",
      request_counts: { total: 100, completed: 99, failed: 1 },
    }),
  },
  "standard-webhooks": {
    type: "user.created",
    data: () => ({ id: "user_2hooksSample01", email: "ada@example.com" }),
  },
};
