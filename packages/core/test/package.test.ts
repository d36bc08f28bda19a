// Packaging checks (publint, attw) over every publishable package in packages/*, as npm would ship it.
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { publint } from "publint";
import { formatMessage } from "publint/utils";
import { describe, expect, test } from "vitest";

const root = fileURLToPath(new URL("../../../", import.meta.url));

interface PublishablePackage {
  readonly name: string;
  /** Relative to the repo root, e.g. "packages/core". */
  readonly dir: string;
}

/** Every packages/* whose package.json is not private: what `changeset publish` would release. */
function publishablePackages(): PublishablePackage[] {
  return readdirSync(join(root, "packages"))
    .map((folder) => `packages/${folder}`)
    .filter((dir) => existsSync(resolve(root, dir, "package.json")))
    .map((dir) => ({ dir, manifest: JSON.parse(readFileSync(resolve(root, dir, "package.json"), "utf8")) }))
    .filter(({ manifest }) => manifest.private !== true)
    .map(({ dir, manifest }) => ({ name: manifest.name as string, dir }))
    .sort((a, b) => a.name.localeCompare(b.name));
}

function requireBuild({ name, dir }: PublishablePackage): void {
  if (!existsSync(resolve(root, dir, "dist"))) throw new Error(`${name}: ${dir}/dist is missing: run pnpm build first`);
}

/** The parts of `attw --format json` we read: `analysis.problems` lists every problem found. */
interface AttwReport {
  readonly analysis: {
    readonly packageName: string;
    readonly types: false | { readonly kind: string };
    /** Each has a `kind` plus where it is: an entrypoint and resolution kind, or file names. */
    readonly problems?: readonly ({ readonly kind: string } & Record<string, unknown>)[];
  };
}

const packages = publishablePackages();

test("packages/* holds publishable packages", () => {
  expect(packages.map(({ name }) => name)).toContain("@hooks/core");
});

describe.each(packages)("$name", (pkg) => {
  test("publint: no errors or warnings", async () => {
    requireBuild(pkg);
    const { messages, pkg: manifest } = await publint({ pkgDir: resolve(root, pkg.dir), level: "suggestion" });
    const explain = (message: (typeof messages)[number]) =>
      `${message.type}: ${formatMessage(message, manifest, { color: false }) ?? message.code}`;
    for (const message of messages.filter(({ type }) => type === "suggestion")) console.info(explain(message));
    const problems = messages.filter(({ type }) => type === "error" || type === "warning").map(explain);
    expect(problems, `publint on ${pkg.dir}`).toEqual([]);
  });

  test("attw: types resolve for every entry point and module resolution", () => {
    requireBuild(pkg);
    // --pack runs `npm pack` in the package, so attw sees exactly the published files.
    const attw = spawnSync(join(root, "node_modules/.bin/attw"), ["--pack", pkg.dir, "--format", "json"], {
      cwd: root,
      encoding: "utf8",
      timeout: 50_000,
    });
    expect(attw.stdout.trimStart().startsWith("{"), `attw printed no report:\n${attw.stderr}`).toBe(true);
    const { analysis } = JSON.parse(attw.stdout) as AttwReport;
    expect(analysis.packageName).toBe(pkg.name);
    expect(analysis.types, "attw found no types in the package").not.toBe(false);
    const problems = (analysis.problems ?? []).map(({ kind, ...where }) => `${kind} ${JSON.stringify(where)}`);
    expect(problems, `attw on ${pkg.dir}`).toEqual([]);
    expect(attw.status, `attw exit code\n${attw.stderr}`).toBe(0);
  });
});
