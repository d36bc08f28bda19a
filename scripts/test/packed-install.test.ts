// The tarballs `pnpm pack` makes, installed by npm into a fresh app outside the repo: every one ships
// the LICENSE, and an app with every adapter, engine and the CLI ends up with exactly one @hooks/core.
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, realpathSync, rmSync, statSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { isAbsolute, join, relative } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { type Manifest, pinnedDevVersion, publishedPackages, root } from "../release/packages.ts";
import { testEnv } from "../tools.mjs";

const published = publishedPackages();

/**
 * What the app installs from the registry next to our tarballs, at the versions the workspace tests
 * with: every required peer of a published package, the Redis client @hooks/redis is used with (both
 * clients are optional peers) and Next's own peers. Next is the bulk of the install (~10 s with a warm
 * npm cache) and stays in: it is one of the adapters that used to bring its own core.
 */
const registryPackages = [
  ...new Set([...published.flatMap(({ manifest }) => requiredPeers(manifest)), "ioredis", "react", "react-dom"]),
]
  .sort()
  .map((name) => `${name}@${pinnedDevVersion(name)}`);

interface Packed {
  readonly name: string;
  readonly tarball: string;
  readonly files: readonly string[];
}

let work = "";
let app = "";
let packed: Packed[] = [];

beforeAll(() => {
  for (const { name, dir } of published) {
    if (!existsSync(join(root, dir, "dist"))) throw new Error(`${name}: ${dir}/dist is missing: run pnpm build first`);
  }
  work = mkdtempSync(join(tmpdir(), "hooks-packed-"));
  const fromRoot = relative(root, work);
  if (!fromRoot.startsWith("..") && !isAbsolute(fromRoot)) throw new Error(`${work} is inside the repository`);
  packed = published.map(({ name, dir }) => {
    // pnpm (not npm) packs: it replaces workspace: ranges with real versions, as `changeset publish` does.
    const pack = spawnSync("pnpm", ["pack", "--pack-destination", work, "--json"], {
      cwd: join(root, dir),
      env: testEnv(),
      encoding: "utf8",
    });
    if (pack.status !== 0) throw new Error(`pnpm pack in ${dir} failed:\n${pack.stdout}\n${pack.stderr}`);
    const report = JSON.parse(pack.stdout) as { filename: string; files: { path: string }[] };
    return { name, tarball: report.filename, files: report.files.map(({ path }) => path) };
  });

  app = join(work, "app");
  mkdirSync(app);
  npm(["init", "-y"], app);
  // --omit=optional skips Next's native compiler and image binaries (hundreds of MB, unused here);
  // --ignore-scripts: nothing here needs an install script.
  npm(
    [
      "install",
      "--no-audit",
      "--no-fund",
      "--ignore-scripts",
      "--omit=optional",
      "--prefer-offline",
      "--loglevel=error",
      ...packed.map(({ tarball }) => tarball),
      ...registryPackages,
    ],
    app,
  );
}, 300_000);

afterAll(() => {
  if (work !== "") rmSync(work, { recursive: true, force: true });
});

describe("the packed tarballs", () => {
  test("every published package is packed and installed", () => {
    expect(packed.map(({ name }) => name)).toEqual(published.map(({ name }) => name));
    for (const { name } of published)
      expect(existsSync(join(app, "node_modules", name, "package.json")), name).toBe(true);
  });

  test.each(published)("$name's tarball ships LICENSE, identical to the repository's", ({ name }) => {
    expect(packed.find((pack) => pack.name === name)?.files).toContain("LICENSE");
    const installed = join(app, "node_modules", name, "LICENSE");
    expect(readFileSync(installed, "utf8")).toBe(readFileSync(join(root, "LICENSE"), "utf8"));
  });

  test.each(published)("$name's packed manifest has no workspace: range left", ({ name }) => {
    expect(readFileSync(join(app, "node_modules", name, "package.json"), "utf8")).not.toContain("workspace:");
  });
});

describe("an app with every @hooks package installed by npm", () => {
  test("has exactly one @hooks/core in node_modules", () => {
    const copies = installedCopies(join(app, "node_modules"), "@hooks/core").map((dir) => relative(app, dir));
    expect(copies).toEqual([join("node_modules", "@hooks", "core")]);
  });

  test.each(published.filter(({ name }) => name !== "@hooks/core"))(
    "$name resolves the app's @hooks/core",
    ({ name }) => {
      const fromPackage = createRequire(join(app, "node_modules", name, "package.json"));
      expect(realpathSync(fromPackage.resolve("@hooks/core/package.json"))).toBe(
        realpathSync(join(app, "node_modules", "@hooks", "core", "package.json")),
      );
    },
  );

  test("npm finds no missing or invalid dependency, peers included", () => {
    const ls = npm(["ls", "--all", "--omit=optional"], app, { check: false });
    expect(ls.status, ls.stdout + ls.stderr).toBe(0);
  });

  test("the installed hooks command runs on it", () => {
    const cli = published.find(({ name }) => name === "@hooks/cli");
    expect(cli).toBeDefined();
    const run = spawnSync(join(app, "node_modules", ".bin", "hooks"), ["--version"], { cwd: app, encoding: "utf8" });
    expect(run.status, run.stderr).toBe(0);
    expect(run.stdout.trim()).toBe(cli?.manifest.version);
  });
});

/** Every installed package named `name`, wherever npm put it (nested node_modules, aliases included). */
function installedCopies(nodeModules: string, name: string, seen = new Set<string>()): string[] {
  const real = realpathSync(nodeModules);
  if (seen.has(real)) return [];
  seen.add(real);
  const found: string[] = [];
  for (const entry of readdirSync(nodeModules)) {
    if (entry.startsWith(".")) continue;
    const dirs = entry.startsWith("@")
      ? readdirSync(join(nodeModules, entry)).map((scoped) => join(nodeModules, entry, scoped))
      : [join(nodeModules, entry)];
    for (const dir of dirs) {
      if (!statSync(dir).isDirectory()) continue;
      const manifest = join(dir, "package.json");
      if (existsSync(manifest) && (JSON.parse(readFileSync(manifest, "utf8")) as Manifest).name === name) {
        found.push(dir);
      }
      if (existsSync(join(dir, "node_modules"))) found.push(...installedCopies(join(dir, "node_modules"), name, seen));
    }
  }
  return found;
}

function requiredPeers(manifest: Manifest): string[] {
  return Object.keys(manifest.peerDependencies ?? {}).filter(
    (peer) => !peer.startsWith("@hooks/") && manifest.peerDependenciesMeta?.[peer]?.optional !== true,
  );
}

/**
 * Runs npm as a user would in a new project: with their npm configuration (registry, cache, proxy),
 * but none of the npm_* variables an outer `npm test` exports (its prefix, its package).
 */
function npm(args: string[], cwd: string, { check = true }: { check?: boolean } = {}) {
  const env = Object.fromEntries(
    Object.entries(process.env).filter(
      ([key]) => !/^npm_/i.test(key) || /^npm_config_(registry|cache|cafile|userconfig|.*proxy|strict_ssl)$/i.test(key),
    ),
  );
  const run = spawnSync("npm", args, { cwd, env, encoding: "utf8", timeout: 240_000 });
  if (check && run.status !== 0) {
    throw new Error(
      `npm ${args.slice(0, 2).join(" ")} failed (${run.error?.message ?? `exit ${run.status}`}); it needs the npm registry or a warm npm cache:\n${run.stderr}`,
    );
  }
  return run;
}
