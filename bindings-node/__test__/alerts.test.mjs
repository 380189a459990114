// tests/vectors/alerts.json replayed through AlertEngine, plus the same
// alerting layer reached through ReceiveEngine (`engine.alerts`, `tick`,
// `nextWakeup`, the `alerts` of a response).
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { erpops, vectors, matches } from './helpers.mjs'

const file = vectors('alerts.json')
const { AlertEngine, ReceiveEngine, buildEvent, sign } = erpops

/** The vector `config` as AlertEngine options. */
function options(config) {
  if (config === undefined) return undefined
  const f = config.flapping
  return {
    reopenWindowSecs: config.reopen_window_secs,
    ackTimeoutSecs: config.ack_timeout_secs,
    flapping:
      f === undefined || f === false
        ? f
        : { maxTransitions: f.max_transitions, windowSecs: f.window_secs, quietPeriodSecs: f.quiet_period_secs },
  }
}

const iso = (d) => (d === null ? null : d.toISOString().replace('.000Z', 'Z'))

test('the vector file is the version this runner reads', () => {
  assert.equal(file.version, 1)
  assert.ok(file.cases.length >= 9)
})

for (const c of file.cases) {
  test(`alerts: ${c.name}`, () => {
    let engine = new AlertEngine(options(c.config))
    for (const r of c.rules ?? []) engine.setRule(r)
    for (const s of c.silences ?? []) engine.setSilence(s)
    for (const h of c.heartbeats ?? []) engine.setHeartbeat(h.heartbeat, new Date(h.now))
    c.steps.forEach((step, i) => {
      const where = `${c.name} step ${i}`
      const now = new Date(step.now)
      let effects
      if (step.ingest) effects = engine.ingest(step.ingest.event, step.ingest.event_id, now)
      else if (step.command) effects = engine.command(step.command, now)
      else if (step.tick) effects = engine.tick(now)
      else effects = engine.expireSilence(step.expire_silence, now)
      assert.equal(effects.length, step.expect.length, `${where}: ${JSON.stringify(effects.map((e) => e.kind))}`)
      step.expect.forEach((e, j) => matches(effects[j], e, `${where} effect ${j}`))
      if ('next_wakeup' in step) assert.equal(iso(engine.nextWakeup()), step.next_wakeup, `${where}: next_wakeup`)
      // A snapshot round trip at every step keeps the state exactly.
      const text = engine.snapshot()
      engine = AlertEngine.restore(text, options(c.config))
      assert.equal(engine.snapshot(), text, where)
    })
  })
}

const CONNECTOR = '3f2b8c1e-9a4d-4e7b-8c21-5d6f7a8b9c0d'
const T0 = Date.parse('2026-04-20T02:00:00Z')
const rule = { id: 'ops', name: 'Ops on call', channel: 'pager', kinds: ['opened'] }

test('rules, silences and heartbeats: set, list, remove', () => {
  const e = new AlertEngine()
  e.setRule(rule)
  assert.deepEqual(
    e.rules().map((r) => r.id),
    ['ops'],
  )
  const silence = { id: 'maint', starts_at: '2026-04-20T00:00:00Z', ends_at: '2026-04-20T06:00:00Z' }
  e.setSilence(silence)
  assert.deepEqual(
    e.silences().map((s) => s.id),
    ['maint'],
  )
  e.setHeartbeat({ connector_id: CONNECTOR, source: 'NIGHTLY', period: 86400, grace: 3600 }, T0)
  assert.equal(e.heartbeats().length, 1)
  e.setHeartbeatPaused(CONNECTOR, 'NIGHTLY', true, T0)
  assert.equal(e.heartbeats()[0].heartbeat.paused, true)
  assert.equal(e.removeHeartbeat(CONNECTOR, 'NIGHTLY').source, 'NIGHTLY')
  assert.equal(e.removeHeartbeat(CONNECTOR, 'NIGHTLY'), null)
  assert.equal(e.removeRule('ops').channel, 'pager')
  assert.equal(e.removeRule('ops'), null)
  assert.deepEqual(e.rules(), [])
})

test('a missed heartbeat fires at nextWakeup through tick', () => {
  const e = new AlertEngine()
  e.setRule({ id: 'beat', name: 'Missed runs', channel: 'pager' })
  e.setHeartbeat({ connector_id: CONNECTOR, source: 'NIGHTLY', period: 60, grace: 30 }, T0)
  const due = e.nextWakeup()
  assert.equal(due.getTime(), T0 + 90_000)
  assert.deepEqual(e.tick(due.getTime() - 1), [])
  const kinds = e.tick(due).map((x) => x.kind)
  assert.ok(kinds.includes('opened') && kinds.includes('notify'), JSON.stringify(kinds))
})

test('errors carry the core codes; wrong types are TypeErrors', () => {
  const e = new AlertEngine()
  assert.throws(() => e.setRule({ ...rule, id: '' }), { code: 'invalid_name' })
  assert.throws(() => e.setRule({ id: 'x' }), { code: 'invalid_argument', message: /rule/ })
  assert.throws(
    () => e.setSilence({ id: 's', starts_at: '2026-04-20T06:00:00Z', ends_at: '2026-04-20T00:00:00Z' }),
    { code: 'invalid_time_range' },
  )
  assert.throws(() => e.setHeartbeatPaused(CONNECTOR, 'NOPE', true, T0), { code: 'unknown_heartbeat' })
  assert.throws(() => e.setHeartbeatPaused('not-a-uuid', 'NOPE', true, T0), { code: 'invalid_argument' })
  assert.throws(() => e.command({ command: 'resolve', incident_id: 'inc_x', actor: 'me' }, T0), {
    code: 'incident_not_found',
  })
  assert.throws(() => e.setRule(42), TypeError)
  assert.throws(() => e.tick('soon'), TypeError)
  assert.throws(() => e.setHeartbeatPaused(CONNECTOR, 'NIGHTLY', 'yes'), TypeError)
  assert.throws(() => AlertEngine.restore('{"version":99}'), { code: /^snapshot_/ })
})

test('ReceiveEngine runs accepted events through its alerting layer', () => {
  const secret = 'whsec_alerts_test'
  const engine = new ReceiveEngine()
  engine.addTenant('acme', null)
  engine.addConnector(CONNECTOR, 'acme', [{ secret }])
  engine.alerts.setRule(rule)
  assert.deepEqual(
    engine.alerts.rules().map((r) => r.id),
    ['ops'],
  )
  const body = buildEvent({
    connector_id: CONNECTOR,
    event_type: 'integration.failed',
    timestamp: new Date(T0),
    severity: 'error',
    source: 'PSFT_PAYROLL_BATCH',
  })
  const request = {
    method: 'POST',
    contentType: 'application/json',
    signature: sign(body, secret),
    connectorId: CONNECTOR,
    body,
  }
  const r = engine.receive(request, T0 + 1000)
  assert.equal(r.status, 202)
  const notify = r.alerts.find((a) => a.kind === 'notify')
  assert.ok(notify, JSON.stringify(r.alerts))
  assert.equal(notify.rule_id, 'ops')
  assert.equal(notify.channel, 'pager')
  const [incident] = engine.alerts.incidents()
  assert.equal(engine.alerts.get(incident.id).status, 'open')
  const acked = engine.alerts.command({ command: 'acknowledge', incident_id: incident.id, actor: 'me' }, T0 + 2000)
  assert.equal(acked[0].kind, 'acknowledged')
  // The acknowledgement expires: a timer the engine's tick fires.
  const due = engine.nextWakeup()
  assert.ok(due instanceof Date)
  assert.ok(engine.tick(due).some((x) => x.kind === 'ack_expired'))
})
