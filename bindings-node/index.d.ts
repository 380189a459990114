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
  DEFAULT_MAX_BODY_BYTES,
  MAX_LISTED_VIOLATIONS,
  DEFAULT_MAX_AGE_SECONDS,
  DEFAULT_FUTURE_SKEW_SECONDS,
  type PiiFinding,
  type Redacted,
  type Redaction,
  type SyntaxPosition,
  type EngineConfig,
  type EngineSecret,
  type EngineRequest,
  type FlappingOptions,
} from './native'
import type { Redacted, Redaction, SyntaxPosition, EngineConfig, EngineSecret, EngineRequest, EngineResponse as NativeResponse, FlappingOptions } from './native'
import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http'

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

/**
 * Thrown by `validate`, `buildEvent`, `signedRequest` and `checkRequest`:
 * the core's answer, unchanged.
 */
export declare class ErpopsError extends Error {
  /** HTTP status to answer with (401, 413, 422, …). */
  readonly status: number
  /**
   * Stable snake_case code (`invalid_event`, `body_too_large`,
   * `signature_mismatch`, …).
   */
  readonly code: string
  /**
   * The violations (empty unless the body was invalid): every one, up to
   * `MAX_LISTED_VIOLATIONS` (the first found).
   */
  readonly errors: Violation[]
  /** How many violations there are in all (the problem body's `error_count`). */
  readonly errorCount: number
  /** `body_too_large` from the builder: the body's length in bytes. */
  readonly size?: number
  /** `body_too_large` from the builder: the limit in bytes. */
  readonly limit?: number
  /** RFC 9457 problem body (from `checkRequest`). */
  readonly problem?: Record<string, unknown>
  /** Response headers to send with the problem (from `checkRequest`). */
  readonly headers?: Record<string, string>
  /** Where a JSON syntax error is (when the body is not JSON). */
  readonly syntax?: SyntaxPosition
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

/** Overrides of the incident model's defaults (seconds). */
export interface IncidentOptions {
  /** A problem this soon after a resolution reopens it (default 1800). */
  reopenWindowSecs?: number
  /** An acknowledgement expires after this long; 0 = never (default 1800). */
  ackTimeoutSecs?: number
}

/** An operator command on one incident. */
export interface IncidentCommand {
  command: 'acknowledge' | 'resolve' | 'reopen'
  incident_id: string
  actor: string
  note?: string
}

/**
 * One effect of the incident model, in the core's JSON form (`kind`:
 * `opened`, `updated`, `escalated`, `reopened`, `resolved`, `acknowledged`,
 * `ack_expired`, …, with the `incident` it concerns).
 */
export interface IncidentEffect {
  kind: string
  incident: Incident
  [member: string]: unknown
}

/** An incident record in the core's JSON form (snake_case, RFC 3339 times). */
export interface Incident {
  id: string
  status: 'open' | 'acknowledged' | 'resolved'
  severity: 'info' | 'warn' | 'error' | 'critical'
  [member: string]: unknown
}

/**
 * The core's incident model (correlation, lifecycle, timers). Events are
 * objects in the normalized event JSON form (a `Date` timestamp is accepted)
 * or that JSON text; commands that do not apply throw an `Error` with the
 * core's code (`incident_not_found`, `already_resolved`, …).
 */
export declare class IncidentModel {
  constructor(options?: IncidentOptions)
  /** Ingests an accepted event with its id at the receiver's `now`. */
  ingest(event: object | string | Uint8Array, eventId: string, now?: Now): IncidentEffect[]
  /** Applies an operator command; changes nothing when it throws. */
  command(command: IncidentCommand | string, now?: Now): IncidentEffect[]
  /** Fires the timers due at `now`. */
  tick(now?: Now): IncidentEffect[]
  /** When to call `tick` next, or `null` when no timer is pending. */
  nextWakeup(): Date | null
  /** The incident with `incidentId`, or `null`. */
  get(incidentId: string): Incident | null
  /** Every incident the model holds. */
  incidents(): Incident[]
  /** The whole state as snapshot JSON text. */
  snapshot(): string
  /** A model rebuilt from `snapshot()` text; throws `code: 'snapshot_*'`. */
  static restore(snapshot: string, options?: IncidentOptions): IncidentModel
}

/** A metadata value: integers beyond 2^53 are `bigint` so they stay exact. */
export type MetadataValue = string | number | bigint | boolean | null

/** A validated event, normalized, with the wire's field names. */
export interface ErpopsEvent {
  /** Lowercase hyphenated UUID. */
  connector_id: string
  /** `family.outcome`, e.g. `integration.failed`. */
  event_type: string
  /** The event time (UTC; a `Date` keeps milliseconds). */
  timestamp: Date
  /** `info` when the body had none. */
  severity: 'info' | 'warn' | 'error' | 'critical'
  source: string | null
  /** After redaction under the `redact` policy. */
  message: string | null
  /** In body order. */
  metadata: Record<string, MetadataValue>
  /** Each field where personal data was replaced. */
  redactions: Redaction[]
}

/** Options of `validate`. */
export interface ValidateOptions {
  /** The `X-ERPOps-Connector-Id` UUID the body's `connector_id` must equal. */
  connectorId?: string
  /** The receiver's clock (never the event's time). Default: now. */
  now?: Now
  /** How far in the future a timestamp may be (default 300 s). */
  futureSkewSeconds?: number
  /** How old a timestamp may be (default 86400 s). */
  maxAgeSeconds?: number
  /** Largest accepted body (default 65536 bytes). */
  maxBodyBytes?: number
  /** What to do with personal data (default `redact`). */
  piiPolicy?: 'redact' | 'reject' | 'allow'
}

/**
 * Validates a raw body with the service's exact rules. Returns the
 * normalized event; throws an `ErpopsError` (`status` 422, `code`
 * `invalid_event`, every violation in `errors`) when the body breaks the
 * contract, and a `TypeError` for wrong argument types.
 */
export declare function validate(body: Bytes, options?: ValidateOptions): ErpopsEvent

/** Fields of an event to build (the wire's names). */
export interface EventFields {
  connector_id?: string
  event_type?: string
  /** A `Date`, or RFC 3339 text (any offset; normalized to UTC). */
  timestamp?: Date | string
  severity?: 'info' | 'warn' | 'error' | 'critical' | (string & {})
  source?: string | null
  message?: string | null
  /** Flat: string, number, bigint, boolean or null values. */
  metadata?: Record<string, MetadataValue>
}

/** Options of `buildEvent` and `signedRequest`. */
export interface BuildOptions {
  /**
   * The largest body to emit, in bytes: the receiver's `max_body_bytes`
   * (default `DEFAULT_MAX_BODY_BYTES`, 64 KiB, the receiver's default).
   */
  maxBodyBytes?: number
}

/**
 * The compact JSON body (fixed field order; unset fields left out) of a
 * valid event. Throws an `ErpopsError` with every violation otherwise
 * (`invalid_event`, 422), or with `code` `body_too_large` (413, `size` and
 * `limit` set) when the fields are valid but the body would be longer than
 * `options.maxBodyBytes`; the time window is not checked (the builder has
 * no clock).
 */
export declare function buildEvent(fields: EventFields, options?: BuildOptions): Buffer<ArrayBuffer>

/**
 * `buildEvent`'s body and the headers to send it with (`fetch`-ready);
 * throws as `buildEvent` does, before anything is signed.
 */
export declare function signedRequest(
  fields: EventFields,
  secret: Bytes,
  options?: BuildOptions,
): { body: Buffer<ArrayBuffer>; headers: Record<string, string> }

/**
 * Replaces e-mail addresses, SSNs, card numbers, IBANs and phone numbers
 * with `[REDACTED:<kind>]`; `findings` give byte offsets in the UTF-8 text.
 */
export declare function redact(text: string): Redacted

/** What `erpopsMiddleware` hands the decision besides headers and body. */
export interface CheckOptions {
  /** The connector's active secrets from `secretsFor` (`null`: unknown). */
  secrets: Bytes | Bytes[] | null | undefined
  /** The body limit; the body given is at most one byte longer. */
  maxBodyBytes: number
  [option: string]: unknown
}

/** Options of `erpopsMiddleware`. */
export interface MiddlewareOptions {
  /**
   * The active secrets of the connector named by the `X-ERPOps-Connector-Id`
   * header (its raw value), or `null`/`undefined` when there is no such
   * connector. May be async.
   */
  secretsFor(
    connectorId: string,
    req: IncomingMessage,
  ): Bytes | Bytes[] | null | undefined | Promise<Bytes | Bytes[] | null | undefined>
  /** Largest body read (default `DEFAULT_MAX_BODY_BYTES`, 64 KiB). */
  maxBodyBytes?: number
  /**
   * The decision: returns the event or throws an `ErpopsError` with
   * `status`, `problem` and `headers`. Defaults to the core's receive
   * decision (`checkRequest`) once the package has it.
   */
  check?: (headers: IncomingHttpHeaders, body: Buffer, options: CheckOptions) => unknown
  /** Extra options passed to `check` (e.g. `now`). */
  checkOptions?: Record<string, unknown>
}

/** A request after `erpopsMiddleware` accepted it. */
export interface ErpopsRequest extends IncomingMessage {
  /** The decision's event. */
  erpopsEvent?: unknown
  /** The raw body bytes exactly as received. */
  erpopsRawBody?: Buffer
}

/**
 * Express/Connect middleware: reads the raw body itself (stopping one byte
 * past the limit), refuses with `code: 'body_already_parsed'` when a body
 * parser ran first, and answers rejections with the decision's status,
 * headers and `application/problem+json` body; sets `req.erpopsEvent`.
 */
export declare function erpopsMiddleware(
  options: MiddlewareOptions,
): (req: ErpopsRequest, res: ServerResponse, next: (err?: unknown) => void) => void

/** Options of `checkRequest`. */
export interface CheckRequestOptions {
  /** The connector's active secrets; `null`/omitted: no such connector (403). */
  secrets?: Bytes | Bytes[] | null
  /** The receiver's clock. Default: now. */
  now?: Now
  /** The HTTP method (default `POST`). */
  method?: string
  /** Echoed in the problem body (default: a random `req_…`). */
  requestId?: string
  /** Largest body (default 64 KiB). */
  maxBodyBytes?: number
  /** Set when you stopped reading the body past the limit: the length read or declared. */
  bodyTooLarge?: number
  /** The tenant's PII policy (default `redact`). */
  piiPolicy?: 'redact' | 'reject' | 'allow'
}

/**
 * The core's receive decision for an existing receiver (no replay or quota
 * store): returns the accepted event, or throws an `ErpopsError` with
 * `status`, `code`, `problem` (RFC 9457 body) and `headers` to answer with.
 * Headers may be Node's `req.headers`, a fetch `Headers` or any-case object.
 */
export declare function checkRequest(
  headers: IncomingHttpHeaders | Headers | Record<string, string | string[] | undefined>,
  rawBody: Bytes,
  options?: CheckRequestOptions,
): ErpopsEvent

/**
 * The core's in-memory receiver (contract §4's reference implementation):
 * tenants, connectors with rotating secrets, the replay set, the quota
 * ledger and the incident model. Admin errors carry the core's codes.
 */
export declare class ReceiveEngine {
  constructor(config?: EngineConfig)
  /** `plan`: a plan name, or a daily inbound-event limit (`null` = unlimited). */
  addTenant(id: string, plan: string | number | null, piiPolicy?: string, suspended?: boolean): void
  /** Secrets newest first; one verifies only while `now < expiresAtMs`. */
  addConnector(id: string, tenantId: string, secrets: EngineSecret[], enabled?: boolean): void
  /** Decides one request at `now` (default: the clock) and applies its effects. */
  receive(request: EngineRequest, now?: Now, requestId?: string): EngineResponse
  /** The alerting layer every accepted event runs through (the core's `alerts_mut()`). */
  readonly alerts: Alerting
  /** Runs every due timer (heartbeats, jobs, windows, ack expiry, flapping, group_wait, repeats). */
  tick(now?: Now): AlertEffect[]
  /** When to call `tick` next, or `null` when no timer is pending. */
  nextWakeup(): Date | null
}

/** The response `ReceiveEngine.receive` decided. */
export interface EngineResponse extends Omit<NativeResponse, 'alerts'> {
  /** The alerting layer's effects of an accepted event (`notify`, `suppressed`, `flapping_*`). */
  alerts: AlertEffect[]
}

/** Overrides of the alerting layer's defaults (seconds). */
export interface AlertOptions extends IncidentOptions {
  /** `false` turns flap detection off (default on: 4 transitions in 3600 s, quiet 3600 s). */
  flapping?: false | FlappingOptions
}

/** Which incidents a rule or silence concerns; `*` and `?` globs. */
export interface AlertMatchers {
  connector_id?: string
  source?: string
  event_type?: string
  min_severity?: 'info' | 'warn' | 'error' | 'critical'
}

/** Who hears about which incident transitions, and how often (durations in whole seconds). */
export interface AlertRule {
  id: string
  name: string
  channel: string
  /** The transitions that notify; absent = all. */
  kinds?: TransitionKind[]
  matchers?: AlertMatchers
  repeat_interval?: number
  group_wait?: number
}

/** A time-ranged mute, active on `[starts_at, ends_at)` (RFC 3339). */
export interface Silence {
  id: string
  matchers?: AlertMatchers
  starts_at: string
  ends_at: string
  comment?: string
}

/** An expectation that `source` reports at least every `period` (+ `grace`) seconds. */
export interface Heartbeat {
  connector_id: string
  source: string
  period: number
  grace: number
  severity?: 'info' | 'warn' | 'error' | 'critical'
  paused?: boolean
}

/** An incident's severity. */
export type Severity = 'info' | 'warn' | 'error' | 'critical'

/**
 * Incident transitions a rule can ask to hear about (`AlertRule.kinds`); a
 * job's expectations (`missed_start`, `run_too_long`, `run_too_short`,
 * `deadline_missed`, and `missed_run` for jobs without start signals) open
 * incidents with transitions of their own.
 */
export type TransitionKind =
  | 'opened'
  | 'escalated'
  | 'reopened'
  | 'resolved'
  | 'ack_expired'
  | 'missed_run'
  | 'flapping_started'
  | 'flapping_stopped'
  | 'missed_start'
  | 'run_too_long'
  | 'run_too_short'
  | 'deadline_missed'

/** Why a notification is due now (`notify.reason`, `suppressed.would_notify`). */
export type NotifyReason =
  | 'first'
  | 'escalated'
  | 'reopened'
  | 'resolved'
  | 'ack_expired'
  | 'missed_run'
  | 'repeat_elapsed'
  | 'flapping_started'
  | 'flapping_stopped'
  /** A silence that held it ended. */
  | 'silence_ended'
  | 'missed_start'
  | 'run_too_long'
  | 'run_too_short'
  | 'deadline_missed'
  /** The dependency whose incident held it has none active any more. */
  | 'inhibition_ended'
  /** A maintenance window that held it ended. */
  | 'window_ended'

/** Why a matching notification was held (`suppressed.reason`). */
export type SuppressReason =
  /** An active silence (`silence_id`). */
  | 'silenced'
  | 'flapping'
  | 'throttled'
  | 'group_wait'
  /** A job this incident's job depends on has an active incident (`inhibited_by`). */
  | 'inhibited'
  /** A maintenance window is active (`window_id`). */
  | 'maintenance'

/** The correlation key of an incident (flapping is per key). */
export interface CorrelationKey {
  connector_id: string
  source?: string
  family?: string
  dedup_key?: string
  run_id?: string
}

/** `channel` should hear about `incident` now: deliver it. */
export interface NotifyEffect {
  kind: 'notify'
  rule_id: string
  channel: string
  incident: Incident
  reason: NotifyReason
}

/** A rule matched but the notification is held; released later with its own reason. */
export interface SuppressedEffect {
  kind: 'suppressed'
  rule_id: string
  channel: string
  incident: Incident
  /** What it would have said. */
  would_notify: NotifyReason
  reason: SuppressReason
  /** The silence, when `reason` is `silenced`. */
  silence_id?: string
  /** The dependency's incident, when `reason` is `inhibited`. */
  inhibited_by?: string
  /** The maintenance window, when `reason` is `maintenance`. */
  window_id?: string
}

/** A key started or stopped flapping. */
export interface FlappingEffect {
  kind: 'flapping_started' | 'flapping_stopped'
  key: CorrelationKey
}

/** A fact of the incident model, passed through. */
export interface IncidentFact {
  kind: 'opened' | 'updated' | 'escalated' | 'reopened' | 'resolved' | 'acknowledged' | 'ack_expired'
  incident: Incident
  /** `escalated`: the severity before. */
  previous_severity?: Severity
  /** `resolved`: why (`recovery`, `command`, …). */
  reason?: string
}

/**
 * One effect of the alerting layer, in the core's JSON form, told apart by
 * `kind`: the incident model's facts (`opened`, `resolved`, …), `notify`
 * (deliver it), `suppressed` (held), `flapping_started`, `flapping_stopped`.
 */
export type AlertEffect = IncidentFact | NotifyEffect | SuppressedEffect | FlappingEffect

/** Which source a job watches, and which jobs a job depends on. */
export interface JobKey {
  connector_id: string
  source: string
}

/** One cron expression (5 fields, or `@hourly` `@daily` `@weekly` `@monthly` `@yearly`) in an IANA time zone. */
export interface ScheduleEntry {
  cron: string
  time_zone: string
}

/**
 * A job's expectation: some event at least every `period` seconds, or a run
 * at each fire time of a schedule (1 to 32 entries).
 */
export type JobExpectation = { period: number } | { schedule: ScheduleEntry[] }

/** The local time of day (`HH:MM`, 24-hour) by which each scheduled run must have succeeded. */
export interface JobDeadline {
  time: string
  time_zone: string
}

/**
 * What is expected of one batch job (durations in whole seconds). As read
 * back (`jobs()`, `job()`), `severity` and `paused` are always present.
 */
export interface Job extends JobKey {
  expectation: JobExpectation
  /** How late (and how early) a due run may report before it counts as missed. */
  grace: number
  /** A run still going this long after its start opens `run_too_long`. */
  max_runtime?: number
  /** A run that succeeds sooner than this opens `run_too_short`. */
  min_runtime?: number
  /** Schedules only. */
  deadline?: JobDeadline
  /** While one of these jobs has an active incident, this job's notifications are held (`inhibited`). */
  depends_on?: JobKey[]
  /** Of the incidents its expectations open (default `error`). */
  severity?: Severity
  /** A paused job expects nothing; its runs are still recorded. */
  paused?: boolean
}

/** A job as given to `setJob`: a `Schedule` may stand for the entries. */
export interface JobInput extends Omit<Job, 'expectation'> {
  expectation: { period: number } | { schedule: ScheduleEntry[] | Schedule }
}

/** A run in progress. */
export interface OpenRun {
  seq: number
  run_id?: string
  started_at: string
  /** When it becomes too long (while the job has a `max_runtime`). */
  too_long_at?: string
  /** Whether it was reported as too long. */
  too_long: boolean
}

/** How a run ended; `abandoned`: it never ended (too many in progress, or its job was removed). */
export type RunOutcome = 'succeeded' | 'failed' | 'abandoned'

/** A finished run (RFC 3339 times). */
export interface RunRecord {
  /** `metadata.run_id` of its signals. */
  run_id?: string
  /** Absent for an end without a start. */
  started_at?: string
  ended_at: string
  /** Whole milliseconds, when the start is known. */
  duration_ms?: number
  outcome: RunOutcome
  /** `metadata.records_processed` of its end (or start) signal. */
  records_processed?: number
}

/** `paused`, `failing` (an expectation is broken or the last run failed), `running`, `ok`, `waiting` (never heard from). */
export type JobStatus = 'paused' | 'failing' | 'running' | 'ok' | 'waiting'

/** Which expectation a job's incident stands for. */
export type ExpectationKind = 'missed_run' | 'missed_start' | 'run_too_long' | 'run_too_short' | 'deadline_missed'

/** A job and everything the engine tracks for it (RFC 3339 times). */
export interface JobState {
  job: Job & { severity: Severity; paused: boolean }
  /** Last event heard from the source. */
  last_seen?: string
  /** When the job was set or last resumed. */
  since: string
  /** Whether it has sent a `*.started` signal (then only a start answers a due time). */
  sends_starts: boolean
  /** The due time being waited for (none while paused). */
  due?: string
  /** When the wait for `due` counts as missed (`due + grace`). */
  miss_at?: string
  /** Due times missed in a row. */
  missed_count: number
  /** Deadlines waiting for a success, earliest first. */
  deadlines?: Array<{ due: string; at: string }>
  /** Runs in progress, oldest first. */
  open_runs?: OpenRun[]
  next_seq: number
  /** The last 20 finished runs, oldest first. */
  runs?: RunRecord[]
  /** The open incident of each broken expectation. */
  incidents?: Array<{ kind: ExpectationKind; incident_id: string }>
  /** One word for the job as it is. */
  status: JobStatus
  /** Median duration of the recent successful runs (the lower middle one), or `null`. */
  median_duration_ms: number | null
}

/**
 * A recurring silence: active for `duration` seconds from each fire time of
 * `schedule`. It holds matching notifications (`suppressed`, reason
 * `maintenance`) and releases what is still news when the occurrence ends
 * (`window_ended`), but never holds the `resolved` of an incident whose
 * channel was told it was firing.
 */
export interface MaintenanceWindow {
  id: string
  matchers?: AlertMatchers
  schedule: ScheduleEntry[]
  duration: number
  comment?: string
}

/** A window as given to `setWindow`: a `Schedule` may stand for the entries. */
export interface MaintenanceWindowInput extends Omit<MaintenanceWindow, 'schedule'> {
  schedule: ScheduleEntry[] | Schedule
}

/**
 * A checked schedule: one or more cron expressions, each read on the wall
 * clock of its own IANA time zone; the job is due at each fire time of any
 * of them. Across daylight-saving changes a time in a spring-forward gap
 * fires once, when the gap ends, and a time in a fall-back overlap once, at
 * its first occurrence (`docs/runs.md`). A refused schedule throws an
 * `Error` with the core's `code`: `invalid_cron`, `cron_never_fires`,
 * `unknown_time_zone`, `invalid_schedule` (`invalid_argument` for a value
 * not of the form). It serializes (`JSON.stringify`) as its entries.
 */
export declare class Schedule {
  /** From 1 to 32 entries, or their JSON text. */
  constructor(entries: ScheduleEntry[] | Schedule | string)
  /** One expression in one zone. */
  static single(cron: string, timeZone: string): Schedule
  /** The entries as built: expression trimmed, the zone's canonical IANA name (a copy). */
  readonly entries: ScheduleEntry[]
  /** The next fire time strictly after `after` (default: now), or `null` when there is none. */
  nextFireAfter(after?: Now): Date | null
  /** Up to `n` (at most `MAX_FIRES`) fire times strictly after `after`, in order. */
  firesAfter(after: Now, n: number): Date[]
  toJSON(): ScheduleEntry[]
}

/** The next time `schedule` fires strictly after `after` (default: now), or `null`. */
export declare function nextFireAfter(schedule: Schedule | ScheduleEntry[] | string, after?: Now): Date | null

/** Up to `n` fire times of `schedule` strictly after `after`, in order. */
export declare function firesAfter(schedule: Schedule | ScheduleEntry[] | string, after: Now, n: number): Date[]

/** The IANA time zone database release compiled into the core (e.g. `2026f`). */
export declare const TZDB_VERSION: string

/** Most fire times one `firesAfter` call returns (10,000). */
export declare const MAX_FIRES: number

/**
 * Codes of the errors the alerting layer throws for a job, window or
 * schedule it refuses (`err.code`).
 */
export type AlertErrorCode =
  | 'invalid_argument'
  | 'invalid_name'
  | 'invalid_duration'
  | 'invalid_time_range'
  | 'unknown_heartbeat'
  | 'invalid_cron'
  | 'cron_never_fires'
  | 'unknown_time_zone'
  | 'invalid_schedule'
  | 'invalid_period'
  | 'invalid_deadline'
  | 'invalid_runtime_range'
  | 'deadline_needs_schedule'
  | 'too_many_dependencies'
  | 'dependency_cycle'
  | 'unknown_job'
  | 'watched_twice'
  | 'invalid_window'

/**
 * Rules, silences, heartbeats, jobs, maintenance windows and incident
 * commands of an alerting layer (an `AlertEngine`, or a `ReceiveEngine`'s
 * `alerts`). Invalid input throws an `Error` with the core's code
 * (`AlertErrorCode`: `invalid_name`, `invalid_cron`, `unknown_time_zone`,
 * `dependency_cycle`, `unknown_job`, …; `incident_not_found` and the like
 * from `command`).
 */
export declare class Alerting {
  protected constructor()
  /** Adds or replaces a rule. */
  setRule(rule: AlertRule | string): void
  /** Removes a rule; the removed rule, or `null`. */
  removeRule(ruleId: string): AlertRule | null
  /** The rules, in id order. */
  rules(): AlertRule[]
  /** Adds or replaces a silence. */
  setSilence(silence: Silence | string): void
  /** Ends a silence at `now`; the effects of what it held back. */
  expireSilence(silenceId: string, now?: Now): AlertEffect[]
  /** The silences, in id order. */
  silences(): Silence[]
  /** Sets or changes a heartbeat; a new one starts counting at `now`. */
  setHeartbeat(heartbeat: Heartbeat | string, now?: Now): void
  /** Pauses or resumes a heartbeat at `now`. */
  setHeartbeatPaused(connectorId: string, source: string, paused: boolean, now?: Now): void
  /** Removes a heartbeat; the removed heartbeat, or `null`. */
  removeHeartbeat(connectorId: string, source: string): Heartbeat | null
  /** The heartbeats with their state. */
  heartbeats(): Array<{ heartbeat: Heartbeat; [member: string]: unknown }>
  /**
   * Sets or changes a job at `now`: a new one is first due at the schedule's
   * first fire time after `now` (or `now + period`); a changed one keeps its
   * runs and incidents.
   */
  setJob(job: JobInput | string, now?: Now): void
  /** Pauses (nothing expected) or resumes (counting from `now`) a job; throws `unknown_job`. */
  setJobPaused(connectorId: string, source: string, paused: boolean, now?: Now): void
  /** Removes a job; the removed job, or `null`. Its open incidents stay. */
  removeJob(connectorId: string, source: string): Job | null
  /** One job's state with `status` and `median_duration_ms`, or `null`. */
  job(connectorId: string, source: string): JobState | null
  /** The jobs with their state, in (connector, source) order. */
  jobs(): JobState[]
  /** Adds or replaces a maintenance window. */
  setWindow(window: MaintenanceWindowInput | string): void
  /** Removes a maintenance window at `now`; the effects of what it held back. */
  removeWindow(windowId: string, now?: Now): AlertEffect[]
  /** The maintenance windows, in id order. */
  windows(): MaintenanceWindow[]
  /** Applies an operator command; changes nothing when it throws. */
  command(command: IncidentCommand | string, now?: Now): AlertEffect[]
  /** Every incident the engine holds. */
  incidents(): Incident[]
  /** The incident with `incidentId`, or `null`. */
  get(incidentId: string): Incident | null
}

/**
 * The core's alerting layer (contract §6): the incident model plus rules,
 * silences, flap detection, heartbeats, batch jobs (schedules, runs,
 * runtime limits, deadlines, dependencies) and maintenance windows. Every
 * call returns the effects to perform; `notify` effects are the
 * notifications to deliver.
 */
export declare class AlertEngine extends Alerting {
  constructor(options?: AlertOptions)
  /** Ingests an accepted event with its id at the receiver's `now`. */
  ingest(event: object | string | Uint8Array, eventId: string, now?: Now): AlertEffect[]
  /** Runs every timer due at `now`. */
  tick(now?: Now): AlertEffect[]
  /** When to call `tick` next, or `null` when no timer is pending. */
  nextWakeup(): Date | null
  /** The whole state as snapshot JSON text. */
  snapshot(): string
  /** An engine rebuilt from `snapshot()` text; throws `code: 'snapshot_*'`. */
  static restore(snapshot: string, options?: AlertOptions): AlertEngine
}
