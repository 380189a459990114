// tests/vectors/receive.json replayed through ReceiveEngine (the core's
// in-memory receiver); responses compared exactly, human text checked
// non-empty and then removed, as the vector README says.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { erpops, vectors, hex } from './helpers.mjs'

const file = vectors('receive.json')
const { ReceiveEngine } = erpops

function stripHuman(body, where) {
  if (typeof body.detail === 'string') {
    assert.ok(body.detail.length > 0, `${where}: empty detail`)
    delete body.detail
  }
  for (const e of body.errors ?? []) {
    assert.ok(typeof e.message === 'string' && e.message.length > 0, `${where}: empty message`)
    delete e.message
  }
  return body
}

test('the vector file is the version this runner reads', () => {
  assert.equal(file.version, 1)
})

for (const [i, c] of file.config_errors.entries()) {
  test(`config ${i}: ${c.code ?? 'accepted'}`, () => {
    const build = () =>
      new ReceiveEngine({
        maxBodyBytes: c.config.max_body_bytes,
        futureSkewSecs: c.config.future_skew_secs,
        maxAgeSecs: c.config.max_age_secs,
        // null: left out, the core's default
        replayWindowSecs: c.config.replay_window_secs ?? undefined,
      })
    if (c.code === null) build()
    else assert.throws(build, (e) => e.code === c.code && e.message.includes('replay window'))
  })
}

for (const sc of file.scenarios) {
  test(`receive: ${sc.name}`, () => {
    const engine = new ReceiveEngine({
      maxBodyBytes: sc.config.max_body_bytes,
      futureSkewSecs: sc.config.future_skew_secs,
      maxAgeSecs: sc.config.max_age_secs,
      replayWindowSecs: sc.config.replay_window_secs,
    })
    for (const t of sc.tenants) {
      const plan = typeof t.plan === 'string' ? t.plan : t.plan.inbound_events
      engine.addTenant(t.id, plan, t.pii_policy, t.suspended)
    }
    for (const c of sc.connectors) {
      const secrets = c.secrets.map((s) => ({
        secret: hex(s.secret_hex),
        expiresAtMs: s.expires_at === null ? undefined : Date.parse(s.expires_at),
      }))
      engine.addConnector(c.id, c.tenant, secrets, c.enabled)
    }
    for (const step of sc.steps) {
      const where = `${sc.name}/${step.name}`
      const q = step.request
      const r = engine.receive(
        {
          method: q.method,
          contentType: q.content_type ?? undefined,
          signature: q.signature ?? undefined,
          connectorId: q.connector_id ?? undefined,
          body: q.body_hex === undefined ? undefined : hex(q.body_hex),
          bodyTooLarge: q.body_too_large_length,
        },
        new Date(step.now),
        q.request_id,
      )
      assert.equal(r.status, step.response.status, where)
      assert.deepEqual(r.headers, step.response.headers, where)
      assert.deepEqual(stripHuman(JSON.parse(r.body.toString('utf8')), where), step.response.body, where)
    }
  })
}

test('maxAgeSecs alone is accepted, and the replay window follows it (core default)', () => {
  const secret = 'whsec_longer_age'
  const connector = '3f2b8c1e-9a4d-4e7b-8c21-5d6f7a8b9c0d'
  const engine = new ReceiveEngine({ maxAgeSecs: 172800 })
  engine.addTenant('acme', null)
  engine.addConnector(connector, 'acme', [{ secret }], true)
  const sent = new Date('2026-04-20T03:00:00Z')
  const body = Buffer.from(
    JSON.stringify({ connector_id: connector, event_type: 'integration.failed', timestamp: sent.toISOString(), severity: 'error' }),
  )
  const request = { method: 'POST', contentType: 'application/json', signature: erpops.sign(body, secret), connectorId: connector, body }
  const hours = (h) => new Date(sent.getTime() + h * 3600_000)
  assert.equal(engine.receive(request, hours(1), 'req_first').status, 202)
  // 47 h old: inside the 48 h age, past the fixed 24 h 5 min default window,
  // so only a window that followed the age still knows these bytes.
  assert.equal(engine.receive(request, hours(47), 'req_retry').status, 200)
  assert.throws(
    () => new ReceiveEngine({ maxAgeSecs: 172800, replayWindowSecs: 86700 }),
    (e) => /replay window/.test(e.message) && /172800|173100/.test(e.message),
  )
})
