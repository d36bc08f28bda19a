// The parts of Node's request and response the edge uses: structural, so no `node:` import is needed.

/** What the edge reads of a request: Node's `IncomingMessage` (Express, Next Pages, Fastify's `raw`). */
export interface NodeRequest {
  readonly method?: string | undefined;
  readonly url?: string | undefined;
  readonly headers: Readonly<Record<string, string | readonly string[] | undefined>>;
  /** Node: the whole body has arrived. */
  readonly complete?: boolean | undefined;
  /** Node: something read the stream to its end, or started reading it, before the edge. */
  readonly readableEnded?: boolean | undefined;
  readonly readableDidRead?: boolean | undefined;
  /** Node: the request was destroyed (the client went away) before the edge ran. */
  readonly destroyed?: boolean | undefined;
  /** What body parsers leave: `req.body` (Express, Next), `req.rawBody` (a `verify` hook, Cloud Functions). */
  readonly body?: unknown;
  readonly rawBody?: unknown;
  on(event: string, listener: (...args: never[]) => void): unknown;
  removeListener(event: string, listener: (...args: never[]) => void): unknown;
  resume?(): unknown;
  /** Node: ends the request and its connection (for a body that never ends after the answer). */
  destroy?(): unknown;
}

/** What the edge writes of a response: Node's `ServerResponse`. */
export interface NodeResponse {
  statusCode: number;
  readonly headersSent?: boolean | undefined;
  readonly writableEnded?: boolean | undefined;
  readonly destroyed?: boolean | undefined;
  setHeader(name: string, value: string): unknown;
  end(body?: string): unknown;
}

/** What the edge needs of a receiver: its limits, and a way to hand it the delivery. */
export interface NodeLimits {
  /** Bodies larger than this are refused (413) having read at most this and one chunk more. */
  readonly maxBodyBytes: number;
  /** The whole body must arrive within this, from when reading starts (408 past it). */
  readonly bodyTimeoutMs: number;
}
