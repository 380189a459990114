// Jobs, runs, maintenance windows and schedules through the API (issue #23):
// set/list/pause/remove, the core's error codes, snapshot and restore with
// jobs, the same operations on ReceiveEngine's alerting layer, and the
// Schedule class. runs.test.mjs replays the vectors.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { erpops } from './helpers.mjs'

const { AlertEngine, ReceiveEngine, Schedule, nextFireAfter, firesAfter, TZDB_VERSION, MAX_FIRES } = erpops

const CONNECTOR = '3f2b8c1e-9a4d-4e7b-8c21-5d6f7a8b9c0d'
const SOURCE = 'PSFT_PAYROLL_BATCH'
const chicago = [{ cron: '0 2 * * MON-FRI', time_zone: 'America/Chicago' }]
// Sunday 2026-04-19 12:00Z; Monday 02:00 CDT is 07:00Z.
const SUNDAY = Date.parse('2026-04-19T12:00:00Z')
const MONDAY_0200 = Date.parse('2026-04-20T07:00:00Z')
const MINUTE = 60_000

const payroll = (extra = {}) => ({
  connector_id: CONNECTOR,
  source: SOURCE,
  expectation: { schedule: chicago },
  grace: 900,
  ...extra,
})

const signal = (outcome, at, metadata = {}) => ({
  connector_id: CONNECTOR,
  event_type: `payroll.${outcome}`,
  timestamp: new Date(at).toISOString(),
  severity: outcome === 'failed' ? 'error' : 'info',
  source: SOURCE,
  metadata,
})

test('jobs: set, read with status and median duration, list, pause, remove', () => {
  const e = new AlertEngine()
  e.setJob(payroll({ max_runtime: 3600, min_runtime: 60, deadline: { time: '06:00', time_zone: 'America/Chicago' } }), SUNDAY)
  const state = e.job(CONNECTOR, SOURCE)
  assert.equal(state.status, 'waiting')
  assert.equal(state.median_duration_ms, null)
  assert.equal(state.due, '2026-04-20T07:00:00Z')
  assert.equal(state.miss_at, '2026-04-20T07:15:00Z')
  assert.deepEqual(state.job.expectation, { schedule: chicago })
  assert.deepEqual(state.job.deadline, { time: '06:00', time_zone: 'America/Chicago' })
  assert.deepEqual(state.deadlines, [{ due: '2026-04-20T07:00:00Z', at: '2026-04-20T11:00:00Z' }])
  assert.deepEqual(e.jobs(), [state])
  assert.equal(e.nextWakeup().getTime(), MONDAY_0200 + 15 * MINUTE)
  assert.equal(e.job(CONNECTOR, 'OTHER'), null)

  // Two runs paired by run_id: durations, records, the median (the lower middle one).
  e.ingest(signal('started', MONDAY_0200, { run_id: 'a' }), 'evt_1', MONDAY_0200)
  assert.equal(e.job(CONNECTOR, SOURCE).status, 'running')
  e.ingest(signal('succeeded', MONDAY_0200 + 10 * MINUTE, { run_id: 'a', records_processed: 1200 }), 'evt_2', MONDAY_0200 + 10 * MINUTE)
  const after = e.job(CONNECTOR, SOURCE)
  assert.equal(after.status, 'ok')
  assert.equal(after.sends_starts, true)
  assert.equal(after.median_duration_ms, 600_000)
  assert.deepEqual(after.runs, [
    {
      run_id: 'a',
      started_at: '2026-04-20T07:00:00Z',
      ended_at: '2026-04-20T07:10:00Z',
      duration_ms: 600_000,
      outcome: 'succeeded',
      records_processed: 1200,
    },
  ])

  e.setJobPaused(CONNECTOR, SOURCE, true, MONDAY_0200 + 11 * MINUTE)
  assert.equal(e.job(CONNECTOR, SOURCE).status, 'paused')
  assert.equal(e.job(CONNECTOR, SOURCE).due, undefined)
  e.setJobPaused(CONNECTOR, SOURCE, false, new Date(MONDAY_0200 + 12 * MINUTE))
  assert.equal(e.job(CONNECTOR, SOURCE).due, '2026-04-21T07:00:00Z')

  assert.equal(e.removeJob(CONNECTOR, SOURCE).source, SOURCE)
  assert.equal(e.removeJob(CONNECTOR, SOURCE), null)
  assert.deepEqual(e.jobs(), [])
})

test('a missed start and a run too long notify with their own reasons', () => {
  const e = new AlertEngine()
  e.setRule({ id: 'ops', name: 'Ops', channel: 'pager', kinds: ['missed_start', 'run_too_long', 'resolved'] })
  e.setJob(payroll({ expectation: { period: 3600 }, grace: 60, max_runtime: 600 }), SUNDAY)
  // A start makes it a job that sends starts; the next due time is an hour later.
  e.ingest(signal('started', SUNDAY + MINUTE, { run_id: 'r1' }), 'evt_s1', SUNDAY + MINUTE)
  const long = e.tick(SUNDAY + 11 * MINUTE)
  assert.deepEqual(
    long.map((x) => x.kind),
    ['opened', 'notify'],
  )
  assert.equal(long[1].reason, 'run_too_long')
  assert.equal(long[0].incident.family, 'job.run_too_long')
  const missed = e.tick(e.nextWakeup())
  const notify = missed.find((x) => x.kind === 'notify')
  assert.equal(notify.reason, 'missed_start', JSON.stringify(missed))
})

test('maintenance windows: set, list, hold as maintenance, remove releases', () => {
  const e = new AlertEngine()
  e.setRule({ id: 'ops', name: 'Ops', channel: 'pager' })
  const window = {
    id: 'patching',
    matchers: { source: 'PSFT_*' },
    schedule: new Schedule([{ cron: '0 1 * * SUN', time_zone: 'America/Chicago' }]),
    duration: 4 * 3600,
    comment: 'ERP patching',
  }
  e.setWindow(window)
  assert.deepEqual(e.windows(), [
    {
      id: 'patching',
      matchers: { source: 'PSFT_*' },
      schedule: [{ cron: '0 1 * * SUN', time_zone: 'America/Chicago' }],
      duration: 14400,
      comment: 'ERP patching',
    },
  ])
  // Sunday 2026-04-19 01:00 CDT = 06:00Z: inside the window at 07:00Z.
  const inside = Date.parse('2026-04-19T07:00:00Z')
  const held = e.ingest(signal('failed', inside), 'evt_f', inside)
  const suppressed = held.find((x) => x.kind === 'suppressed')
  assert.ok(suppressed, JSON.stringify(held))
  assert.equal(suppressed.reason, 'maintenance')
  assert.equal(suppressed.window_id, 'patching')
  assert.equal(suppressed.would_notify, 'first')
  assert.ok(!held.some((x) => x.kind === 'notify'))
  const released = e.removeWindow('patching', inside + MINUTE)
  assert.deepEqual(
    released.map((x) => [x.kind, x.reason]),
    [['notify', 'window_ended']],
  )
  assert.deepEqual(e.removeWindow('patching', inside + MINUTE), [])
  assert.deepEqual(e.windows(), [])
})

test('errors carry the core codes; wrong types are TypeErrors', () => {
  const e = new AlertEngine()
  const codes = [
    [payroll({ expectation: { schedule: [{ cron: '0 25 * * *', time_zone: 'UTC' }] } }), 'invalid_cron'],
    [payroll({ expectation: { schedule: [{ cron: '0 0 30 2 *', time_zone: 'UTC' }] } }), 'cron_never_fires'],
    [payroll({ expectation: { schedule: [{ cron: '0 2 * * *', time_zone: 'America/Springfield' }] } }), 'unknown_time_zone'],
    [payroll({ expectation: { schedule: [] } }), 'invalid_schedule'],
    [payroll({ expectation: { period: 0 } }), 'invalid_period'],
    [payroll({ deadline: { time: '6:00', time_zone: 'America/Chicago' } }), 'invalid_deadline'],
    [payroll({ deadline: { time: '06:00', time_zone: 'Nowhere/Else' } }), 'unknown_time_zone'],
    [payroll({ min_runtime: 600, max_runtime: 600 }), 'invalid_runtime_range'],
    [payroll({ expectation: { period: 3600 }, deadline: { time: '06:00', time_zone: 'UTC' } }), 'deadline_needs_schedule'],
    [payroll({ depends_on: [{ connector_id: CONNECTOR, source: SOURCE }] }), 'dependency_cycle'],
    [payroll({ source: '' }), 'invalid_name'],
    [payroll({ max_runtime: 0 }), 'invalid_duration'],
    [payroll({ cadence: 'daily' }), 'invalid_argument'],
    [{ connector_id: CONNECTOR, source: SOURCE, grace: 60 }, 'invalid_argument'],
    [payroll({ connector_id: 'not-a-uuid' }), 'invalid_argument'],
  ]
  for (const [job, code] of codes) {
    assert.throws(
      () => e.setJob(job, SUNDAY),
      (err) => err instanceof Error && err.code === code && err.message.length > 0,
      `${code}: ${JSON.stringify(job)}`,
    )
  }
  assert.throws(() => e.setJob('{', SUNDAY), { code: 'invalid_argument', message: /job/ })
  assert.deepEqual(e.jobs(), [])

  // A cycle through another job.
  e.setJob(payroll({ source: 'EXTRACT', depends_on: [{ connector_id: CONNECTOR, source: SOURCE }] }), SUNDAY)
  assert.throws(() => e.setJob(payroll({ depends_on: [{ connector_id: CONNECTOR, source: 'EXTRACT' }] }), SUNDAY), {
    code: 'dependency_cycle',
  })
  // One watcher per source.
  e.setHeartbeat({ connector_id: CONNECTOR, source: 'BEAT', period: 60, grace: 0 }, SUNDAY)
  assert.throws(() => e.setJob(payroll({ source: 'BEAT' }), SUNDAY), { code: 'watched_twice' })
  assert.throws(() => e.setJobPaused(CONNECTOR, 'NOPE', true, SUNDAY), { code: 'unknown_job' })
  assert.throws(() => e.setJobPaused('nope', SOURCE, true, SUNDAY), { code: 'invalid_argument' })
  assert.throws(() => e.job('nope', SOURCE), { code: 'invalid_argument' })

  // Windows.
  const hourly = [{ cron: '0 * * * *', time_zone: 'UTC' }]
  assert.throws(() => e.setWindow({ id: 'w', schedule: hourly, duration: 3601 }), { code: 'invalid_window' })
  assert.throws(() => e.setWindow({ id: 'w', schedule: hourly, duration: 0 }), { code: 'invalid_duration' })
  assert.throws(() => e.setWindow({ id: ' ', schedule: hourly, duration: 60 }), { code: 'invalid_name' })
  assert.throws(() => e.setWindow({ id: 'w', schedule: [{ cron: '@midnight', time_zone: 'UTC' }], duration: 60 }), {
    code: 'invalid_cron',
  })
  assert.throws(() => e.setWindow({ id: 'w', schedule: hourly }), { code: 'invalid_argument' })
  assert.deepEqual(e.windows(), [])

  assert.throws(() => e.setJob(42, SUNDAY), TypeError)
  assert.throws(() => e.setJob(payroll(), 'soon'), TypeError)
  assert.throws(() => e.setJobPaused(CONNECTOR, SOURCE, 'yes'), TypeError)
  assert.throws(() => e.job(CONNECTOR, 7), TypeError)
  assert.throws(() => e.setWindow(null), TypeError)
  assert.throws(() => e.removeWindow(1), TypeError)
})

test('snapshot and restore carry jobs, runs in progress and windows', () => {
  const e = new AlertEngine()
  e.setRule({ id: 'ops', name: 'Ops', channel: 'pager' })
  e.setJob(payroll({ max_runtime: 3600 }), SUNDAY)
  e.setJob(payroll({ source: 'EXTRACT', depends_on: [{ connector_id: CONNECTOR, source: SOURCE }] }), SUNDAY)
  e.setWindow({ id: 'patching', schedule: [{ cron: '0 1 * * SUN', time_zone: 'America/Chicago' }], duration: 3600 })
  e.ingest(signal('started', MONDAY_0200, { run_id: 'r1' }), 'evt_1', MONDAY_0200)
  const text = e.snapshot()
  const back = AlertEngine.restore(text)
  assert.equal(back.snapshot(), text)
  assert.deepEqual(back.jobs(), e.jobs())
  assert.deepEqual(back.windows(), e.windows())
  assert.equal(back.job(CONNECTOR, SOURCE).open_runs[0].run_id, 'r1')
  assert.equal(back.nextWakeup().getTime(), e.nextWakeup().getTime())
  // Both go on the same way: the run ends as too long at the same tick.
  const at = MONDAY_0200 + 61 * MINUTE
  assert.deepEqual(back.tick(at), e.tick(at))
  assert.equal(back.snapshot(), e.snapshot())
})

test('ReceiveEngine has the same job and window operations under alerts', () => {
  const engine = new ReceiveEngine()
  engine.alerts.setJob(payroll(), SUNDAY)
  assert.equal(engine.alerts.job(CONNECTOR, SOURCE).status, 'waiting')
  assert.equal(engine.alerts.jobs().length, 1)
  assert.equal(engine.nextWakeup().getTime(), MONDAY_0200 + 15 * MINUTE)
  engine.alerts.setJobPaused(CONNECTOR, SOURCE, true, SUNDAY)
  assert.equal(engine.nextWakeup(), null)
  engine.alerts.setWindow({ id: 'w', schedule: [{ cron: '@daily', time_zone: 'UTC' }], duration: 60 })
  assert.deepEqual(
    engine.alerts.windows().map((w) => w.id),
    ['w'],
  )
  assert.deepEqual(engine.alerts.removeWindow('w', SUNDAY), [])
  assert.equal(engine.alerts.removeJob(CONNECTOR, SOURCE).source, SOURCE)
  assert.throws(() => engine.alerts.setJobPaused(CONNECTOR, SOURCE, true, SUNDAY), { code: 'unknown_job' })
})

test('Schedule: entries as built, fire times, JSON form, argument checks', () => {
  assert.match(TZDB_VERSION, /^20\d\d[a-z]$/)
  const s = Schedule.single('  30 2 * * *  ', 'america/chicago')
  assert.deepEqual(s.entries, [{ cron: '30 2 * * *', time_zone: 'America/Chicago' }])
  s.entries[0].cron = 'changed'
  assert.equal(s.entries[0].cron, '30 2 * * *')
  assert.equal(JSON.stringify({ schedule: s }), '{"schedule":[{"cron":"30 2 * * *","time_zone":"America/Chicago"}]}')
  // Spring forward: 02:30 does not exist on 2026-03-08; it fires once at 03:00 CDT.
  assert.deepEqual(
    s.firesAfter(new Date('2026-03-07T12:00:00Z'), 2).map((d) => d.toISOString()),
    ['2026-03-08T08:00:00.000Z', '2026-03-09T07:30:00.000Z'],
  )
  assert.equal(nextFireAfter(s, Date.parse('2026-03-07T12:00:00Z')).toISOString(), '2026-03-08T08:00:00.000Z')
  assert.ok(s.nextFireAfter() > new Date())
  assert.deepEqual(firesAfter(s, 0, 0), [])
  assert.equal(new Schedule(s).entries[0].time_zone, 'America/Chicago')
  // A union of two zones fires at each, once where they coincide.
  const union = new Schedule([
    { cron: '0 12 * * *', time_zone: 'UTC' },
    { cron: '0 13 * * *', time_zone: 'Europe/London' },
  ])
  assert.deepEqual(
    union.firesAfter(Date.parse('2026-01-01T00:00:00Z'), 2).map((d) => d.toISOString()),
    ['2026-01-01T12:00:00.000Z', '2026-01-01T13:00:00.000Z'],
  )
  assert.equal(union.firesAfter(Date.parse('2026-06-01T00:00:00Z'), 2)[1].toISOString(), '2026-06-02T12:00:00.000Z')

  assert.throws(() => s.firesAfter(0, MAX_FIRES + 1), { code: 'invalid_argument' })
  assert.equal(s.firesAfter(0, MAX_FIRES).length, MAX_FIRES)
  assert.throws(() => s.firesAfter(0, -1), TypeError)
  assert.throws(() => s.firesAfter(0, 1.5), TypeError)
  assert.throws(() => s.nextFireAfter('tomorrow'), TypeError)
  assert.throws(() => s.nextFireAfter(0.5), { code: 'invalid_argument' })
  assert.throws(() => new Schedule({ cron: '0 2 * * *', time_zone: 'UTC' }), TypeError)
  assert.throws(() => new Schedule('[{"cron": "0 2 * * *"}]'), { code: 'invalid_argument', message: /time_zone/ })
  assert.throws(() => new Schedule([{ cron: '0 2 * * *', time_zone: 'UTC', tz: 'x' }]), { code: 'invalid_argument' })
  assert.throws(() => new Schedule('not json'), { code: 'invalid_argument' })
  assert.throws(() => Schedule.single('0 2 * * *', 3), TypeError)
  assert.throws(
    () => new Schedule(Array.from({ length: 33 }, () => ({ cron: '@daily', time_zone: 'UTC' }))),
    { code: 'invalid_schedule' },
  )
})
