// Release checks that need no network: the licence and links every package ships, how packages depend
// on each other (one @hooks/core per app), and what `changeset version` would do with the pending changesets.
import { spawnSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { type Manifest, publishedPackages, root, workspaceProjects } from "../release/packages.ts";
import { testEnv } from "../tools.mjs";

/**
 * THE TABLE TO UPDATE: the version each published package must have after the next `changeset version`
 * runs on the changesets now in .changeset/. Whoever adds a changeset writes the version it should
 * produce here; a published package missing from the table must not move. The table stays true after
 * the release's `changeset version` (the versions already are these), so it only changes with new changesets.
 */
const NEXT_VERSIONS: Readonly<Record<string, string>> = {
  "@hooks/core": "0.1.0",
  "@hooks/express": "0.1.0",
  "@hooks/fastify": "0.1.0",
  "@hooks/next": "0.1.0",
  "@hooks/redis": "0.1.0",
  "@hooks/bullmq": "0.1.0",
  "@hooks/cli": "0.1.0",
};

/** The range a published package gives an @hooks/* peer while the packages are 0.x (RELEASING.md says why). */
const INTERNAL_PEER_RANGE = "0.x";

/** Published packages that take @hooks/core as a regular dependency, and why; every other one takes it as a peer. */
const CORE_AS_DEPENDENCY: Readonly<Record<string, string>> = {
  "@hooks/cli":
    "a command (npx, or a devDependency): it signs and parses with its own core and hands no core object to the app",
};

const REPO = "https://github.com/hooks-sdk/hooks";
const published = publishedPackages();
const rootLicense = readFileSync(join(root, "LICENSE"), "utf8");

describe("LICENSE", () => {
  test("the repository's LICENSE is the MIT licence of the hooks contributors, 2026", () => {
    expect(rootLicense).toMatch(
      /^MIT License\n\nCopyright \(c\) 2026 the hooks contributors\n\nPermission is hereby granted/,
    );
  });

  // npm and pnpm pack a LICENSE found in the package folder whatever `files` says; the copies are
  // committed, so this is what keeps them equal to the root's.
  test.each(published)("$name has a LICENSE identical to the repository's", ({ dir }) => {
    const copy = join(root, dir, "LICENSE");
    expect(existsSync(copy), `${dir}/LICENSE is missing: cp LICENSE ${dir}/`).toBe(true);
    expect(readFileSync(copy, "utf8"), `${dir}/LICENSE differs: cp LICENSE ${dir}/`).toBe(rootLicense);
  });
});

describe("published manifests", () => {
  test("packages/* holds the published packages", () => {
    expect(published.map(({ name }) => name)).toContain("@hooks/core");
  });

  test.each(published)("$name: MIT, and homepage, bugs and repository point at its folder", ({ dir, manifest }) => {
    expect({
      license: manifest.license,
      homepage: manifest.homepage,
      bugs: manifest.bugs,
      repository: manifest.repository,
    }).toEqual({
      license: "MIT",
      homepage: `${REPO}/tree/main/${dir}#readme`,
      bugs: { url: `${REPO}/issues` },
      repository: { type: "git", url: `git+${REPO}.git`, directory: dir },
    });
  });

  test.each(published)(
    "$name: @hooks/* packages are peers (range 0.x, linked by a workspace devDependency)",
    ({ name, manifest }) => {
      const internal = (deps: Manifest["dependencies"]) =>
        Object.keys(deps ?? {}).filter((d) => d.startsWith("@hooks/"));
      const allowedDependencies = name in CORE_AS_DEPENDENCY ? ["@hooks/core"] : [];
      expect(internal(manifest.dependencies), "@hooks/* in dependencies: a second copy for apps").toEqual(
        allowedDependencies,
      );
      expect(internal(manifest.optionalDependencies)).toEqual([]);
      for (const peer of internal(manifest.peerDependencies)) {
        // A workspace: range is published as ^0.x.y, which only allows 0.x.*: every core minor would
        // push the dependents out of range, and changesets answers that with a major (1.0.0).
        expect(manifest.peerDependencies?.[peer], `${name}'s peer ${peer}`).toBe(INTERNAL_PEER_RANGE);
        expect(manifest.devDependencies?.[peer], `${name} develops against the workspace's ${peer}`).toBe(
          "workspace:^",
        );
      }
      if (name !== "@hooks/core" && !(name in CORE_AS_DEPENDENCY)) {
        expect(manifest.peerDependencies?.["@hooks/core"], `${name} takes @hooks/core as a peer`).toBe(
          INTERNAL_PEER_RANGE,
        );
        expect(manifest.peerDependenciesMeta?.["@hooks/core"]?.optional ?? false).toBe(false);
      }
    },
  );
});

describe("changeset version", () => {
  test("the config keeps a peer's in-range minor from forcing a major on its dependents, on the pinned changesets", () => {
    // Without this option changesets gives every adapter a major for any core minor, even one still
    // inside the adapters' `0.x` peer range; the version-plan test below sees that only while a core
    // changeset is pending, so the setting itself is checked here, always.
    const config = JSON.parse(readFileSync(join(root, ".changeset", "config.json"), "utf8"));
    expect(config.___experimentalUnsafeOptions_WILL_CHANGE_IN_PATCH?.onlyUpdatePeerDependentsWhenOutOfRange).toBe(true);
    expect(config.updateInternalDependencies).toBe("patch");
    // The option's name may change in a patch of changesets: the pin is exact, and a bump re-runs this.
    const rootManifest = JSON.parse(readFileSync(join(root, "package.json"), "utf8"));
    expect(rootManifest.devDependencies["@changesets/cli"]).toBe("2.31.1");
  });

  test("the pending changesets bump exactly the versions in NEXT_VERSIONS and rewrite no dependency range", () => {
    for (const name of Object.keys(NEXT_VERSIONS)) {
      expect(
        published.map((pkg) => pkg.name),
        `NEXT_VERSIONS names ${name}`,
      ).toContain(name);
    }
    const projects = workspaceProjects();
    expect(projects.map(({ dir }) => dir)).toEqual(expect.arrayContaining(published.map(({ dir }) => dir)));
    const repoBefore = snapshotRepo(projects.map(({ dir }) => dir));

    // A copy of what changesets reads: the workspace's manifests and .changeset/ (no git needed with
    // `commit: false`). The real repository is never the working directory.
    const copy = mkdtempSync(join(tmpdir(), "hooks-release-plan-"));
    try {
      cpSync(join(root, "pnpm-workspace.yaml"), join(copy, "pnpm-workspace.yaml"));
      cpSync(join(root, ".changeset"), join(copy, ".changeset"), { recursive: true });
      for (const { dir } of projects) {
        mkdirSync(join(copy, dir), { recursive: true });
        cpSync(join(root, dir, "package.json"), join(copy, dir, "package.json"));
      }
      const run = spawnSync(join(root, "node_modules", ".bin", "changeset"), ["version"], {
        cwd: copy,
        env: testEnv(),
        encoding: "utf8",
      });
      expect(run.status, `changeset version failed:\n${run.stdout}\n${run.stderr}`).toBe(0);

      const versioned = (dir: string): Manifest => JSON.parse(readFileSync(join(copy, dir, "package.json"), "utf8"));
      const expected: Record<string, string | undefined> = {};
      const actual: Record<string, string | undefined> = {};
      for (const { name, dir, manifest } of projects) {
        // Private projects (the root, examples, bench, test apps) are never versioned.
        const target = manifest.private === true ? manifest.version : (NEXT_VERSIONS[name] ?? manifest.version);
        expected[name] = target;
        actual[name] = versioned(dir).version;
      }
      expect(actual, "versions after `changeset version` (update NEXT_VERSIONS if this bump is intended)").toEqual(
        expected,
      );
      // Ranges stay as written: workspace: ranges are pnpm's to replace at publish, and an internal
      // peer's 0.x is only rewritten (to an exact version) when a release leaves it, i.e. at 1.0.0.
      for (const { dir, manifest } of projects) {
        expect({ ...versioned(dir), version: manifest.version }, `${dir}/package.json after changeset version`).toEqual(
          manifest,
        );
      }
    } finally {
      rmSync(copy, { recursive: true, force: true });
    }
    expect(snapshotRepo(projects.map(({ dir }) => dir)), "the real repository was not touched").toEqual(repoBefore);
  });
});

/** The files `changeset version` would change if it ran in the repository itself. */
function snapshotRepo(dirs: readonly string[]): Record<string, string> {
  const files = [
    ...dirs.map((dir) => join(dir, "package.json")),
    ...dirs.map((dir) => join(dir, "CHANGELOG.md")),
    ...readdirSync(join(root, ".changeset")).map((file) => join(".changeset", file)),
  ];
  return Object.fromEntries(
    files.filter((file) => existsSync(join(root, file))).map((file) => [file, readFileSync(join(root, file), "utf8")]),
  );
}
