// sign(): the headers a sender puts on a delivery, for senders, tests and the CLI.

import { backend, type Message, messageBytes } from "./crypto/hmac";
import { invalidOption } from "./errors";
import { keysFor } from "./keys";
import { type Payload, rawBody } from "./payload";
import { isValidId, type Scheme } from "./schemes/scheme";

/** Options of {@link sign}. */
export interface SignOptions {
  readonly scheme: Scheme;
  /** The signing secret; several produce several signatures where the scheme carries a list. */
  readonly secret: string | readonly string[];
  /** The exact body that will be sent. */
  readonly payload: Payload;
  /** Unix seconds to sign with. Default: now. */
  readonly timestamp?: number;
  /** The delivery id, for schemes that send one. Default: a random UUID. */
  readonly id?: string;
}

/**
 * Signs a payload and returns the headers to send with it.
 *
 * @example
 * const headers = await sign({ scheme: schemes.vastai, secret, payload: body });
 * await fetch(url, { method: "POST", headers: { ...headers, "content-type": "application/json" }, body });
 */
export async function sign(options: SignOptions): Promise<Record<string, string>> {
  const { scheme, secret } = options ?? ({} as Partial<SignOptions>);
  const keys = keysFor(scheme as Scheme, secret as string, "sign");
  const body = rawBody(options.payload);
  const timestamp = options.timestamp ?? Math.floor(Date.now() / 1000);
  if (!Number.isSafeInteger(timestamp) || timestamp < 0)
    invalidOption("timestamp", "timestamp must be unix seconds: a whole number, 0 or more");
  const id = options.id ?? crypto.randomUUID();
  if (typeof id !== "string" || !isValidId(id))
    invalidOption("id", "id must be printable ASCII without spaces or commas");

  const message: Message = { prefix: scheme.prefix({ timestamp, id }), body };
  const signatures: Uint8Array[] = [];
  const asymmetricSignatures: Uint8Array[] = [];
  for (const key of keys) {
    if (key.type === "hmac") signatures.push(await backend().hmac(key.bytes, message));
    else if (key.type === "private") asymmetricSignatures.push(await key.sign(messageBytes(message)));
  }
  return scheme.headers({ timestamp, id, signatures, asymmetricSignatures });
}
