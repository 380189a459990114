// Public types of the `erpops` package. The native surface is described by
// the generated `native.d.ts` (checked for drift by `make test-node`); this
// file adds the JavaScript layer and is type-checked by `tsc --noEmit`
// against `__test__/typed-usage.ts`.

export {
  Signer,
  SIGNATURE_HEADER,
  CONNECTOR_ID_HEADER,
  RECEIVE_PATH,
  JSON_MEDIA_TYPE,
} from './native'

/** A byte input: a Buffer or Uint8Array is read in place; a string is UTF-8. */
export type Bytes = Uint8Array | string

/** One violation of the event contract. */
export interface Violation {
  /** RFC 6901 JSON Pointer of the offending value (`""` for the whole body). */
  pointer: string
  /** Stable machine code: `missing`, `type`, `format`, `too_long`, … */
  code: string
  /** What is wrong and how to fix it. */
  message: string
}

/** Thrown by `validate` and `checkRequest`: the core's answer, unchanged. */
export declare class ErpopsError extends Error {
  /** HTTP status to answer with (401, 413, 422, …). */
  readonly status: number
  /** Stable snake_case code (`invalid_event`, `signature_mismatch`, …). */
  readonly code: string
  /** Every violation (empty unless the body was invalid). */
  readonly errors: Violation[]
  /** RFC 9457 problem body (from `checkRequest`). */
  readonly problem?: Record<string, unknown>
  /** Response headers to send with the problem (from `checkRequest`). */
  readonly headers?: Record<string, string>
}

/**
 * The `X-ERPOps-Signature` value (`sha256=` + 64 lowercase hex digits) of
 * the exact `body` bytes. Throws an `Error` with `code: 'secret_empty'` for
 * an empty secret and a `TypeError` for wrong argument types.
 */
export declare function sign(body: Bytes, secret: Bytes): string

/**
 * Whether `signature` (the raw header value; `null`/`undefined` when the
 * header is absent) signs `body` under any of the secrets, compared in
 * constant time. Never throws for a wrong, malformed or missing signature;
 * throws a `TypeError` for wrong argument types.
 */
export declare function verify(
  body: Bytes,
  signature: Bytes | null | undefined,
  secretOrSecrets: Bytes | Bytes[],
): boolean
