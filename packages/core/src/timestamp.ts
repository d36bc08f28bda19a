// Strict parsing of unix-second timestamps and the two-sided replay window.
import { fail, required } from "./fail";

// Unix seconds have 10 digits until the year 2286; 12 leaves room and keeps the value exact.
const MAX_DIGITS = 12;

/**
 * Parses a timestamp that must be a canonical decimal integer: digits only, no sign, no leading
 * zero, no spaces, no fraction or exponent. Anything else is `invalid_timestamp`, so a malformed
 * value can never slip past the age check as NaN.
 *
 * @param value the header value (`undefined` when the header is absent: `missing_header`)
 * @param header where the value came from, named in the error
 */
export function parseTimestamp(value: string | undefined, header: string): number {
  value = required(value, header);
  const length = value.length;
  let ok = length > 0 && length <= MAX_DIGITS && (length === 1 || value.charCodeAt(0) !== 48);
  for (let i = 0; ok && i < length; i++) {
    const code = value.charCodeAt(i);
    ok = code >= 48 && code <= 57;
  }
  if (!ok) {
    return fail("invalid_timestamp", `the ${header} header must be unix seconds as a plain decimal integer`, header);
  }
  return Number(value);
}

/**
 * Rejects a timestamp more than `toleranceSeconds` away from now, in either direction. The edges
 * are exact: `now ± tolerance` passes, `now ± (tolerance + 1)` does not.
 */
export function checkWindow(timestamp: number, toleranceSeconds: number, nowMs: number): void {
  const age = Math.floor(nowMs / 1000) - timestamp;
  if (age > toleranceSeconds) {
    fail(
      "timestamp_too_old",
      `timestamp is ${age} s old (tolerance ${toleranceSeconds} s): a replay, or this server's clock runs ahead`,
    );
  }
  if (-age > toleranceSeconds) {
    fail(
      "timestamp_in_future",
      `timestamp is ${-age} s in the future (tolerance ${toleranceSeconds} s): forged, or this server's clock runs behind`,
    );
  }
}
