// A delivery ready to send: the provider's event, signed, checked against what our receiver will read, then --header applied.
import { createHmac } from "node:crypto";
import type { VerifiedDelivery } from "@hooks/core";
import { buildEvent, type EventInput, isRecord } from "./payloads";
import { type Headers, type Profile, signed, UsageError } from "./profiles";

/** A signed delivery, and the id and type our receiver reads from it. */
export interface Prepared {
  readonly body: string | Uint8Array;
  readonly headers: Headers;
  readonly id?: string | undefined;
  readonly type?: string | undefined;
}

/**
 * Builds and signs a delivery as the provider would (for GitHub also the legacy sha1
 * `x-hub-signature` it still sends), checks that our receiver would read the `<type>` and `--id`
 * asked for, then applies `--header` overrides.
 */
export async function prepareDelivery(
  profile: Profile,
  secret: string,
  input: EventInput,
  options: { now: number; timestamp?: number | undefined; headers?: Headers | undefined },
): Promise<Prepared> {
  const built = buildEvent(profile, input, options.now);
  const delivery = await signed(profile, secret, built.body, {
    id: built.signingId,
    extra: built.headers,
    ...(options.timestamp === undefined ? {} : { timestamp: options.timestamp }),
  });
  const headers = { ...delivery.headers };
  if (profile.name === "github")
    headers["x-hub-signature"] = `sha1=${createHmac("sha1", secret).update(built.body).digest("hex")}`;
  const seen = receivedAs(profile, built.body, headers);
  if (input.type !== undefined && seen.type !== input.type)
    throw new UsageError(
      `this body would be received as type "${seen.type ?? "(none)"}", not "${input.type}" (${TYPE_SOURCE[profile.name] ?? "the body's type"}); leave <type> out to send the body as it is`,
    );
  if (input.id !== undefined && seen.id !== input.id)
    throw new UsageError(
      `this body would be received with id "${seen.id ?? "(none)"}", not "${input.id}" (the body's own id); leave --id out to send the body as it is`,
    );
  return { body: built.body, headers: { ...headers, ...options.headers }, ...seen };
}

const TYPE_SOURCE: Record<string, string> = {
  github: "x-github-event and the body's action",
  shopify: "the topic",
  slack: "the body's event.type",
};

/** The id and type our receiver reads from a delivery with the scheme's own `event()` (the envelope by default). */
function receivedAs(profile: Profile, body: string | Uint8Array, headers: Headers): { id?: string; type?: string } {
  const header = (name: string) => headers[name];
  try {
    const parsed: unknown = JSON.parse(typeof body === "string" ? body : new TextDecoder().decode(body));
    const parts = profile.scheme.parse(header);
    const delivery: VerifiedDelivery = { scheme: profile.scheme.name, id: parts.id, timestamp: parts.timestamp };
    const fields = profile.scheme.event?.(parsed, header, delivery) ?? {
      id: isRecord(parsed) ? parsed.id : undefined,
      type: isRecord(parsed) ? parsed.type : undefined,
    };
    return {
      ...(typeof fields.id === "string" ? { id: fields.id } : {}),
      ...(typeof fields.type === "string" ? { type: fields.type } : {}),
    };
  } catch {
    return {}; // not JSON, or headers the scheme cannot read: our receiver would refuse it
  }
}
