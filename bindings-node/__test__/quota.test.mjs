// tests/vectors/quota.json replayed through QuotaLedger, plus the Node face.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { erpops, vectors } from './helpers.mjs'

const file = vectors('quota.json')
const { QuotaLedger } = erpops

const options = (step) => ({
  plan: step.plan,
  metric: step.metric,
  cost: step.cost,
  now: step.now_unix_ms,
  idempotencyKey: step.idempotency_key,
})

test('the vector file is the version this runner reads', () => {
  assert.equal(file.version, 1)
  assert.ok(file.sequences.length > 0)
})

for (const seq of file.sequences) {
  test(`quota: ${seq.name}`, () => {
    let ledger = new QuotaLedger()
    seq.steps.forEach((step, i) => {
      const where = `${seq.name} step ${i} (${step.op})`
      if (step.op === 'restore') {
        const text = ledger.snapshot()
        ledger = QuotaLedger.restore(text)
        assert.equal(ledger.snapshot(), text, where)
        return
      }
      if (step.op === 'prune') {
        assert.equal(ledger.prune(new Date(step.now_unix_ms)), step.expect.removed, where)
        return
      }
      const before = ledger.snapshot()
      const d = step.op === 'consume' ? ledger.consume(step.tenant, options(step)) : ledger.peek(step.tenant, options(step))
      if (step.op === 'peek') assert.equal(ledger.snapshot(), before, `${where}: peek changed the ledger`)
      const e = step.expect
      assert.equal(d.code, e.decision, where)
      assert.equal(d.permitted, e.decision === 'allowed' || e.decision === 'replayed', where)
      assert.equal(d.remaining, e.remaining, where)
      assert.equal(d.windowStart, e.window_start, where)
      assert.equal(d.resetAt.toISOString().replace('.000Z', 'Z'), e.reset_at, where)
      assert.equal(d.resetAfter, e.reset_after, where)
      assert.equal(d.retryAfter, e.retry_after, where)
      assert.deepEqual(d.headers, e.headers, where)
    })
  })
}

test('now is a Date or Unix milliseconds; both give the same decision', () => {
  const a = new QuotaLedger().consume('t', { plan: 'free', now: new Date('2024-02-29T12:00:00Z') })
  const b = new QuotaLedger().consume('t', { plan: 'free', now: Date.UTC(2024, 1, 29, 12) })
  assert.deepEqual(a, b)
  assert.equal(a.windowStart, Date.UTC(2024, 1, 29) / 1000)
})

test('omitted now is the clock, defaults are inbound_event and cost 1', () => {
  const ledger = new QuotaLedger()
  const before = Math.floor(Date.now() / 1000)
  const d = ledger.consume('t', { plan: 'free' })
  assert.equal(d.remaining, 99)
  assert.ok(d.windowStart <= before && before < d.windowEnd)
  assert.equal(ledger.used('t'), 1)
  assert.equal(ledger.size, 1)
})

test('custom plans need both limits; null is unlimited', () => {
  const ledger = new QuotaLedger()
  const d = ledger.consume('t', { plan: { inbound_event: null, ai_query: 2 }, now: 0 })
  assert.equal(d.limit, null)
  assert.deepEqual(d.headers, [])
  assert.equal(ledger.consume('t', { plan: { inbound_event: 5, ai_query: 2 }, metric: 'ai_query', now: 0 }).remaining, 1)
  assert.throws(() => ledger.consume('t', { plan: { inbound_event: 5 }, now: 0 }), { name: 'TypeError', message: /ai_query/ })
})

test('wrong names and values are errors that say what to use', () => {
  const ledger = new QuotaLedger()
  assert.throws(() => ledger.consume('t', { plan: 'gold', now: 0 }), { code: 'invalid_argument', message: /free/ })
  assert.throws(() => ledger.consume('t', { plan: 'free', metric: 'events', now: 0 }), { code: 'invalid_argument', message: /inbound_event/ })
  assert.throws(() => ledger.consume('t', { plan: 'free', cost: -1, now: 0 }), { code: 'invalid_argument', message: /cost/ })
  assert.throws(() => ledger.consume('t', { plan: 'free', cost: 1.5, now: 0 }), { code: 'invalid_argument' })
  assert.throws(() => ledger.consume('t', { plan: 'free', now: new Date('nope') }), { code: 'invalid_argument', message: /now/ })
  assert.throws(() => ledger.consume(7, { plan: 'free' }), TypeError)
  assert.throws(() => ledger.consume('t'), TypeError)
  assert.throws(() => ledger.consume('t', { plan: 'free', now: '2024-01-01' }), TypeError)
  assert.equal(ledger.size, 0, 'nothing was recorded by a failed call')
})

test('a snapshot this version cannot have written is refused with the core code', () => {
  assert.throws(() => QuotaLedger.restore('{'), { code: 'snapshot_syntax' })
  assert.throws(() => QuotaLedger.restore('{"version":99,"rows":[]}'), { code: 'snapshot_version' })
})
