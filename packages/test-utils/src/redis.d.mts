// Types of redis.mjs (plain JavaScript so that .ci/run can run it before anything is installed).

/** Where the shared Redis is: REDIS_URL, else redis://127.0.0.1:6379 (an empty REDIS_URL counts as unset). */
export declare const redisUrl: string;

/** True when a Redis at host:port answers a PING (or asks for a password). */
export declare function ping(host: string, port: number, timeoutMs?: number): Promise<boolean>;

/** A TCP port on 127.0.0.1 that nothing listens on right now. */
export declare function freePort(): Promise<number>;

/**
 * Makes sure a Redis answers at `redisUrl`. When the local one is down and redis-server is
 * installed, starts it (daemonized, no persistence) and waits for it; otherwise throws an error
 * saying how to install it (`apt-get install redis-server`) or to set REDIS_URL.
 *
 * @example
 * // test/global-setup.ts of a package whose tests need Redis
 * export default () => ensureRedis();
 */
export declare function ensureRedis(): Promise<void>;

/** A private redis-server started by {@link startRedisServer}. */
export interface RedisServer {
  readonly port: number;
  /** `redis://127.0.0.1:<port>` */
  readonly url: string;
  readonly pid: number;
  /** Stops it (SIGTERM, nothing saved) and waits until it is gone; resumes a paused one first. */
  stop(): Promise<void>;
  /** Kills it at once (SIGKILL unless told) and waits until it is gone. */
  kill(signal?: NodeJS.Signals): Promise<void>;
  /** Freezes the process (SIGSTOP): connections stay open and nothing answers. */
  pause(): void;
  /** Lets a paused server run again (SIGCONT). */
  resume(): void;
}

export interface RedisServerOptions {
  /** Default: a free port. */
  readonly port?: number;
  /** Extra redis-server arguments after the defaults, e.g. `["--cluster-enabled", "yes"]`. */
  readonly args?: readonly string[];
}

/**
 * Starts a private, non-persistent redis-server on 127.0.0.1 as a child of this process and waits
 * until it answers. For fault tests: the shared Redis is never stopped or paused.
 *
 * @example
 * const server = await startRedisServer();
 * const redis = new Redis(server.url);
 * // …
 * await server.stop();
 */
export declare function startRedisServer(options?: RedisServerOptions): Promise<RedisServer>;
