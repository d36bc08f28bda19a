// HMAC-SHA256 over `prefix + body`: node:crypto where the runtime offers it, Web Crypto elsewhere.
import { utf8 } from "./encoding";

/** The raw body as verification consumes it: bytes, or a string hashed as its UTF-8 bytes. */
export type Body = Uint8Array | string;

/** What is signed: `utf8(prefix) ‖ body`. `bytes` caches the joined form once some API needed it. */
export interface Message {
  readonly prefix: string;
  readonly body: Body;
  bytes?: Uint8Array;
}

/** The signed bytes in one buffer, built once per message (Web Crypto and Ed25519 take one input). */
export function messageBytes(message: Message): Uint8Array {
  message.bytes ??= signedBytes(message.prefix, message.body);
  return message.bytes;
}

/** The two primitives verification needs; one implementation per runtime family. */
export interface CryptoBackend {
  readonly name: "node" | "web";
  /** HMAC-SHA256 of the message. Synchronous on the Node path. */
  hmac(key: Uint8Array, message: Message): Uint8Array | Promise<Uint8Array>;
  /** Constant-time equality; false (never a throw) when the lengths differ. */
  equal(a: Uint8Array, b: Uint8Array): boolean;
  /** SHA-256 of the body: the payload fingerprint the receiver stores with an event id. */
  sha256(body: Body): Uint8Array | Promise<Uint8Array>;
}

interface NodeHmac {
  update(data: string | Uint8Array): NodeHmac;
  digest(): Uint8Array;
}
interface NodeCrypto {
  createHmac(algorithm: "sha256", key: Uint8Array): NodeHmac;
  createHash(algorithm: "sha256"): NodeHmac;
  timingSafeEqual(a: Uint8Array, b: Uint8Array): boolean;
}

/** The signed bytes `utf8(prefix) ‖ body` in one buffer, for APIs that take a single input. */
export function signedBytes(prefix: string, body: Body): Uint8Array {
  if (typeof body === "string") return utf8(prefix + body);
  if (prefix === "") return body;
  const head = utf8(prefix);
  const out = new Uint8Array(head.length + body.length);
  out.set(head);
  out.set(body, head.length);
  return out;
}

/** Constant-time comparison in plain JavaScript: the time depends on the length only. */
export function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a[i]! ^ b[i]!;
  return diff === 0;
}

function nodeBackend(): CryptoBackend | undefined {
  // process.getBuiltinModule (Node >= 20.16, Bun, Deno) reaches node:crypto without a static
  // import, so bundlers for edge targets never see one and Workers/Edge fall through to Web Crypto.
  const runtime = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process;
  let node: NodeCrypto | undefined;
  try {
    node = runtime?.getBuiltinModule?.("node:crypto") as NodeCrypto | undefined;
  } catch {
    // Next.js's Edge sandbox replaces every function on `process` with one that throws.
    return undefined;
  }
  if (typeof node?.createHmac !== "function") return undefined;
  return {
    name: "node",
    // update() twice instead of hashing `prefix + body`: no copy of a large body; body-only
    // schemes (GitHub, Shopify) skip the empty prefix's call into native code.
    hmac(key, { prefix, body }) {
      const mac = node.createHmac("sha256", key);
      if (prefix !== "") mac.update(prefix);
      return mac.update(body).digest();
    },
    equal: (a, b) => a.length === b.length && node.timingSafeEqual(a, b),
    sha256: (body) => node.createHash("sha256").update(body).digest(),
  };
}

// Imported keys are cached per key buffer; key buffers are themselves cached per secret (keys.ts).
const webKeys = new WeakMap<Uint8Array, Promise<CryptoKey>>();

const webBackend: CryptoBackend = {
  name: "web",
  async hmac(key, message) {
    let imported = webKeys.get(key);
    if (!imported) {
      imported = crypto.subtle.importKey(
        "raw",
        key as Uint8Array<ArrayBuffer>,
        { name: "HMAC", hash: "SHA-256" },
        false,
        ["sign"],
      );
      webKeys.set(key, imported);
    }
    return new Uint8Array(
      await crypto.subtle.sign("HMAC", await imported, messageBytes(message) as Uint8Array<ArrayBuffer>),
    );
  },
  equal: equalBytes,
  async sha256(body) {
    const bytes = (typeof body === "string" ? utf8(body) : body) as Uint8Array<ArrayBuffer>;
    return new Uint8Array(await crypto.subtle.digest("SHA-256", bytes));
  },
};

let active: CryptoBackend | undefined;

/** The backend for this runtime, chosen once. */
export function backend(): CryptoBackend {
  active ??= nodeBackend() ?? webBackend;
  return active;
}

/**
 * Forces a backend (`"web"` or `"node"`), or restores detection (`undefined`). For tests that run
 * one suite over both paths; returns the backend now in use.
 * @internal
 */
export function useBackend(name: "node" | "web" | undefined): CryptoBackend {
  active = name === "web" ? webBackend : name === "node" ? nodeBackend() : undefined;
  if (name === "node" && !active) throw new Error("node:crypto is not available in this runtime");
  return backend();
}
