// Type-checked (never run) by `tsc --noEmit` in `make test-node`: a typical
// caller's code against index.d.ts. A wrong or missing declaration fails it.
import {
  sign,
  verify,
  Signer,
  ErpopsError,
  SIGNATURE_HEADER,
  CONNECTOR_ID_HEADER,
  type Bytes,
  type Violation,
  QuotaLedger,
  erpopsMiddleware,
  checkRequest,
  ReceiveEngine,
  type ErpopsRequest,
  validate,
  buildEvent,
  signedRequest,
  redact,
  type ErpopsEvent,
  IncidentModel,
  type IncidentEffect,
  type QuotaDecision,
  AlertEngine,
  type AlertEffect,
  type AlertRule,
  type BuildOptions,
  DEFAULT_MAX_BODY_BYTES,
  MAX_LISTED_VIOLATIONS,
  Schedule,
  nextFireAfter,
  firesAfter,
  TZDB_VERSION,
  MAX_FIRES,
  type Job,
  type JobInput,
  type JobState,
  type JobStatus,
  type RunRecord,
  type OpenRun,
  type MaintenanceWindow,
  type ScheduleEntry,
  type NotifyReason,
  type SuppressReason,
  type TransitionKind,
  type NotifyEffect,
  type SuppressedEffect,
  type AlertErrorCode,
} from '../index.js'

const body: Buffer = Buffer.from('{}')
const header: string = sign(body, 'secret')
const fromView: string = sign(new Uint8Array(body), Buffer.from('secret'))
const ok: boolean = verify(body, header, ['new', Buffer.from('old')])
const missing: boolean = verify(body, undefined, 'secret')
const raw: Bytes = 'text'

const signer = new Signer('secret')
signer.update(body)
signer.update('more')
const streamed: string = signer.finish()
const fed: number = signer.bytesFed
signer.reset()
const once: string = signer.sign(raw)
const keyed: boolean = signer.verify(body, header) && signer.verify(body, null)

function report(e: unknown): number {
  if (e instanceof ErpopsError) {
    const v: Violation[] = e.errors
    const pointers: string[] = v.map((x) => `${x.pointer} ${x.code} ${x.message}`)
    const total: number = e.errorCount
    const over: number = (e.size ?? 0) - (e.limit ?? 0)
    return e.status + pointers.length + e.code.length + total + over
  }
  return 500
}

const headers: Record<string, string> = {
  [SIGNATURE_HEADER]: header,
  [CONNECTOR_ID_HEADER]: '3f2b8c1e-9a4d-4e7b-8c21-5d6f7a8b9c0d',
}

const ledger = new QuotaLedger()
const decision: QuotaDecision = ledger.consume('acme', { plan: 'free', now: new Date() })
const custom = ledger.peek('acme', { plan: { inbound_event: 10, ai_query: null }, metric: 'ai_query', now: 0 })
const pairs: Array<[string, string]> = decision.headers
const left: number | null = custom.remaining
const reset: Date = decision.resetAt
const restored: QuotaLedger = QuotaLedger.restore(ledger.snapshot())
const rows: number = restored.size + ledger.used('acme') + ledger.prune()

const incidents = new IncidentModel({ ackTimeoutSecs: 0 })
const opened: IncidentEffect[] = incidents.ingest({ event_type: 'integration.failed' }, 'evt_1', new Date())
const acked = incidents.command({ command: 'acknowledge', incident_id: opened[0].incident.id, actor: 'ana' })
const wake: Date | null = incidents.nextWakeup()
const again: IncidentModel = IncidentModel.restore(incidents.snapshot(), { reopenWindowSecs: 60 })

const event: ErpopsEvent = validate(body, { connectorId: 'x', now: Date.now(), piiPolicy: 'reject' })
const when: Date = event.timestamp
const big: bigint | number | string | boolean | null = event.metadata.records_total
const built: Buffer = buildEvent({ connector_id: event.connector_id, event_type: 'a.b', timestamp: new Date(), metadata: { n: 1n } })
const request = signedRequest({ ...event, source: event.source }, 'secret')
const limits: BuildOptions = { maxBodyBytes: DEFAULT_MAX_BODY_BYTES }
const within: Buffer = buildEvent({ event_type: 'a.b' }, limits)
const signedWithin = signedRequest({ event_type: 'a.b' }, 'secret', { maxBodyBytes: MAX_LISTED_VIOLATIONS * 1000 })
const init: RequestInit = { method: 'POST', headers: request.headers, body: request.body }
const clean: string = redact('mail ana@example.com').text
incidents.ingest(event, 'evt_2')

const middleware = erpopsMiddleware({
  secretsFor: async (id: string) => (id === 'x' ? ['secret', Buffer.from('old')] : null),
  maxBodyBytes: 1024,
  check: (_headers, raw, options) => validate(raw, { connectorId: String(options.maxBodyBytes) }),
})
function handler(req: ErpopsRequest): number {
  return req.erpopsRawBody?.length ?? 0
}

const checked: ErpopsEvent = checkRequest({ 'x-erpops-signature': header }, body, { secrets: ['a'], now: 0 })
function answer(e: unknown): [number, Record<string, unknown> | undefined] {
  return e instanceof ErpopsError ? [e.status, e.problem] : [500, undefined]
}

const engine = new ReceiveEngine({ maxBodyBytes: 1024 })
engine.addTenant('t', 'free', 'redact', false)
engine.addConnector('3f2b8c1e-9a4d-4e7b-8c21-5d6f7a8b9c0d', 't', [{ secret: 'x' }, { secret: Buffer.from('old'), expiresAtMs: Date.now() }])
const reply = engine.receive({ method: 'POST', body }, new Date(), 'req_1')
const status: number = reply.status + reply.body.length

// @ts-expect-error a number is not a byte input
sign(42, 'secret')

export { status, checked, answer, middleware, handler, when, big, built, init, clean, acked, wake, again, keyed, pairs, left, reset, rows, fromView, ok, missing, streamed, fed, once, report, headers }

const alerting = new AlertEngine({ ackTimeoutSecs: 600, flapping: false })
const pager: AlertRule = { id: 'ops', name: 'Ops', channel: 'pager', kinds: ['opened'], matchers: { min_severity: 'error' } }
alerting.setRule(pager)
alerting.setHeartbeat({ connector_id: event.connector_id, source: 'NIGHTLY', period: 86400, grace: 3600 }, new Date())
const fired: AlertEffect[] = alerting.tick(alerting.nextWakeup() ?? Date.now())
const rules: AlertRule[] = new ReceiveEngine().alerts.rules()
const heard: AlertEffect[] = new ReceiveEngine().receive({ method: 'POST' }).alerts
const alertsAgain: AlertEngine = AlertEngine.restore(alerting.snapshot(), { flapping: { maxTransitions: 3 } })

// Jobs, runs, maintenance windows and schedules (issue #23).
const weekdays: ScheduleEntry[] = [{ cron: '0 2 * * MON-FRI', time_zone: 'America/Chicago' }]
const nightly = new Schedule(weekdays)
const single: Schedule = Schedule.single('@daily', 'UTC')
const tz: string = TZDB_VERSION
const nextRun: Date | null = nightly.nextFireAfter(new Date())
const nextFive: Date[] = nightly.firesAfter(Date.now(), Math.min(5, MAX_FIRES))
const firstFree: Date | null = nextFireAfter(weekdays, 0)
const fromText: Date[] = firesAfter(JSON.stringify(weekdays), new Date(), 2)
const builtEntries: ScheduleEntry[] = single.entries
const payroll: Job = {
  connector_id: event.connector_id,
  source: 'PSFT_PAYROLL_BATCH',
  expectation: { schedule: weekdays },
  grace: 900,
  max_runtime: 4 * 3600,
  min_runtime: 60,
  deadline: { time: '06:00', time_zone: 'America/Chicago' },
  depends_on: [{ connector_id: event.connector_id, source: 'GL_EXTRACT' }],
  severity: 'critical',
}
const extract: JobInput = { connector_id: event.connector_id, source: 'GL_EXTRACT', expectation: { schedule: nightly }, grace: 600 }
alerting.setJob(extract, new Date())
alerting.setJob(payroll)
alerting.setJob({ connector_id: event.connector_id, source: 'HOURLY', expectation: { period: 3600 }, grace: 300 }, Date.now())
alerting.setJobPaused(payroll.connector_id, payroll.source, true)
const state: JobState | null = alerting.job(payroll.connector_id, payroll.source)
const jobStatus: JobStatus | undefined = state?.status
const median: number | null = state?.median_duration_ms ?? null
const lastRun: RunRecord | undefined = state?.runs?.at(-1)
const took: number | undefined = lastRun?.duration_ms
const inFlight: OpenRun[] = state?.open_runs ?? []
const allJobs: JobState[] = new ReceiveEngine().alerts.jobs()
const removedJob: Job | null = alerting.removeJob(payroll.connector_id, payroll.source)
const patching: MaintenanceWindow = {
  id: 'patching',
  matchers: { source: 'PSFT_*' },
  schedule: [{ cron: '0 1 * * SUN', time_zone: 'America/Chicago' }],
  duration: 4 * 3600,
  comment: 'ERP patching',
}
alerting.setWindow(patching)
alerting.setWindow({ ...patching, id: 'month-end', schedule: Schedule.single('0 22 L * *', 'Europe/London') })
const windowList: MaintenanceWindow[] = alerting.windows()
const releasedByWindow: AlertEffect[] = alerting.removeWindow('patching', new Date())
// @ts-expect-error a job needs an expectation
alerting.setJob({ connector_id: event.connector_id, source: 'X', grace: 60 })

// Effects are told apart by `kind`; reasons are closed sets.
function describeEffect(effect: AlertEffect): string {
  switch (effect.kind) {
    case 'notify': {
      const n: NotifyEffect = effect
      const reason: NotifyReason = n.reason
      return `${n.channel} ${reason} ${n.incident.id}`
    }
    case 'suppressed': {
      const s: SuppressedEffect = effect
      const why: SuppressReason = s.reason
      const by: string | undefined = s.inhibited_by ?? s.window_id ?? s.silence_id
      return `${why} ${s.would_notify} ${by ?? ''}`
    }
    case 'flapping_started':
    case 'flapping_stopped':
      return effect.key.connector_id
    default:
      return `${effect.kind} ${effect.incident.status}`
  }
}
const jobReasons: NotifyReason[] = ['missed_start', 'run_too_long', 'run_too_short', 'deadline_missed', 'inhibition_ended', 'window_ended']
const holdReasons: SuppressReason[] = ['inhibited', 'maintenance']
const jobKinds: TransitionKind[] = ['missed_start', 'run_too_long', 'run_too_short', 'deadline_missed']
const rulesForJobs: AlertRule = { id: 'jobs', name: 'Jobs', channel: 'pager', kinds: jobKinds }
// @ts-expect-error not a notify reason
const notAReason: NotifyReason = 'late'
function scheduleCode(e: unknown): AlertErrorCode | undefined {
  const code = (e as { code?: string }).code
  return code === 'invalid_cron' || code === 'unknown_time_zone' ? code : undefined
}

export { tz, nextRun, nextFive, firstFree, fromText, builtEntries, jobStatus, median, took, inFlight, allJobs, removedJob, windowList, releasedByWindow, describeEffect, jobReasons, holdReasons, rulesForJobs, notAReason, scheduleCode, fired, rules, heard, alertsAgain }
