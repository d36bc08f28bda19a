// Size budget: an app verifying one scheme ships at most ~4 KiB (gzip) of the built core.
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";
import { build } from "esbuild";
import { beforeAll, expect, test } from "vitest";

const dist = fileURLToPath(new URL("../dist/index.js", import.meta.url));
const named = fileURLToPath(new URL("../dist/schemes.js", import.meta.url));
// 4 KiB until the error model: every bad argument became an InvalidOptionError naming the option
// (not a TypeError from deep inside) and our errors carry a cross-copy mark, +50 bytes for the
// largest (Standard Webhooks with its Ed25519 path).
const BUDGET_BYTES = 4160;

beforeAll(() => {
  if (!existsSync(dist)) throw new Error(`${dist} is missing: run pnpm build first`);
});

/** Apps that verify one scheme, imported by name from @hooks/core/schemes: the tree-shakable form. */
const entries = Object.fromEntries(
  ["vastai", "groq", "standardWebhooks", "stripe", "github", "slack", "shopify"].map((scheme) => [
    scheme,
    `import { verify } from "${dist}";
import { ${scheme} } from "${named}";
export const f = (h, p) => verify({ scheme: ${scheme}, secret: "s", headers: h, payload: p });`,
  ]),
);
entries.timestampedHmac = `import { verify } from "${dist}";
import { timestampedHmac } from "${named}";
const acme = timestampedHmac({ provider: "acme" });
export const f = (h, p) => verify({ scheme: acme, secret: "s", headers: h, payload: p });`;

// A string only each part's code contains, to name what a too-big bundle pulled in.
const markers: Record<string, string> = {
  github: "x-hub-signature-256",
  vastai: '"vastai"',
  groq: '"groq"',
  stripe: "stripe-signature",
  standardWebhooks: "webhook-signature",
  slack: "x-slack-signature",
  shopify: "x-shopify-hmac-sha256",
  ed25519: "pkcs8",
};

/** Minified and gzipped size of what a bundler keeps of the core for `entry`, and the parts it kept. */
async function measure(entry: string): Promise<{ minifiedBytes: number; gzipBytes: number; parts: string[] }> {
  const result = await build({
    stdin: { contents: entry, loader: "js", resolveDir: process.cwd() },
    bundle: true,
    minify: true,
    treeShaking: true,
    format: "esm",
    platform: "neutral",
    write: false,
    logLevel: "silent",
  });
  const { contents, text } = result.outputFiles[0]!;
  const parts = Object.keys(markers).filter((part) => text.includes(markers[part]!));
  return { minifiedBytes: contents.length, gzipBytes: gzipSync(contents, { level: 9 }).length, parts };
}

test.each(Object.entries(entries))(`verify with %s fits in ${BUDGET_BYTES} bytes gzipped`, async (name, entry) => {
  const { minifiedBytes, gzipBytes, parts } = await measure(entry);
  const summary = `${name}: ${gzipBytes} bytes gzipped, ${minifiedBytes} minified, contains ${parts.join(", ")}`;
  console.info(summary);
  expect(gzipBytes, summary).toBeLessThanOrEqual(BUDGET_BYTES);
  // Tree shaking really happened: no other scheme came along.
  const own = name === "timestampedHmac" ? [] : [name];
  expect(
    parts.filter((part) => part !== "ed25519" && !own.includes(part)),
    summary,
  ).toEqual([]);
});

// The `schemes` object is the convenience form: it holds every scheme, so it keeps them all.
// Guarded so that it cannot grow unnoticed; apps that count bytes import schemes by name from
// @hooks/core/schemes. Raised from 5,120 when verification errors got their common base
// (HooksError, with the mark that tells our errors from look-alikes across copies, and option checks
// that name the option): +180 bytes.
const ALL_SCHEMES_BUDGET_BYTES = 5312;

test(`verify with the whole schemes object fits in ${ALL_SCHEMES_BUDGET_BYTES} bytes gzipped`, async () => {
  const { minifiedBytes, gzipBytes } = await measure(`import { verify, schemes } from "${dist}";
export const f = (h, p) => verify({ scheme: schemes.github, secret: "s", headers: h, payload: p });`);
  console.info(`schemes.github: ${gzipBytes} bytes gzipped, ${minifiedBytes} minified`);
  expect(gzipBytes).toBeLessThanOrEqual(ALL_SCHEMES_BUDGET_BYTES);
});
