// The public surface of every published package matches the report checked in under api/: a change
// to what users can import (a name, a type, an option) shows in review as a change to api/*.api.md.
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { publishedDirs, report, reportPath } from "../api-report.mjs";

const dirs: string[] = publishedDirs();

describe.each(dirs.map((dir) => [dir.split("/").pop(), dir]))("%s", (_, dir) => {
  test("the built declarations match api/: run `npm run api` and review the diff when this changes", () => {
    const name = JSON.parse(readFileSync(`${dir}/package.json`, "utf8")).name as string;
    const file = reportPath(name) as string;
    expect(existsSync(file), `${file} is missing: run npm run api`).toBe(true);
    expect(report(dir) as string).toBe(readFileSync(file, "utf8"));
  });
});

test("api/ holds one report per published package, none for a package that is gone", () => {
  const expected = dirs.map((dir) => reportPath(JSON.parse(readFileSync(`${dir}/package.json`, "utf8")).name));
  const api = join(expected[0]!, "..");
  const present = readdirSync(api)
    .filter((file) => file.endsWith(".api.md"))
    .map((file) => join(api, file));
  expect(present.sort()).toEqual(expected.sort());
});
