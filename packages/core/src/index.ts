// @hooks/core: what an application uses. Scheme authoring lives in @hooks/core/scheme, the Node
// request edge in @hooks/core/node, the store contract in @hooks/core/testing. No logic here.

export type { Clock } from "./clock";
export type { EventFields, VerifiedDelivery } from "./delivery";
export type { EventMap, Handler, HandlerContext, Pattern, WebhookEvent } from "./dispatch";
export {
  HandlerTimeoutError,
  HooksError,
  type HooksErrorCode,
  type HooksErrorOf,
  InvalidOptionError,
  isHooksError,
  RequestBodyError,
  type RequestBodyErrorCode,
  WebhookVerificationError,
  type WebhookVerificationErrorCode,
} from "./errors";
export type { HeaderReader, HeadersInput } from "./headers";
export { type HttpResponse, type Outcome, type OutcomeCode, statusOf } from "./http";
export { MemoryStore, type MemoryStoreOptions } from "./idempotency/memory";
export { type ClaimResult, type IdempotencyStore, StoreUnavailableError } from "./idempotency/port";
export type { LogFields, Logger } from "./log";
export type { Payload } from "./payload";
export {
  EventBusyError,
  QueueUnavailableError,
  RetryLaterError,
  UnhandledEventError,
  UnrecoverableEventError,
} from "./queue/errors";
export {
  type MemoryDeadLetter,
  MemoryQueue,
  type MemoryQueueCloseOptions,
  type MemoryQueueOptions,
} from "./queue/memory";
export type { EventProcessor, EventQueue, JobContext, ProcessResult, QueuedEvent } from "./queue/port";
export { createReceiver, type Delivery, type Receiver, type ReceiverOptions } from "./receiver/index";
export { schemes } from "./schemes/index";
export type { Scheme } from "./schemes/scheme";
export type { TimestampedHmacOptions } from "./schemes/timestamped";
export { type SignOptions, sign } from "./sign";
export { DEFAULT_TOLERANCE_SECONDS, type VerifyOptions, verify } from "./verify";
