// The contract on a real three-node Redis Cluster, through ioredis's Cluster and node-redis's createCluster.
import { execFileSync } from "node:child_process";
import { randomUUID } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { idempotencyStoreContract } from "@hooks/core/testing";
import { sleep } from "@hooks/test-utils";
import { freePort, type RedisServer, startRedisServer } from "@hooks/test-utils/redis";
import { Cluster } from "ioredis";
import { createCluster } from "redis";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { type IoredisLike, type NodeRedisLike, RedisStore } from "../src/index";

const dir = mkdtempSync(join(tmpdir(), "hooks-redis-cluster-"));
const ports: number[] = [];
const servers: RedisServer[] = [];
let ioCluster: Cluster;
let nodeCluster: ReturnType<typeof createCluster>;

beforeAll(async () => {
  for (let i = 0; i < 3; i++) {
    const port = await freePort();
    servers.push(
      await startRedisServer({
        port,
        args: ["--cluster-enabled", "yes", "--cluster-config-file", `nodes-${port}.conf`, "--dir", dir],
      }),
    );
    ports.push(port);
  }
  execFileSync(
    "redis-cli",
    ["--cluster", "create", ...ports.map((p) => `127.0.0.1:${p}`), "--cluster-replicas", "0", "--cluster-yes"],
    {
      stdio: "ignore",
    },
  );
  for (let i = 0; i < 100; i++) {
    const info = execFileSync("redis-cli", ["-p", String(ports[0]), "cluster", "info"]).toString();
    if (info.includes("cluster_state:ok")) break;
    await sleep(100);
  }
  ioCluster = new Cluster(ports.map((port) => ({ host: "127.0.0.1", port })));
  nodeCluster = createCluster({ rootNodes: ports.map((port) => ({ url: `redis://127.0.0.1:${port}` })) });
  await nodeCluster.connect();
});

afterAll(async () => {
  await ioCluster?.quit();
  await nodeCluster?.quit();
  for (const server of servers) await server.stop();
  rmSync(dir, { recursive: true, force: true });
});

const clients: [string, () => IoredisLike | NodeRedisLike][] = [
  ["ioredis Cluster", () => ioCluster],
  ["node-redis createCluster", () => nodeCluster],
];

for (const [name, client] of clients) {
  describe(`RedisStore on ${name}`, () => {
    for (const contractCase of idempotencyStoreContract) {
      test(contractCase.name, () =>
        contractCase.run({
          store: new RedisStore(client(), { logger: { warn: () => {} } }),
          wait: sleep,
          key: (k) => `${randomUUID()}:${k}`,
        }),
      );
    }
  });
}

test("check() reads maxmemory-policy through ioredis Cluster", async () => {
  expect(await new RedisStore(ioCluster).check()).toBe("noeviction");
});
