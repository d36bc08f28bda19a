// RedisStore: the idempotency store of @hooks/core on an ioredis or node-redis client, one Lua step per state change.
import { createHash, randomUUID } from "node:crypto";
import { type ClaimResult, type IdempotencyStore, InvalidOptionError, StoreUnavailableError } from "@hooks/core";

/** An ioredis client (`new Redis()` or `new Redis.Cluster()`), as far as this store uses it. */
export interface IoredisLike {
  evalsha(sha: string, numkeys: number, ...args: string[]): Promise<unknown>;
  eval(script: string, numkeys: number, ...args: string[]): Promise<unknown>;
  call(command: string, ...args: string[]): Promise<unknown>;
}

/** A node-redis v4/v5 client (`createClient()` or `createCluster()`), as far as this store uses it. */
export interface NodeRedisLike {
  evalSha(sha: string, options: { keys: string[]; arguments: string[] }): Promise<unknown>;
  eval(script: string, options: { keys: string[]; arguments: string[] }): Promise<unknown>;
}

/** Where warnings go. */
export interface Logger {
  warn(message: string): void;
}

export interface RedisStoreOptions {
  /** Prepended to every event key, e.g. to share one Redis between apps. Default `"hooks:idempotency:"`. */
  readonly prefix?: string;
  /** How long one Redis call may take before the store gives up and the receiver answers 503. Default 2000 ms. */
  readonly timeoutMs?: number;
  /** Where the maxmemory-policy warning goes. Default `console`. */
  readonly logger?: Logger;
}

// One hash per event: `f` the payload fingerprint, `t` the owner's token while leased (absent once
// completed); the key's PX expiry is the lease, then the retention. An expired lease is simply gone,
// so a stale owner finds no token and can neither complete nor release.
// claim answers 0 acquired, -1 completed, -2 fingerprint mismatch, or the lease's PTTL (≥ 1) in progress.
const CLAIM = `
local v = redis.call('HMGET', KEYS[1], 'f', 't')
if not v[1] then
  redis.call('HSET', KEYS[1], 'f', ARGV[1], 't', ARGV[2])
  redis.call('PEXPIRE', KEYS[1], ARGV[3])
  return 0
end
if v[1] ~= ARGV[1] then return -2 end
if not v[2] then return -1 end
local ttl = redis.call('PTTL', KEYS[1])
if ttl < 1 then return 1 end
return ttl`;

const COMPLETE = `
if redis.call('HGET', KEYS[1], 't') ~= ARGV[1] then return 0 end
redis.call('HDEL', KEYS[1], 't')
redis.call('PEXPIRE', KEYS[1], ARGV[2])
return 1`;

const RELEASE = `
if redis.call('HGET', KEYS[1], 't') ~= ARGV[1] then return 0 end
redis.call('DEL', KEYS[1])
return 1`;

interface Script {
  readonly source: string;
  readonly sha: string;
}

const script = (source: string): Script => ({ source, sha: createHash("sha1").update(source).digest("hex") });
const scripts = { claim: script(CLAIM), complete: script(COMPLETE), release: script(RELEASE) };

type Run = (s: Script, key: string, args: string[]) => Promise<unknown>;

const isNoScript = (error: unknown) => error instanceof Error && error.message.startsWith("NOSCRIPT");

/** Runs scripts by EVALSHA, sending the source with EVAL only when the server does not know it yet. */
function runnerFor(client: IoredisLike | NodeRedisLike): { run: Run; config: () => Promise<unknown> } {
  if ("evalSha" in client && typeof client.evalSha === "function") {
    const c = client as NodeRedisLike & { configGet?: (name: string) => Promise<unknown> };
    return {
      run: (s, key, args) =>
        c.evalSha(s.sha, { keys: [key], arguments: args }).catch((error: unknown) => {
          if (isNoScript(error)) return c.eval(s.source, { keys: [key], arguments: args });
          throw error;
        }),
      config: async () => {
        if (typeof c.configGet !== "function") throw new Error("this client has no configGet (a cluster?)");
        return c.configGet("maxmemory-policy");
      },
    };
  }
  if ("evalsha" in client && typeof client.evalsha === "function") {
    const c = client as IoredisLike;
    return {
      run: (s, key, args) =>
        c.evalsha(s.sha, 1, key, ...args).catch((error: unknown) => {
          if (isNoScript(error)) return c.eval(s.source, 1, key, ...args);
          throw error;
        }),
      config: () => c.call("CONFIG", "GET", "maxmemory-policy"),
    };
  }
  throw new InvalidOptionError(
    "client",
    "RedisStore needs an ioredis client (new Redis()) or a node-redis client (createClient())",
  );
}

/** The policy from CONFIG GET's answer: ["maxmemory-policy", "x"], { "maxmemory-policy": "x" } or a Map. */
function policyOf(reply: unknown): string | undefined {
  let value: unknown;
  if (Array.isArray(reply)) value = reply[1];
  else if (reply instanceof Map) value = reply.get("maxmemory-policy");
  else if (reply && typeof reply === "object") value = (reply as Record<string, unknown>)["maxmemory-policy"];
  return typeof value === "string" ? value : undefined;
}

/**
 * Remembers event ids in Redis, so several processes or machines handle each event exactly once.
 * Works on the client you already have: ioredis (also Cluster) or node-redis v4/v5 (connected).
 * One key per event, so it is Cluster-safe; every state change is one Lua script.
 *
 * When Redis is unreachable or a call takes longer than `timeoutMs`, the store throws
 * `StoreUnavailableError` and the receiver answers 503, so the sender retries later. A client that
 * is neither, or a `timeoutMs` that is not a positive number, throws `InvalidOptionError` (code
 * `invalid_option`, `option` `"client"` or `"timeoutMs"`).
 *
 * @example
 * const store = new RedisStore(new Redis(process.env.REDIS_URL));
 * await store.check(); // warns unless maxmemory-policy is noeviction
 * const receiver = createReceiver({ scheme: schemes.stripe, secret, store });
 */
export class RedisStore implements IdempotencyStore {
  readonly #run: Run;
  readonly #config: () => Promise<unknown>;
  readonly #prefix: string;
  readonly #timeoutMs: number;
  readonly #logger: Logger;
  #checked: Promise<string | undefined> | undefined;

  constructor(client: IoredisLike | NodeRedisLike, options: RedisStoreOptions = {}) {
    if (typeof client !== "object" || client === null)
      throw new InvalidOptionError(
        "client",
        "RedisStore needs an ioredis client (new Redis()) or a node-redis client (createClient())",
      );
    ({ run: this.#run, config: this.#config } = runnerFor(client));
    this.#prefix = options.prefix ?? "hooks:idempotency:";
    const timeoutMs = options.timeoutMs ?? 2000;
    if (!(timeoutMs > 0 && Number.isFinite(timeoutMs)))
      throw new InvalidOptionError("timeoutMs", "timeoutMs must be a positive number of milliseconds, e.g. 2000");
    this.#timeoutMs = timeoutMs;
    this.#logger = options.logger ?? console;
  }

  /**
   * Reads Redis's `maxmemory-policy` and warns unless it is `noeviction`: an evicting Redis may drop
   * a lease or a completed id, and the event then runs twice. Runs once; also started by the first claim.
   * Resolves to the policy, or undefined when it cannot be read (e.g. CONFIG is disabled), never rejects.
   */
  check(): Promise<string | undefined> {
    this.#checked ??= this.#call(this.#config).then(
      (reply) => {
        const policy = policyOf(reply);
        if (policy !== undefined && policy !== "noeviction") {
          this.#logger.warn(
            `@hooks/redis: Redis maxmemory-policy is "${policy}": when memory fills up Redis may evict leases and completed event ids, and those events then run twice. Set maxmemory-policy to noeviction (CONFIG SET maxmemory-policy noeviction, or in redis.conf), or use a Redis instance of its own for idempotency.`,
          );
        }
        return policy;
      },
      (error: Error) => {
        const reason = error.cause instanceof Error ? error.cause.message : error.message;
        this.#logger.warn(
          `@hooks/redis: could not read Redis maxmemory-policy (${reason}); make sure it is noeviction, or events may run twice when memory fills up.`,
        );
        return undefined;
      },
    );
    return this.#checked;
  }

  async claim({ key, fingerprint, leaseMs }: Parameters<IdempotencyStore["claim"]>[0]): Promise<ClaimResult> {
    void this.check();
    const token = randomUUID();
    // A claim given up on may still run later (clients queue commands while reconnecting): if it
    // acquires then, nobody would hold that lease, so its token releases it at once.
    const abandoned = (answer: unknown) => {
      if (Number(answer) === 0) this.release({ key, token }).catch(() => {});
    };
    const args = [fingerprint, token, String(Math.ceil(leaseMs))];
    const answer = await this.#script(scripts.claim, key, args, abandoned);
    if (answer === 0) return { status: "acquired", token };
    if (answer === -1) return { status: "completed" };
    if (answer === -2) return { status: "fingerprint_mismatch" };
    return { status: "in_progress", retryAfterMs: answer };
  }

  async complete({ key, token, retentionMs }: Parameters<IdempotencyStore["complete"]>[0]): Promise<boolean> {
    return (await this.#script(scripts.complete, key, [token, String(Math.ceil(retentionMs))])) === 1;
  }

  async release({ key, token }: Parameters<IdempotencyStore["release"]>[0]): Promise<boolean> {
    return (await this.#script(scripts.release, key, [token])) === 1;
  }

  async #script(s: Script, key: string, args: string[], abandoned?: (answer: unknown) => void): Promise<number> {
    const answer = Number(await this.#call(() => this.#run(s, this.#prefix + key, args), abandoned));
    if (!Number.isInteger(answer)) throw new StoreUnavailableError("@hooks/redis: unexpected reply from Redis");
    return answer;
  }

  /**
   * Settles with the call, or with StoreUnavailableError when it fails or outlasts timeoutMs; a
   * value that arrives after the timeout goes to `abandoned`.
   */
  #call<T>(send: () => Promise<T>, abandoned?: (value: T) => void): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      // A client that throws instead of rejecting (e.g. node-redis when never connected) is unavailable too.
      const pending = new Promise<T>((sent) => sent(send()));
      let timedOut = false;
      const timer = setTimeout(() => {
        timedOut = true;
        reject(new StoreUnavailableError(`@hooks/redis: Redis did not answer within ${this.#timeoutMs} ms`));
      }, this.#timeoutMs);
      timer.unref?.();
      pending.then(
        (value) => {
          clearTimeout(timer);
          if (timedOut) abandoned?.(value);
          resolve(value);
        },
        (error: unknown) => {
          clearTimeout(timer);
          reject(
            error instanceof StoreUnavailableError
              ? error
              : new StoreUnavailableError(`@hooks/redis: ${(error as Error)?.message ?? String(error)}`, {
                  cause: error,
                }),
          );
        },
      );
    });
  }
}
