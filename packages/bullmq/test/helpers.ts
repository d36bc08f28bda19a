// Shared by the @hooks/bullmq tests: the BullMQ connection to the shared Redis, the deliveries they
// sign, and the BullMQ major each vitest project provides. Waiting, HTTP and Redis come from @hooks/test-utils.
import { eventDelivery } from "@hooks/test-utils";
import { redisUrl } from "@hooks/test-utils/redis";

export const connection = { url: redisUrl, maxRetriesPerRequest: null };
export const SECRET = "redis-store-test-secret";

/** A signed `resource.created` delivery of event `id`; `data` lets a test steer the handler. */
export const delivery = (id: string, data: Record<string, unknown> = {}) => eventDelivery(id, { secret: SECRET, data });

declare module "vitest" {
  export interface ProvidedContext {
    /** The BullMQ major this project runs on (its vitest config says). */
    bullmqMajor: number;
  }
}
