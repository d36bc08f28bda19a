// The types every layer shares, below the verifier, the schemes and the receiver: nothing here imports.

/** What a verified delivery told us. */
export interface VerifiedDelivery {
  /** The scheme's name. */
  readonly scheme: string;
  /** The id the scheme's headers carry (Standard Webhooks, GitHub, Shopify), if any. */
  readonly id?: string | undefined;
  /** The signed timestamp in unix seconds, for schemes that carry one. */
  readonly timestamp?: number | undefined;
}

/** What a scheme reads of the event itself; the receiver validates each field. */
export interface EventFields {
  readonly id?: unknown;
  readonly type?: unknown;
  readonly data?: unknown;
  /** The delivery attempt, 1 for the first, where the sender says. */
  readonly attempt?: number | undefined;
}

/** Key material for one configured secret. */
export type Key =
  /** A shared secret for HMAC-SHA256. */
  | { readonly type: "hmac"; readonly bytes: Uint8Array }
  /** A public key: verifies. `ready` settles once the key is imported (and rejects if it is invalid). */
  | {
      readonly type: "public";
      readonly ready: Promise<unknown>;
      verify(data: Uint8Array, signature: Uint8Array): Promise<boolean>;
    }
  /** A private key: signs. */
  | { readonly type: "private"; readonly ready: Promise<unknown>; sign(data: Uint8Array): Promise<Uint8Array> };
