// The README reader's own code, which the snippets call but which is not ours: declared once here.
// Never declare a @hooks/* name here: every use of our API in a README comes from an import in its
// block (readme-snippets.test.ts checks that none of our exports is declared here).

/** Where a handler passes the context's signal on, so the work stops when the lease runs out. */
interface WithSignal {
  signal?: AbortSignal;
}

/** Credits a paid invoice's amount (in the currency's smallest unit) to the reader's customer. */
declare function credit(customer: string, amount: number, currency: string, options?: WithSignal): Promise<void>;
/** Emails the reader's receipt for a Stripe invoice. */
declare function sendReceipt(
  invoice: { id: string; customer_email: string | null; hosted_invoice_url: string | null },
  options?: WithSignal,
): Promise<void>;
/** Writes one line to the reader's audit log. */
declare function auditLog(type: string, id: string): void;
/** Labels and assigns a new GitHub issue in the reader's repository. */
declare function triage(
  repository: string,
  issue: { number: number; title: string },
  options?: WithSignal,
): Promise<void>;
/** Deploys a pushed commit. */
declare function deploy(repository: string, ref: string, sha: string): Promise<void>;
/** Starts fulfilling a Shopify order. */
declare function fulfil(orderId: number, orderName: string): Promise<void>;

/** The reader's signing secret, where a README says "your secret". */
declare const secret: string;
/** The reader's endpoint URL, where a README says "your URL". */
declare const url: string;
