// Test helpers: where Redis is, a raw PING, private redis-servers for fault tests, free ports.
import { execFileSync } from "node:child_process";
import { connect, createServer } from "node:net";

export const redisUrl = process.env.REDIS_URL ?? "redis://127.0.0.1:6379";

/** True when something at host:port answers PING with PONG. */
export function ping(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(1000, () => done(false));
    socket.on("error", () => done(false));
    socket.on("connect", () => socket.write("PING\r\n"));
    socket.on("data", (data) => done(data.toString().startsWith("+PONG")));
  });
}

/** A TCP port nothing listens on right now. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() =>
        typeof address === "object" && address ? resolve(address.port) : reject(new Error("no port")),
      );
    });
  });
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Starts a private, non-persistent redis-server on `port` and waits until it answers. */
export async function startRedis(port: number, ...extra: string[]): Promise<void> {
  execFileSync("redis-server", [
    "--port",
    String(port),
    "--bind",
    "127.0.0.1",
    "--save",
    "",
    "--appendonly",
    "no",
    "--daemonize",
    "yes",
    ...extra,
  ]);
  for (let i = 0; i < 50; i++) {
    if (await ping("127.0.0.1", port)) return;
    await sleep(100);
  }
  throw new Error(`redis-server on port ${port} does not answer`);
}

/** Stops the private redis-server on `port` (SHUTDOWN NOSAVE) and waits until it is gone. */
export async function stopRedis(port: number): Promise<void> {
  try {
    execFileSync("redis-cli", ["-p", String(port), "shutdown", "nosave"], { stdio: "ignore" });
  } catch {
    // Already gone: redis-cli reports the closed connection as an error.
  }
  for (let i = 0; i < 50; i++) {
    if (!(await ping("127.0.0.1", port))) return;
    await sleep(100);
  }
  throw new Error(`redis-server on port ${port} does not stop`);
}
