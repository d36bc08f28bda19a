// Public exports of @hooks/core; no logic lives here.

export {
  fromBase64 as decodeBase64,
  fromHex as decodeHex,
  toBase64 as encodeBase64,
  toHex as encodeHex,
} from "./crypto/encoding";
export type { EventMap, EventOf, Handler, HandlerContext, Matching, Pattern, WebhookEvent } from "./dispatch";
export { WebhookVerificationError, type WebhookVerificationErrorCode } from "./errors";
export type { HeaderReader, HeadersInput } from "./headers";
export type { HttpResponse, Outcome, OutcomeCode } from "./http";
export { statusOf, toResponse } from "./http";
export { MemoryStore, type MemoryStoreOptions } from "./idempotency/memory";
export { type ClaimResult, type IdempotencyStore, StoreUnavailableError } from "./idempotency/port";
export type { Key } from "./keys";
export type { LogFields, Logger } from "./log";
export type { Payload } from "./payload";
export {
  type CloseOptions,
  type DeadLetter,
  type EventProcessor,
  MemoryQueue,
  type MemoryQueueOptions,
} from "./queue/memory";
export {
  EventBusyError,
  type EventQueue,
  type JobContext,
  type ProcessResult,
  type QueuedEvent,
  RetryLaterError,
  UnrecoverableEventError,
} from "./queue/port";
export { type Clock, createReceiver, type Delivery, type Receiver, type ReceiverOptions } from "./receiver";
export { github } from "./schemes/github";
export { schemes } from "./schemes/index";
export {
  afterLabel,
  defineScheme,
  parseId,
  parseOptionalId,
  parseSignature,
  type Scheme,
  type SignedParts,
  type SigningParts,
  single,
} from "./schemes/scheme";
export { shopify } from "./schemes/shopify";
export { slack } from "./schemes/slack";
export { standardWebhooks } from "./schemes/standard-webhooks";
export { stripe } from "./schemes/stripe";
export { groq, type TimestampedHmacOptions, timestampedHmac, vastai } from "./schemes/timestamped";
export { type SignOptions, sign } from "./sign";
export { parseTimestamp } from "./timestamp";
export { DEFAULT_TOLERANCE_SECONDS, type VerifiedDelivery, type VerifyOptions, verify } from "./verify";
