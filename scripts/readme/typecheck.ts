// Writes the READMEs' TypeScript blocks as small projects in a temp folder and type-checks them.
// Each README is one project per module setting (a reader's project is one of these), its blocks one
// file each, so a block can import another block of the same README by the file its comment names.
import { mkdirSync, mkdtempSync, realpathSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, relative } from "node:path";
import ts from "typescript";
import type { CodeBlock } from "./blocks.ts";
import { linkDependencies } from "./dependencies.ts";

/** A reader's project setting, in which every block must compile. */
export interface Mode {
  readonly name: string;
  /** The generated folder's package.json `type`: decides ESM or CommonJS under nodenext. */
  readonly packageType: "module" | "commonjs";
  readonly compilerOptions: Record<string, unknown>;
}

export const MODES: readonly Mode[] = [
  {
    name: "nodenext ESM",
    packageType: "module",
    compilerOptions: { module: "nodenext", moduleResolution: "nodenext" },
  },
  {
    name: "nodenext CommonJS",
    packageType: "commonjs",
    compilerOptions: { module: "nodenext", moduleResolution: "nodenext" },
  },
  {
    name: "bundler",
    packageType: "module",
    compilerOptions: { module: "esnext", moduleResolution: "bundler" },
  },
];

/** What every mode shares: strict, as a careful reader's tsconfig would be. */
const COMMON_OPTIONS = {
  target: "es2022",
  lib: ["es2022"],
  types: ["node"],
  strict: true,
  noUncheckedIndexedAccess: true,
  exactOptionalPropertyTypes: true,
  isolatedModules: true,
  // Every block is a module of its own: a block's names never leak into another block.
  moduleDetection: "force",
  skipLibCheck: true,
  noEmit: true,
  // Next.js's default alias (create-next-app), relative to the README's folder.
  paths: { "@/*": ["./*"] },
};

/**
 * Top-level await in a CommonJS file (TS1309, and its `for await` form TS1432 / TS1431): ESM-only
 * blocks say so by using it; READMEs that promise CommonJS (`commonJsReadmes`) may not.
 */
const TOP_LEVEL_AWAIT = new Set([1309, 1375, 1378, 1431, 1432]);

export interface SnippetProject {
  /** The temp folder (kept with HOOKS_KEEP_SNIPPETS=1, to run `tsc -p` in it by hand). */
  readonly directory: string;
  /** Problems found while writing the project (unresolvable imports, two blocks naming one file). */
  readonly setupProblems: readonly string[];
  /** tsc's errors for one README's blocks in one mode, each as `README:line (mode): TSxxxx: message`. */
  check(readme: string, mode: Mode): string[];
  remove(): void;
}

export interface ProjectOptions {
  readonly root: string;
  readonly blocks: readonly CodeBlock[];
  /** The reader's own functions and values, declared once (never our API). */
  readonly placeholders: string;
  /** READMEs whose blocks must also work in a CommonJS project: top-level await is an error there. */
  readonly commonJsReadmes: ReadonlySet<string>;
}

export function createSnippetProject(options: ProjectOptions): SnippetProject {
  const { root, placeholders, commonJsReadmes } = options;
  const blocks = options.blocks.filter((block) => block.fragment === undefined);
  const directory = mkdtempSync(join(tmpdir(), "hooks-readme-"));
  const setupProblems = linkDependencies(root, blocks, join(directory, "node_modules"));
  const files = new Map<string, CodeBlock>(); // absolute generated path → block
  const projects = new Map<string, string>(); // `${mode}|${readme}` → its tsconfig.json

  for (const mode of MODES) {
    for (const readme of new Set(blocks.map((block) => block.readme))) {
      const folder = join(directory, slug(mode.name), dirname(readme) === "." ? "root" : dirname(readme));
      const names: string[] = [];
      for (const block of blocks.filter((one) => one.readme === readme)) {
        const file = join(folder, block.file);
        if (files.has(file)) {
          if (mode === MODES[0]) setupProblems.push(`${readme}:${block.line}: a second block names ${block.file}`);
          continue;
        }
        mkdirSync(dirname(file), { recursive: true });
        writeFileSync(file, block.code);
        files.set(file, block);
        names.push(block.file);
      }
      writeFileSync(join(folder, "package.json"), `${JSON.stringify({ type: mode.packageType }, null, 2)}\n`);
      const config = {
        compilerOptions: { ...COMMON_OPTIONS, ...mode.compilerOptions },
        files: [...names, relative(folder, placeholders)],
      };
      writeFileSync(join(folder, "tsconfig.json"), `${JSON.stringify(config, null, 2)}\n`);
      projects.set(`${mode.name}|${readme}`, join(folder, "tsconfig.json"));
    }
  }

  const cache = new Map<string, ts.SourceFile | undefined>();
  return {
    directory,
    setupProblems,
    check(readme, mode) {
      const config = projects.get(`${mode.name}|${readme}`);
      if (config === undefined) return [];
      const parsed = ts.getParsedCommandLineOfConfigFile(
        config,
        {},
        { ...ts.sys, onUnRecoverableConfigFileDiagnostic() {} },
      );
      if (parsed === undefined) return [`${readme} (${mode.name}): cannot read the generated ${config}`];
      const host = cachingHost(parsed.options, cache, directory);
      const program = ts.createProgram({ rootNames: parsed.fileNames, options: parsed.options, host });
      const allowTopLevelAwait = mode.packageType === "module" || !commonJsReadmes.has(readme);
      return [...parsed.errors, ...ts.getPreEmitDiagnostics(program)]
        .filter((diagnostic) => !(allowTopLevelAwait && TOP_LEVEL_AWAIT.has(diagnostic.code)))
        .map((diagnostic) => describe(diagnostic, mode, files, root))
        .sort((a, b) => a.line - b.line)
        .map((problem) => problem.text);
    },
    remove() {
      if (process.env.HOOKS_KEEP_SNIPPETS) console.log(`README snippets kept in ${directory}`);
      else rmSync(directory, { recursive: true, force: true });
    },
  };
}

function slug(name: string): string {
  return name.toLowerCase().replace(/[^a-z0-9]+/g, "-");
}

/** `README:line (mode): TSxxxx: message`, pointing at the README line the error is on. */
function describe(
  diagnostic: ts.Diagnostic,
  mode: Mode,
  files: ReadonlyMap<string, CodeBlock>,
  root: string,
): { line: number; text: string } {
  const error = `TS${diagnostic.code}: ${ts.flattenDiagnosticMessageText(diagnostic.messageText, "\n  ")}`;
  const where = diagnostic.file;
  if (where === undefined) return { line: 0, text: `(${mode.name}): ${error}` };
  const { line } = where.getLineAndCharacterOfPosition(diagnostic.start ?? 0);
  const block = files.get(where.fileName) ?? files.get(realpathOrSame(where.fileName));
  if (block === undefined)
    return { line: 0, text: `${relative(root, where.fileName)}:${line + 1} (${mode.name}): ${error}` };
  const at = block.line + line;
  return { line: at, text: `${block.readme}:${at} (${mode.name}, in the block at line ${block.line}): ${error}` };
}

function realpathOrSame(file: string): string {
  try {
    return realpathSync(file);
  } catch {
    return file;
  }
}

/** A compiler host that parses each declaration file once for all the projects of a run. */
function cachingHost(
  compilerOptions: ts.CompilerOptions,
  cache: Map<string, ts.SourceFile | undefined>,
  generated: string,
): ts.CompilerHost {
  const host = ts.createCompilerHost(compilerOptions);
  const getSourceFile = host.getSourceFile.bind(host);
  host.getSourceFile = (fileName, languageVersionOrOptions, onError, fresh) => {
    if (fileName.startsWith(generated) && !fileName.includes("/node_modules/")) {
      return getSourceFile(fileName, languageVersionOrOptions, onError, fresh);
    }
    const version =
      typeof languageVersionOrOptions === "object"
        ? languageVersionOrOptions
        : { languageVersion: languageVersionOrOptions };
    const key = `${fileName}|${version.languageVersion}|${version.impliedNodeFormat ?? ""}`;
    if (!cache.has(key)) cache.set(key, getSourceFile(fileName, languageVersionOrOptions, onError, fresh));
    return cache.get(key);
  };
  return host;
}
