// The one Redis lifecycle of the repo's tests: make sure the shared Redis answers (starting it when
// redis-server is installed), and private redis-servers on free ports for fault tests.
// Plain Node ESM with no dependencies, so `.ci/run` can run it before `pnpm install`:
//   node packages/test-utils/src/redis.mjs
// The shared Redis is never flushed or stopped here: tests isolate themselves with key prefixes, or
// start a private server.
import { execFileSync, spawn } from "node:child_process";
import { realpathSync } from "node:fs";
import { connect, createServer } from "node:net";
import { fileURLToPath } from "node:url";

/** Where the shared Redis is: REDIS_URL, else 127.0.0.1:6379 (an empty REDIS_URL counts as unset). */
export const redisUrl = process.env.REDIS_URL || "redis://127.0.0.1:6379";

const INSTALL = "apt-get install redis-server (or brew install redis), or set REDIS_URL to a running Redis";
const delay = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * True when a Redis at host:port answers a PING. A server that wants a password (`-NOAUTH`) is up
 * too: the clients under test authenticate with what REDIS_URL says.
 */
export function ping(host, port, timeoutMs = 1000) {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    const done = (ok) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.on("error", () => done(false));
    socket.on("connect", () => socket.write("PING\r\n"));
    socket.on("data", (data) => done(/^(\+PONG|-NOAUTH)/.test(data.toString("latin1"))));
  });
}

/** The process id of the redis-server at 127.0.0.1:port (INFO server), or undefined. */
function serverPid(port) {
  return new Promise((resolve) => {
    const socket = connect({ host: "127.0.0.1", port });
    let text = "";
    const done = (pid) => {
      socket.destroy();
      resolve(pid);
    };
    socket.setTimeout(1000, () => done(undefined));
    socket.on("error", () => done(undefined));
    socket.on("connect", () => socket.write("INFO server\r\n"));
    socket.on("data", (data) => {
      text += data.toString("latin1");
      const pid = /process_id:(\d+)\r\n/.exec(text)?.[1];
      if (pid !== undefined) done(Number(pid));
      else if (text.startsWith("-")) done(undefined);
    });
  });
}

/** A TCP port on 127.0.0.1 that nothing listens on right now. */
export function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.on("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() =>
        typeof address === "object" && address ? resolve(address.port) : reject(new Error("no free port")),
      );
    });
  });
}

/** Polls `check` every 100 ms until it holds; false after `attempts` tries. */
async function poll(check, attempts = 50) {
  for (let i = 0; i < attempts; i++) {
    if (await check()) return true;
    await delay(100);
  }
  return false;
}

/** Whether `redis-server` can be started from this PATH. */
function hasRedisServer() {
  try {
    execFileSync("redis-server", ["--version"], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}

/**
 * Makes sure a Redis answers at `redisUrl` (REDIS_URL or 127.0.0.1:6379). When the local one is
 * down and redis-server is installed, starts it (daemonized, no persistence) and waits for it;
 * otherwise throws an error that says how to install it or where to point REDIS_URL.
 */
export async function ensureRedis() {
  const url = new URL(redisUrl);
  const host = url.hostname;
  const port = Number(url.port || 6379);
  if (await ping(host, port)) return;
  if (!["127.0.0.1", "localhost"].includes(host)) {
    throw new Error(
      `the Redis tests (@hooks/redis, @hooks/bullmq, hooks dead-letters): no Redis answers at ${redisUrl}. Start it, or unset REDIS_URL to use 127.0.0.1:6379.`,
    );
  }
  if (!hasRedisServer()) {
    throw new Error(
      `the Redis tests (@hooks/redis, @hooks/bullmq, hooks dead-letters) need a Redis at ${redisUrl}, and redis-server is not installed: ${INSTALL}.`,
    );
  }
  execFileSync("redis-server", [
    "--daemonize",
    "yes",
    "--port",
    String(port),
    "--bind",
    "127.0.0.1",
    "--save",
    "",
    "--appendonly",
    "no",
  ]);
  if (!(await poll(() => ping(host, port)))) {
    throw new Error(`the Redis tests: started redis-server on port ${port}, but it does not answer PING.`);
  }
}

/**
 * Starts a private, non-persistent redis-server on 127.0.0.1 (on `port`, else a free one) as a child
 * of this process, and waits until it answers. `args` go after the defaults (cluster mode, --dir…).
 * The server is the test's own: stop it, kill it or pause it (SIGSTOP) at will.
 */
export async function startRedisServer({ port, args = [] } = {}) {
  const chosen = port ?? (await freePort());
  const child = spawn(
    "redis-server",
    ["--port", String(chosen), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", ...args],
    { stdio: "ignore" },
  );
  // An exited child must not keep the test process alive, nor a crash of it go unseen.
  child.unref();
  const spawned = await new Promise((resolve) => {
    child.once("spawn", () => resolve(undefined));
    child.once("error", (error) => resolve(error));
  });
  if (spawned) {
    throw new Error(`cannot start redis-server (${spawned.message}): ${INSTALL}.`);
  }
  const exited = () => child.exitCode !== null || child.signalCode !== null;
  // Up when the server on the port is this very process: another one there means the port was taken.
  if (!(await poll(async () => exited() || (await serverPid(chosen)) === child.pid))) {
    child.kill("SIGKILL");
    throw new Error(`redis-server on port ${chosen} does not answer`);
  }
  if (exited()) throw new Error(`redis-server on port ${chosen} exited at start (is the port taken?)`);
  const pid = child.pid;
  return {
    port: chosen,
    url: `redis://127.0.0.1:${chosen}`,
    pid,
    /** Stops the server (SIGTERM: redis-server shuts down, saving nothing) and waits until it is gone. */
    async stop() {
      if (exited()) return;
      process.kill(pid, "SIGCONT"); // a paused server cannot handle SIGTERM
      process.kill(pid, "SIGTERM");
      if (!(await poll(async () => exited())) && !exited()) {
        child.kill("SIGKILL");
        if (!(await poll(async () => exited()))) throw new Error(`redis-server on port ${chosen} does not stop`);
      }
    },
    /** Kills the server at once, as a crash would (SIGKILL by default), and waits until it is gone. */
    async kill(signal = "SIGKILL") {
      if (exited()) return;
      process.kill(pid, signal);
      if (!(await poll(async () => exited()))) throw new Error(`redis-server on port ${chosen} survived ${signal}`);
    },
    /** Freezes the process (SIGSTOP): connections stay open and nothing answers. */
    pause() {
      process.kill(pid, "SIGSTOP");
    },
    /** Lets a paused server run again (SIGCONT). */
    resume() {
      process.kill(pid, "SIGCONT");
    },
  };
}

// `node packages/test-utils/src/redis.mjs`: ensure the shared Redis, say where it is, exit 0; else say
// what to install and exit 1.
if (process.argv[1] && realpathSync(process.argv[1]) === realpathSync(fileURLToPath(import.meta.url))) {
  ensureRedis().then(
    () => console.log(`redis: answering at ${redisUrl}`),
    (error) => {
      console.error(error.message);
      process.exitCode = 1;
    },
  );
}
