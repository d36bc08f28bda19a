// What a call threw, and what verification said: by @hooks's error codes, which hold across copies
// (a test's core from source, test-utils' core from dist).
import { isHooksError, type WebhookVerificationErrorCode } from "@hooks/core";

/** What `run` throws (undefined when it returns). */
export function thrownBy(run: () => unknown): unknown {
  try {
    run();
  } catch (error) {
    return error;
  }
  return undefined;
}

/** Resolves to the code verification failed with, or "verified"; any other error propagates. */
export async function outcome(promise: Promise<unknown>): Promise<WebhookVerificationErrorCode | "verified"> {
  try {
    await promise;
    return "verified";
  } catch (error) {
    if (isHooksError(error) && error.name === "WebhookVerificationError")
      return error.code as WebhookVerificationErrorCode;
    throw error;
  }
}
