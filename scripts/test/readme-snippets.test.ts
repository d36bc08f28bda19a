// Every TypeScript block of every README.md compiles, strict, as a reader would paste it: in a
// nodenext ES module project, a nodenext CommonJS one and a bundler one (scripts/readme/).
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import ts from "typescript";
import { afterAll, describe, expect, test } from "vitest";
import { type CodeBlock, extractBlocks, findReadmes } from "../readme/blocks.ts";
import { createSnippetProject, MODES } from "../readme/typecheck.ts";

const root = join(import.meta.dirname, "..", "..");
const placeholders = join(root, "scripts", "readme", "placeholders.d.ts");
// READMEs whose blocks must also run as CommonJS (`npm init`'s default), so no top-level await there.
// Elsewhere top-level await marks a block as ES-module-only; the rest of it is still checked as CommonJS.
const commonJsReadmes = new Set(["packages/express/README.md", "packages/fastify/README.md"]);
// Blocks marked `<!-- snippet: fragment: why -->` just before the fence are not compiled. Each one
// must be listed here (README and reason), so a skip is a decision someone reviewed. None today.
const SKIPPED: readonly { readme: string; reason: string }[] = [];

const blocks = findReadmes(root).flatMap((readme) => extractBlocks(root, readme));
const readmes = [...new Set(blocks.filter((block) => block.fragment === undefined).map((block) => block.readme))];
const project = createSnippetProject({ root, blocks, placeholders, commonJsReadmes });
afterAll(() => project.remove());

describe("README snippets", () => {
  test("the READMEs and their blocks are found", () => {
    for (const readme of ["README.md", "packages/core/README.md", "packages/fastify/README.md"]) {
      expect(readmes).toContain(readme);
    }
    expect(blocks.length).toBeGreaterThan(15);
  });

  test("every code fence is closed: an open one turns the rest of a README into code", () => {
    for (const readme of findReadmes(root)) {
      const fences = readFileSync(join(root, readme), "utf8")
        .split("\n")
        .filter((line) => /^\s*```/.test(line));
      expect(fences.length % 2, `${readme} has an unclosed code fence`).toBe(0);
      // Opening fences name their language (a bare one is a stray closing fence that opened a block
      // by mistake); closing fences are bare.
      fences.forEach((fence, i) => {
        if (i % 2 === 1) expect(fence.trim(), `${readme}: fence ${i + 1} should close a block`).toBe("```");
        else expect(fence.trim(), `${readme}: fence ${i + 1} opens a block without a language`).not.toBe("```");
      });
    }
  });

  test("the only skipped blocks are the listed fragments", () => {
    const fragments = blocks.filter((block) => block.fragment !== undefined);
    expect(fragments.map((block) => ({ readme: block.readme, reason: block.fragment }))).toEqual(SKIPPED);
  });

  test("every import in a block resolves to a workspace package or an installed dependency", () => {
    expect(project.setupProblems).toEqual([]);
  });

  test("the placeholders declare none of our API: every @hooks name in a block is imported", () => {
    const ours = exportedNames();
    expect(ours).toContain("createReceiver");
    const declared = declaredNames(placeholders);
    expect(declared.filter((name) => ours.includes(name))).toEqual([]);
    expect(readFileSync(placeholders, "utf8")).not.toMatch(/["']@hooks\//);
  });

  describe.each(MODES)("$name", (mode) => {
    test.each(readmes)("%s", (readme) => {
      const problems = project.check(readme, mode);
      if (problems.length > 0) throw new Error(`tsc finds errors in README blocks:\n${problems.join("\n")}`);
    });
  });
});

describe("the check itself", () => {
  const fixture = (file: string, code: string, line = 10): CodeBlock => ({
    readme: "packages/fastify/README.md",
    line,
    file,
    code,
  });

  test("fails on a broken block, naming the README line and tsc's error", () => {
    const broken = createSnippetProject({
      root,
      placeholders,
      commonJsReadmes,
      blocks: [
        fixture(
          "readme-L10.ts",
          'import { createReceiver } from "@hooks/core";\n\ncreateReceiver({ scheme: "stripe" });\n',
        ),
        fixture("receiver.ts", "export const answer = 42;\n", 20),
        fixture("web.ts", 'import { answer } from "./receiver";\nconsole.log(answer);\n', 30),
        fixture("server.ts", "await new Promise((resolve) => setTimeout(resolve, 1));\n", 40),
      ],
    });
    try {
      const [esm, commonJs] = [MODES[0]!, MODES[1]!].map((mode) => broken.check("packages/fastify/README.md", mode));
      // The error is on the block's third line: README line 10 + 2.
      expect(esm).toContainEqual(
        expect.stringMatching(/^packages\/fastify\/README\.md:12 \(nodenext ESM, in the block at line 10\): TS2322: /),
      );
      // Relative imports need their extension under nodenext, as Node's ESM loader does.
      expect(esm).toContainEqual(
        expect.stringMatching(/^packages\/fastify\/README\.md:30 .*TS2835: .*'\.\/receiver\.js'/),
      );
      // A README that promises CommonJS may not use top-level await.
      expect(commonJs).toContainEqual(
        expect.stringMatching(/^packages\/fastify\/README\.md:40 \(nodenext CommonJS.*TS1309: /),
      );
    } finally {
      broken.remove();
    }
  });
});

test("blocks are found with their line, file name and fragment marker", () => {
  const folder = mkdtempSync(join(tmpdir(), "hooks-readme-blocks-"));
  try {
    const readme = [
      "# x",
      "",
      "```ts",
      "// web.ts: the server",
      "a;",
      "```",
      "",
      "<!-- snippet: fragment: one line -->",
      "",
      "```typescript",
      "b;",
      "```",
      "```sh",
      "c",
      "```",
    ];
    writeFileSync(join(folder, "README.md"), readme.join("\n"));
    expect(extractBlocks(folder, "README.md")).toEqual([
      { readme: "README.md", line: 4, file: "web.ts", code: "// web.ts: the server\na;\n", fragment: undefined },
      { readme: "README.md", line: 11, file: "readme-L11.ts", code: "b;\n", fragment: "one line" },
    ]);
  } finally {
    rmSync(folder, { recursive: true, force: true });
  }
});

/** Every name the @hooks packages export, read from their built declarations. */
function exportedNames(): string[] {
  const entries = readdirSync(join(root, "packages")).flatMap((name) => {
    const dist = join(root, "packages", name, "dist");
    return existsSync(dist)
      ? readdirSync(dist)
          .filter((file) => file.endsWith(".d.ts"))
          .map((file) => join(dist, file))
      : [];
  });
  const program = ts.createProgram(entries, { skipLibCheck: true, noEmit: true, noResolve: true });
  const checker = program.getTypeChecker();
  return entries.flatMap((entry) => {
    const source = program.getSourceFile(entry);
    const symbol = source && checker.getSymbolAtLocation(source);
    return symbol ? checker.getExportsOfModule(symbol).map((exported) => exported.name) : [];
  });
}

/** The top-level names a declaration file declares. */
function declaredNames(file: string): string[] {
  const source = ts.createSourceFile(file, readFileSync(file, "utf8"), ts.ScriptTarget.Latest);
  return source.statements.flatMap((statement) => {
    if (ts.isVariableStatement(statement)) {
      return statement.declarationList.declarations.map((declaration) => declaration.name.getText(source));
    }
    const name = (statement as { name?: ts.Node }).name;
    return name ? [name.getText(source)] : [];
  });
}
