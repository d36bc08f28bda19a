// Where README's two commands find their tools on a fresh machine: the pinned pnpm under .tools/, never a global one.
import { delimiter, dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

export const PNPM_VERSION = "12.21.0";
export const root = join(dirname(fileURLToPath(import.meta.url)), "..");
/** The private pnpm that `scripts/setup.mjs` installs: a new user has no global one. */
export const pnpmBin = join(root, ".tools", "node_modules", ".bin");

/**
 * The environment every test stage runs in: the workspace's binaries, then the private pnpm, before
 * the caller's PATH. Tests that spawn `pnpm` (publint's pack, the tarball checks) find the pinned one
 * whether or not the machine has any pnpm of its own.
 */
export function testEnv(base = process.env) {
  return { ...base, PATH: [join(root, "node_modules", ".bin"), pnpmBin, base.PATH ?? ""].join(delimiter) };
}
