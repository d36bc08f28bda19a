// Builds each test app once per run, before any test file starts one (next.test.ts and
// conformance.test.ts share the builds): `next build` with no webhook secret in the environment.
// HOOKS_NEXT_REUSE_BUILD=1 starts the last builds instead, when only test files changed.
import { buildApp, installedNext, VERSIONS } from "./next-app";

export default async function setup(): Promise<void> {
  for (const { major, dir } of VERSIONS) {
    const version = installedNext(dir);
    if (Number(version.split(".")[0]) !== major) throw new Error(`${dir} has Next ${version}, not Next ${major}`);
    // One at a time: a build keeps every core busy.
    if (process.env.HOOKS_NEXT_REUSE_BUILD !== "1") await buildApp(dir);
  }
}
