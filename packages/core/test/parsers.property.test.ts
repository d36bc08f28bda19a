// Property tests of the parsers every scheme relies on: timestamps, hex, base64, ids, header lookup.
import fc from "fast-check";
import { describe, expect, test } from "vitest";
import { fromBase64, fromHex, toBase64, toHex } from "../src/crypto/encoding";
import { headerReader } from "../src/headers";
import { WebhookVerificationError } from "../src/index";
import { parseId, parseOptionalId, parseTimestamp } from "../src/scheme";

const RUNS = { numRuns: 5000 };
const CANONICAL = /^(0|[1-9][0-9]{0,11})$/;

function codeOf(run: () => unknown): string {
  try {
    run();
    return "ok";
  } catch (error) {
    if (error instanceof WebhookVerificationError) return error.code;
    throw error;
  }
}

// Strings that look almost like timestamps: the forms naive parsers accept.
const nearTimestamps = fc.oneof(
  fc.string({ unit: fc.constantFrom(..."0123456789+-.eE x,"), maxLength: 16 }),
  fc.integer({ min: 0, max: 2 ** 40 }).map((n) => `0${n}`),
  fc.integer({ min: 1, max: 2 ** 40 }).map((n) => `-${n}`),
  fc.double({ noNaN: true }).map(String),
  fc.integer({ min: 1, max: 2 ** 40 }).map((n) => ` ${n}`),
  fc.integer({ min: 1, max: 2 ** 40 }).map((n) => `${n}, ${n}`),
);

describe("parseTimestamp", () => {
  test("accepts exactly the canonical decimal integers and returns their value", () => {
    fc.assert(
      fc.property(fc.oneof(fc.string({ unit: "binary" }), nearTimestamps), (value) => {
        const code = codeOf(() => parseTimestamp(value, "x-t"));
        expect(code).toBe(CANONICAL.test(value) ? "ok" : "invalid_timestamp");
        if (code === "ok") expect(parseTimestamp(value, "x-t")).toBe(Number(value));
      }),
      RUNS,
    );
  });

  test("every whole number up to 12 digits round-trips through its decimal form", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 999_999_999_999 }), (n) => {
        expect(parseTimestamp(String(n), "x-t")).toBe(n);
      }),
      RUNS,
    );
  });

  test("an absent header is missing_header, an empty one invalid_timestamp", () => {
    expect(codeOf(() => parseTimestamp(undefined, "x-t"))).toBe("missing_header");
    for (const value of ["", " ", "0123", "+1", "-1", "1.0", "1e9", "0x10", "1_000", "١٢٣", "1234567890123"]) {
      expect(
        codeOf(() => parseTimestamp(value, "x-t")),
        value,
      ).toBe("invalid_timestamp");
    }
  });
});

describe("hex", () => {
  test("any bytes round-trip, and uppercase hex decodes to the same bytes", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (bytes) => {
        expect(fromHex(toHex(bytes))).toEqual(bytes);
        expect(fromHex(toHex(bytes).toUpperCase())).toEqual(bytes);
        expect(toHex(bytes)).toBe(Buffer.from(bytes).toString("hex"));
      }),
      RUNS,
    );
  });

  test("any string either decodes to exactly what Node decodes, or is refused; it never throws", () => {
    fc.assert(
      fc.property(
        fc.oneof(fc.string({ unit: "binary" }), fc.string({ unit: fc.constantFrom(..."0123456789abcdefABCDEFgG -") })),
        (text) => {
          const decoded = fromHex(text);
          if (/^([0-9a-fA-F]{2})*$/.test(text)) expect(decoded).toEqual(new Uint8Array(Buffer.from(text, "hex")));
          else expect(decoded).toBeUndefined();
        },
      ),
      RUNS,
    );
  });
});

describe("base64", () => {
  test("any bytes round-trip, padded or not, and encode as Node encodes them", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 96 }), (bytes) => {
        const text = toBase64(bytes);
        expect(text).toBe(Buffer.from(bytes).toString("base64"));
        expect(fromBase64(text)).toEqual(bytes);
        expect(fromBase64(text.replace(/=+$/, ""))).toEqual(bytes);
      }),
      RUNS,
    );
  });

  test("every accepted string is the one canonical encoding of its bytes; nothing throws", () => {
    const alphabet = fc.constantFrom(..."ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=-_ ");
    fc.assert(
      fc.property(fc.oneof(fc.string({ unit: "binary" }), fc.string({ unit: alphabet, maxLength: 24 })), (text) => {
        const decoded = fromBase64(text);
        if (decoded !== undefined) expect(toBase64(decoded).replace(/=+$/, "")).toBe(text.replace(/=+$/, ""));
      }),
      RUNS,
    );
  });
});

describe("parseId", () => {
  test("accepts 1 to 256 printable ASCII characters without spaces or commas, refuses the rest", () => {
    fc.assert(
      fc.property(fc.oneof(fc.string({ unit: "binary", maxLength: 300 }), fc.uuid()), (value) => {
        const valid = /^[\x21-\x2b\x2d-\x7e]{1,256}$/.test(value);
        expect(codeOf(() => parseId(value, "x-id"))).toBe(valid ? "ok" : "malformed_header");
      }),
      RUNS,
    );
    expect(codeOf(() => parseId(undefined, "x-id"))).toBe("missing_header");
    expect(parseOptionalId(undefined, "x-id")).toBeUndefined();
    expect(parseOptionalId("ok", "x-id")).toBe("ok");
  });
});

describe("headerReader", () => {
  test("reads any name case-insensitively from Headers, records and Node-style arrays alike", () => {
    fc.assert(
      fc.property(
        fc.stringMatching(/^[a-z][a-z0-9-]{0,20}$/),
        fc.array(fc.stringMatching(/^[\x21-\x7e]{1,20}$/), { minLength: 1, maxLength: 3 }),
        fc.func(fc.boolean()),
        (name, values, upper) => {
          const mixed = [...name].map((c, i) => (upper(i) ? c.toUpperCase() : c)).join("");
          const joined = values.join(", ");
          const web = new Headers();
          for (const value of values) web.append(mixed, value);
          expect(headerReader(web)(name)).toBe(joined);
          expect(headerReader({ [mixed]: values })(name)).toBe(joined);
          expect(headerReader({ [name]: values.length === 1 ? values[0] : values })(name)).toBe(joined);
          expect(headerReader({ [mixed]: undefined })(name)).toBeUndefined();
          expect(headerReader({})(name)).toBeUndefined();
        },
      ),
      RUNS,
    );
  });
});
