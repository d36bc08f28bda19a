// The generated snippet projects' node_modules: links to what the workspace already has installed.
import { existsSync, mkdirSync, readdirSync, realpathSync, symlinkSync } from "node:fs";
import { isBuiltin } from "node:module";
import { dirname, join } from "node:path";
import ts from "typescript";
import { publishedPackages } from "../release/packages.ts";
import type { CodeBlock } from "./blocks.ts";

/**
 * Makes `node_modules` for the generated projects: `@hooks/*` are the workspace's built packages,
 * anything else a block imports (express, fastify, ioredis…) is the copy some workspace package or
 * example already has installed, with its `@types` package if there is one. Returns the imports
 * that nothing provides.
 */
export function linkDependencies(root: string, blocks: readonly CodeBlock[], nodeModules: string): string[] {
  const problems: string[] = [];
  const workspace = new Map(publishedPackages().map(({ name, dir }) => [name, join(root, dir)]));
  const installed = [root, ...["packages", "examples"].flatMap((group) => subfolders(join(root, group)))]
    .map((folder) => join(folder, "node_modules"))
    .filter((folder) => existsSync(folder));
  const find = (name: string) =>
    installed.map((folder) => join(folder, name)).find((path) => existsSync(join(path, "package.json")));
  const link = (name: string, target: string) => {
    const path = join(nodeModules, name);
    if (existsSync(path)) return;
    mkdirSync(dirname(path), { recursive: true });
    symlinkSync(realpathSync(target), path, "dir");
  };

  const types = find("@types/node");
  if (types) link("@types/node", types);
  else problems.push("@types/node is not installed at the repo root");
  for (const block of blocks) {
    for (const { fileName: specifier } of ts.preProcessFile(block.code, true, true).importedFiles) {
      if (specifier.startsWith(".") || specifier.startsWith("@/") || isBuiltin(specifier)) continue;
      const parts = specifier.split("/");
      const name = specifier.startsWith("@") ? parts.slice(0, 2).join("/") : parts[0]!;
      const target = workspace.get(name) ?? find(name);
      if (workspace.has(name) && !existsSync(join(workspace.get(name)!, "dist"))) {
        problems.push(`${block.readme}:${block.line}: imports ${name}, which is not built: run \`pnpm build\` first`);
      }
      if (target === undefined) {
        problems.push(
          `${block.readme}:${block.line}: imports "${specifier}", which no workspace package or example installs`,
        );
        continue;
      }
      link(name, target);
      const typesName = `@types/${name.startsWith("@") ? name.slice(1).replace("/", "__") : name}`;
      const typesTarget = find(typesName);
      if (typesTarget) link(typesName, typesTarget);
    }
  }
  return problems;
}

function subfolders(folder: string): string[] {
  if (!existsSync(folder)) return [];
  return readdirSync(folder, { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .map((entry) => join(folder, entry.name));
}
