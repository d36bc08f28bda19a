// GitHub: `x-hub-signature-256: sha256=<hex>` over the body alone; id from `x-github-delivery`.
import { fromHex, toHex } from "../crypto/encoding";
import { field, oneSignature, parseOptionalId, parseSignature, type Scheme, withoutLabel } from "./scheme";

const SIGNATURE = "x-hub-signature-256";
const DELIVERY = "x-github-delivery";
const EVENT = "x-github-event";

/**
 * GitHub's scheme. There is no timestamp, so there is no replay window: deduplicate on the
 * delivery id (`x-github-delivery`), which `verify` returns as `id`. For the receiver, the event
 * type is `x-github-event` joined with the body's `action` (`issues.opened`, or `push`).
 */
export const github: Scheme = {
  name: "github",
  parse: (header) => ({
    id: parseOptionalId(header(DELIVERY), DELIVERY),
    signatures: [parseSignature(withoutLabel(header(SIGNATURE), "sha256="), SIGNATURE, fromHex)],
  }),
  prefix: () => "",
  headers: ({ id, signatures }) => ({
    [SIGNATURE]: `sha256=${toHex(oneSignature(signatures, "github"))}`,
    [DELIVERY]: id,
  }),
  event(body, header, delivery) {
    const name = header(EVENT);
    const action = field(body, "action");
    return { id: delivery.id, type: name && typeof action === "string" ? `${name}.${action}` : name, data: body };
  },
};
