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

/** A `Date`, or Unix milliseconds (UTC). Omitted: the current time. */
export type Now = Date | number

/** Limits of a custom plan; `null` is unlimited. Both keys are required. */
export interface CustomPlan {
  inbound_event: number | null
  ai_query: number | null
}

/** Options of `QuotaLedger.consume` / `peek`. */
export interface QuotaOptions {
  /** `free`, `professional`, `enterprise`, or custom limits. */
  plan: 'free' | 'professional' | 'enterprise' | (string & {}) | CustomPlan
  /** `inbound_event` (per UTC day, the default) or `ai_query` (per UTC month). */
  metric?: 'inbound_event' | 'ai_query' | (string & {})
  /** Units this request costs (default 1). */
  cost?: number
  /** The receiver's clock, never the event's time. Default: now. */
  now?: Now
  /** A retry with the same key is `replayed`, not counted twice. */
  idempotencyKey?: string | null
}

/** The core's answer to a quota request, with everything a response needs. */
export interface QuotaDecision {
  /** `allowed`, `replayed`, `quota_exceeded` or `quota_cost_exceeds_limit`. */
  code: string
  /** Whether the request may proceed (admitted now, or earlier: replayed). */
  permitted: boolean
  /** The limit in force; `null` for an unlimited plan. */
  limit: number | null
  /** Units left after this request; `null` for an unlimited plan. */
  remaining: number | null
  /** First second of the window (Unix seconds). */
  windowStart: number
  /** First second of the next window (Unix seconds): the reset. */
  windowEnd: number
  /** The reset as a `Date`. */
  resetAt: Date
  /** Seconds from `now` (floored) to the reset, at least 1. */
  resetAfter: number
  /** The `Retry-After` value, only for `quota_exceeded`. */
  retryAfter: number | null
  /** `[name, value]` pairs to send, in order (none for unlimited plans). */
  headers: Array<[string, string]>
}

/**
 * In-memory quota state for one process: per tenant, metric and UTC window
 * (the core's ledger). Wrong plan or metric names throw an `Error` with
 * `code: 'invalid_argument'`; wrong argument types throw a `TypeError`.
 */
export declare class QuotaLedger {
  constructor()
  /** Decides a request and records it if admitted (refusals change nothing). */
  consume(tenant: string, options: QuotaOptions): QuotaDecision
  /** The decision `consume` would make, recording nothing. */
  peek(tenant: string, options: QuotaOptions): QuotaDecision
  /** Units `tenant` used of `metric` in the window containing `now`. */
  used(tenant: string, metric?: string, now?: Now): number
  /** Drops the rows of windows that ended at `now`; returns how many. */
  prune(now?: Now): number
  /** Canonical snapshot JSON of the whole state (equal ledgers, equal text). */
  snapshot(): string
  /** Number of counter rows held. */
  readonly size: number
  /** A ledger rebuilt from `snapshot()` text; throws `code: 'snapshot_*'`. */
  static restore(snapshot: string): QuotaLedger
}
