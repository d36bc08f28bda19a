// A verified body to an event: UTF-8 JSON, then the scheme's (or the app's) event fields, checked.
import type { Body } from "../crypto/hmac";
import type { EventFields, VerifiedDelivery } from "../delivery";
import type { HeaderReader } from "../headers";
import { field, isValidId } from "../schemes/scheme";

const MAX_TYPE_LENGTH = 256;

/** The seeds' and Stripe's envelope: `{ id, type, data }` in the body. */
export function envelope(body: unknown): EventFields {
  return { id: field(body, "id"), type: field(body, "type"), data: field(body, "data") };
}

/** An event ready to claim, or why the body is not one. */
export type ReadEvent =
  | {
      readonly ok: true;
      readonly id: string;
      readonly type: string;
      readonly parsed: unknown;
      readonly fields: EventFields;
    }
  | {
      readonly ok: false;
      readonly code: "invalid_body" | "invalid_event";
      readonly error?: unknown;
      readonly id?: string | undefined;
      readonly type?: string | undefined;
    };

const decoder = /* @__PURE__ */ new TextDecoder("utf-8", { fatal: true });

/** Parses a verified body and reads its id and type; both must be usable as keys and in logs. */
export function readEvent(
  body: Body,
  header: HeaderReader,
  verified: VerifiedDelivery,
  read: (body: unknown, header: HeaderReader, delivery: VerifiedDelivery) => EventFields,
): ReadEvent {
  let parsed: unknown;
  try {
    parsed = JSON.parse(typeof body === "string" ? body : decoder.decode(body));
  } catch (error) {
    return { ok: false, code: "invalid_body", error };
  }
  let fields: EventFields;
  try {
    fields = read(parsed, header, verified);
  } catch (error) {
    return { ok: false, code: "invalid_event", error };
  }
  const id = typeof fields.id === "string" && isValidId(fields.id) ? fields.id : undefined;
  const type =
    typeof fields.type === "string" && fields.type !== "" && fields.type.length <= MAX_TYPE_LENGTH
      ? fields.type
      : undefined;
  if (id === undefined || type === undefined) return { ok: false, code: "invalid_event", id, type };
  return { ok: true, id, type, parsed, fields };
}
