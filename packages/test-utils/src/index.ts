// @hooks/test-utils: the helpers every package's tests share (private, never published). Each area
// is also a subpath of its own: ./wait, ./clock, ./deliveries, ./errors, ./http, ./socket, ./redis.

export { FakeClock } from "./clock";
export {
  type EventBodyOptions,
  eventBody,
  eventDelivery,
  forgedDelivery,
  type SignedDelivery,
  type SigningOptions,
  signedDelivery,
  tampered,
} from "./deliveries";
export { outcome, thrownBy } from "./errors";
export {
  deadUrl,
  type PostAnswer,
  type PostOptions,
  postDelivery,
  type ReceivedRequest,
  readBody,
  serveAnswer,
  serveReceiver,
  startServer,
  type TestServer,
} from "./http";
export {
  ensureRedis,
  freePort,
  ping,
  type RedisServer,
  type RedisServerOptions,
  redisUrl,
  startRedisServer,
} from "./redis.mjs";
export {
  chunk,
  connectRaw,
  LAST_CHUNK,
  type RawClose,
  type RawConnection,
  type RawResponse,
  requestHead,
  sendRaw,
} from "./socket";
export { sleep, type UntilOptions, until } from "./wait";
