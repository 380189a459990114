// tests/vectors/incidents.json replayed through IncidentModel.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { erpops, vectors } from './helpers.mjs'

const file = vectors('incidents.json')
const { IncidentModel } = erpops

/** The README's subset rule: every member given equals the actual one. */
function subset(actual, expected, where) {
  if (expected === null) {
    assert.ok(actual === null || actual === undefined, `${where}: expected null, got ${JSON.stringify(actual)}`)
    return
  }
  if (Array.isArray(expected)) {
    assert.deepEqual(actual, expected, where)
    return
  }
  if (typeof expected === 'object') {
    assert.equal(typeof actual, 'object', `${where}: expected an object`)
    for (const [k, v] of Object.entries(expected)) subset(actual?.[k], v, `${where}.${k}`)
    return
  }
  assert.equal(actual, expected, where)
}

const options = (config) =>
  config === undefined
    ? undefined
    : { reopenWindowSecs: config.reopen_window_secs, ackTimeoutSecs: config.ack_timeout_secs }

test('the vector file is the version this runner reads', () => {
  assert.equal(file.version, 1)
  assert.ok(file.cases.length > 0)
})

for (const c of file.cases) {
  test(`incidents: ${c.name}`, () => {
    let model = new IncidentModel(options(c.config))
    c.steps.forEach((step, i) => {
      const where = `${c.name} step ${i}`
      const now = new Date(step.now)
      let run
      if (step.ingest) run = () => model.ingest(step.ingest.event, step.ingest.event_id, now)
      else if (step.command) run = () => model.command(step.command, now)
      else run = () => model.tick(now)
      if (step.expect_error) {
        const before = model.snapshot()
        assert.throws(run, { code: step.expect_error }, where)
        assert.equal(model.snapshot(), before, `${where}: an error changed the state`)
      } else {
        const effects = run()
        assert.equal(effects.length, step.expect.length, `${where}: ${JSON.stringify(effects.map((e) => e.kind))}`)
        step.expect.forEach((e, j) => subset(effects[j], e, `${where} effect ${j}`))
      }
      if ('next_wakeup' in step) {
        const next = model.nextWakeup()
        assert.equal(next === null ? null : next.toISOString().replace('.000Z', 'Z'), step.next_wakeup, where)
      }
      // A snapshot round trip at every step keeps the state exactly.
      const text = model.snapshot()
      model = IncidentModel.restore(text, options(c.config))
      assert.equal(model.snapshot(), text, where)
    })
    const held = model.incidents()
    assert.equal(held.length, c.final.length, `${c.name}: incidents held`)
    for (const f of c.final) {
      subset(held.find((x) => x.id === f.id), f, `${c.name} final ${f.id}`)
      subset(model.get(f.id), f, `${c.name} get ${f.id}`)
    }
  })
}

test('arguments: wrong JSON forms and types are reported', () => {
  const m = new IncidentModel()
  assert.throws(() => m.ingest({ event_type: 'x' }, 'evt_1', 0), { code: 'invalid_argument', message: /event/ })
  assert.throws(() => m.command({ command: 'explode' }, 0), { code: 'invalid_argument', message: /command/ })
  assert.throws(() => m.ingest(42, 'evt_1', 0), TypeError)
  assert.throws(() => m.tick('soon'), TypeError)
  assert.throws(() => IncidentModel.restore('{"version":99,"keys":[]}'), { code: /^snapshot_/ })
  assert.equal(m.get('inc_0'), null)
  assert.equal(m.nextWakeup(), null)
})
