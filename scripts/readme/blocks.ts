// Finds every README.md of the repo and the TypeScript code blocks in it, with their line numbers.
import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";

/** A ```ts (or typescript, tsx, mts, cts) block of a README. */
export interface CodeBlock {
  /** The README, relative to the repo root with `/` separators, e.g. `packages/core/README.md`. */
  readonly readme: string;
  /** The README's line (1-based) of the block's first line of code, the line after the fence. */
  readonly line: number;
  /** The file the block becomes: its first-line comment's name (`// lib/webhooks.ts: …`), else `readme-L<line>.ts`. */
  readonly file: string;
  readonly code: string;
  /** Why the block is deliberately not a whole program (`<!-- snippet: fragment: why -->` before it); unchecked. */
  readonly fragment?: string | undefined;
}

const LANGUAGES: Record<string, string> = { ts: "ts", typescript: "ts", tsx: "tsx", mts: "mts", cts: "cts" };
const SKIPPED_DIRECTORIES = new Set(["node_modules", "dist", ".git", ".tools", ".next", "coverage"]);
const FRAGMENT = /^<!--\s*snippet:\s*fragment\s*(?::\s*(.*?))?\s*-->$/;
// `// app/api/webhooks/route.ts` or `// receiver.ts: what it is` names the block's file.
const FILE_COMMENT = /^\/\/\s*((?:[\w@.-]+\/)*[\w@.-]+\.(?:ts|tsx|mts|cts))(?::|\s|$)/;

/** Every README.md under `root`, skipping dependencies and build output; repo-relative, sorted. */
export function findReadmes(root: string, directory = root): string[] {
  const found: string[] = [];
  for (const entry of readdirSync(directory, { withFileTypes: true })) {
    if (entry.isDirectory() && !SKIPPED_DIRECTORIES.has(entry.name)) {
      found.push(...findReadmes(root, join(directory, entry.name)));
    } else if (entry.isFile() && entry.name === "README.md") {
      found.push(relative(root, join(directory, entry.name)).split("\\").join("/"));
    }
  }
  return found.sort();
}

/** The TypeScript blocks of one README (`readme` relative to `root`). */
export function extractBlocks(root: string, readme: string): CodeBlock[] {
  const lines = readFileSync(join(root, readme), "utf8").split(/\r?\n/);
  const blocks: CodeBlock[] = [];
  let index = 0;
  while (index < lines.length) {
    const open = /^ {0,3}(`{3,}|~{3,})\s*([^\s`]*)/.exec(lines[index]!);
    if (!open) {
      index++;
      continue;
    }
    const fence = open[1]!;
    const start = index + 1;
    let end = start;
    while (end < lines.length && !isClosing(lines[end]!, fence)) end++;
    const language = LANGUAGES[open[2]!.toLowerCase()];
    if (language !== undefined) {
      const code = lines.slice(start, end).join("\n");
      const named = FILE_COMMENT.exec(lines[start] ?? "");
      blocks.push({
        readme,
        line: start + 1,
        file: named ? named[1]! : `readme-L${start + 1}.${language}`,
        code: `${code}\n`,
        fragment: fragmentReason(lines, index),
      });
    }
    index = end + 1;
  }
  return blocks;
}

function isClosing(line: string, fence: string): boolean {
  const trimmed = line.trim();
  return trimmed.startsWith(fence) && trimmed.replace(fence[0] === "`" ? /`/g : /~/g, "") === "";
}

/** The reason given by a `<!-- snippet: fragment: … -->` line just before the fence (blank lines allowed). */
function fragmentReason(lines: readonly string[], fence: number): string | undefined {
  let previous = fence - 1;
  while (previous >= 0 && lines[previous]!.trim() === "") previous--;
  const marker = previous >= 0 ? FRAGMENT.exec(lines[previous]!.trim()) : null;
  return marker ? marker[1] || "no reason given" : undefined;
}
