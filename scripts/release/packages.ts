// The workspace as a release sees it: which packages are published, and every project's manifest.
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { root, testEnv } from "../tools.mjs";

export { root };

/** The fields of a package.json the release checks read. */
export interface Manifest {
  readonly name: string;
  readonly version?: string;
  readonly private?: boolean;
  readonly license?: string;
  readonly homepage?: string;
  readonly bugs?: { readonly url?: string };
  readonly repository?: { readonly type?: string; readonly url?: string; readonly directory?: string };
  readonly dependencies?: Readonly<Record<string, string>>;
  readonly devDependencies?: Readonly<Record<string, string>>;
  readonly peerDependencies?: Readonly<Record<string, string>>;
  readonly peerDependenciesMeta?: Readonly<Record<string, { readonly optional?: boolean }>>;
  readonly optionalDependencies?: Readonly<Record<string, string>>;
}

export interface WorkspacePackage {
  readonly name: string;
  /** Relative to the repo root with forward slashes, e.g. "packages/core"; "" for the root. */
  readonly dir: string;
  readonly manifest: Manifest;
}

export function readManifest(dir: string): Manifest {
  return JSON.parse(readFileSync(join(root, dir, "package.json"), "utf8")) as Manifest;
}

/** Every packages/* whose package.json is not private: what `changeset publish` releases. */
export function publishedPackages(): WorkspacePackage[] {
  return readdirSync(join(root, "packages"))
    .map((folder) => `packages/${folder}`)
    .filter((dir) => existsSync(join(root, dir, "package.json")))
    .map((dir) => ({ dir, manifest: readManifest(dir) }))
    .filter(({ manifest }) => manifest.private !== true)
    .map(({ dir, manifest }) => ({ name: manifest.name, dir, manifest }))
    .sort((a, b) => a.name.localeCompare(b.name));
}

/** Every project of the pnpm workspace, the root included, as pnpm itself lists them. */
export function workspaceProjects(): WorkspacePackage[] {
  const ls = spawnSync("pnpm", ["ls", "-r", "--depth", "-1", "--json"], {
    cwd: root,
    env: testEnv(),
    encoding: "utf8",
  });
  if (ls.status !== 0) throw new Error(`pnpm ls failed (${ls.error?.message ?? ls.status}):\n${ls.stderr}`);
  return (JSON.parse(ls.stdout) as { path: string }[]).map(({ path }) => {
    const dir = relative(root, path).split("\\").join("/");
    const manifest = readManifest(dir);
    return { name: manifest.name, dir, manifest };
  });
}

/**
 * The version of `name` that the workspace's devDependencies pin (exactly), e.g. "5.3.0" for express:
 * the version the packages are tested with, so the install test uses the same one.
 */
export function pinnedDevVersion(name: string): string {
  for (const { manifest } of publishedPackages()) {
    const version = manifest.devDependencies?.[name];
    if (version !== undefined && /^\d+\.\d+\.\d+$/.test(version)) return version;
  }
  throw new Error(`no published package pins ${name} exactly in its devDependencies`);
}
