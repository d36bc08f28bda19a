// @hooks/core/scheme: what a custom scheme is written with. The schemes themselves are
// `schemes.<name>` in @hooks/core; this entry holds the parsers and codecs that make a custom one
// refuse malformed input the way the built-in ones do.

export {
  fromBase64 as decodeBase64,
  fromHex as decodeHex,
  toBase64 as encodeBase64,
  toHex as encodeHex,
} from "./crypto/encoding";
export type { EventFields, Key, VerifiedDelivery } from "./delivery";
export type { HeaderReader } from "./headers";
export {
  defineScheme,
  oneSignature,
  parseId,
  parseOptionalId,
  parseSignature,
  type Scheme,
  type SignedParts,
  type SigningParts,
  withoutLabel,
} from "./schemes/scheme";
export { parseTimestamp } from "./timestamp";
