// Stripe: `stripe-signature: t=<unix seconds>,v1=<hex>[,v1=<hex>…]` over `${t}.${body}`.
import { fromHex, toHex } from "../crypto/encoding";
import { fail, required } from "../fail";
import { parseTimestamp } from "../timestamp";
import { MAX_LIST_ENTRIES, MAX_LIST_HEADER_LENGTH, parseSignature, type Scheme } from "./scheme";

const HEADER = "stripe-signature";
const ITEM_KEY = /^[a-z0-9]+$/;

const malformed = () => fail("malformed_signature", `the ${HEADER} header is not t=…,v1=…`, HEADER);

/**
 * Stripe's scheme. The secret is the endpoint's `whsec_…` string used as is (Stripe does not
 * base64-decode it). Several `v1` entries may be present (rolled secrets); `v0` and other unknown
 * entries are ignored. A header with two `t=` entries is refused as ambiguous.
 */
export const stripe: Scheme = {
  name: "stripe",
  parse(header) {
    const value = required(header(HEADER), HEADER);
    const items = value.length <= MAX_LIST_HEADER_LENGTH ? value.split(",") : [];
    if (items.length === 0 || items.length > MAX_LIST_ENTRIES) return malformed();
    let t: string | undefined;
    const signatures: Uint8Array[] = [];
    for (const item of items) {
      const equals = item.indexOf("=");
      const key = equals > 0 ? item.slice(0, equals) : "";
      if (!ITEM_KEY.test(key)) return malformed();
      const entry = item.slice(equals + 1);
      if (key === "t") {
        if (t !== undefined) return fail("invalid_timestamp", `the ${HEADER} header has more than one t=`, HEADER);
        t = entry;
      } else if (key === "v1") signatures.push(parseSignature(entry, HEADER, fromHex));
    }
    if (t === undefined) return fail("invalid_timestamp", `the ${HEADER} header has no t=`, HEADER);
    const timestamp = parseTimestamp(t, HEADER);
    return signatures.length > 0 ? { timestamp, signatures } : malformed();
  },
  prefix: ({ timestamp }) => `${timestamp}.`,
  headers: ({ timestamp, signatures }) => ({
    [HEADER]: [`t=${timestamp}`, ...signatures.map((signature) => `v1=${toHex(signature)}`)].join(","),
  }),
};
