// The core's shape: no import circle (type imports included) and no file much over 200 lines, so
// each file holds one idea and every layer sits below the ones that use it.
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { expect, test } from "vitest";

const src = join(import.meta.dirname, "..", "src");

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? files(path) : path.endsWith(".ts") ? [path] : [];
  });
}

/** The files a file imports or re-exports from, types included, resolved like the bundler does. */
function importsOf(file: string): string[] {
  const code = readFileSync(file, "utf8");
  return [...code.matchAll(/(?:import|export)\s[^;]*?from\s*"(\.[^"]+)"/g)].map(([, spec]) => {
    const base = join(dirname(file), spec!);
    const resolved = [`${base}.ts`, join(base, "index.ts")].find((candidate) => existsSync(candidate));
    if (!resolved) throw new Error(`${relative(src, file)} imports ${spec}, which does not resolve`);
    return resolved;
  });
}

const all = files(src);
const graph = new Map(all.map((file) => [file, importsOf(file)]));

test("no import circle in the core, type imports included", () => {
  const circles: string[] = [];
  const state = new Map<string, "open" | "done">();
  const visit = (file: string, path: string[]) => {
    if (state.get(file) === "done") return;
    if (state.get(file) === "open") {
      circles.push([...path.slice(path.indexOf(file)), file].map((f) => relative(src, f)).join(" → "));
      return;
    }
    state.set(file, "open");
    for (const next of graph.get(file) ?? []) visit(next, [...path, file]);
    state.set(file, "done");
  };
  for (const file of all) visit(file, []);
  expect(circles).toEqual([]);
});

test("the circle check sees imports (it would find one)", () => {
  expect(graph.get(join(src, "receiver", "index.ts"))).toContain(join(src, "receiver", "deliver.ts"));
  expect(graph.get(join(src, "verify.ts"))).toContain(join(src, "delivery.ts"));
});

test("no core file is much over 200 lines", () => {
  const long = all
    .map((file) => [relative(src, file), readFileSync(file, "utf8").split("\n").length] as const)
    .filter(([, lines]) => lines > 210);
  expect(long).toEqual([]);
});

test("handle and process share the one claimed run", () => {
  for (const file of ["deliver.ts", "process.ts"]) {
    const code = readFileSync(join(src, "receiver", file), "utf8");
    expect(code, file).toContain("claimedRun(");
    expect(code, file).not.toMatch(/store\.(claim|complete|release)\(/);
  }
});
