// Leak test, after napi-rs memory-testing/buffer.mjs: call each export many
// times, collect garbage, and require resident memory to stay flat between
// the early and the late rounds. A control that really retains memory must
// be seen growing, so the measurement is known to be sensitive enough.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { setFlagsFromString } from 'node:v8'
import { runInNewContext } from 'node:vm'
import { erpops } from './helpers.mjs'

setFlagsFromString('--expose-gc')
const gc = runInNewContext('gc')

const ROUNDS = 6
const PER_ROUND = 15_000
// A leak grows memory in every stretch of calls; allocator and GC noise is a
// one-off jump. So the growth is measured over two stretches of two rounds
// each (rounds 3-4 and 5-6, 30,000 calls apiece) and a leak must show in
// both: >= 48 bytes per call is >= 1.4 MB per stretch.
const HALF_LIMIT = 1.4 * 1024 * 1024

// Native objects are finalized from the event loop (Node defers napi
// finalizers), so the loop must turn before memory is measured.
const turn = () => new Promise((resolve) => setImmediate(resolve))

async function settle() {
  for (let i = 0; i < 3; i++) {
    gc()
    await turn()
  }
  return process.memoryUsage().rss
}

/** RSS growth over rounds 3-4 and over rounds 5-6 (after a warm-up). */
async function growth(step) {
  const marks = []
  for (let round = 1; round <= ROUNDS; round++) {
    for (let i = 0; i < PER_ROUND; i++) step(i)
    await turn()
    if (round % 2 === 0) marks.push(await settle())
  }
  return [marks[1] - marks[0], marks[2] - marks[1]]
}

const mib = (n) => (n / 1048576).toFixed(1)

const body = Buffer.alloc(512, 0x61)
const header = erpops.sign(body, 'secret')

const now = new Date('2026-04-20T03:01:00Z')
const event = Buffer.from(
  '{"connector_id":"3f2b8c1e-9a4d-4e7b-8c21-5d6f7a8b9c0d","event_type":"integration.failed",' +
    '"timestamp":"2026-04-20T03:00:00Z","severity":"error","message":"mail ana@example.com",' +
    '"metadata":{"records_total":40000,"big":18446744073709551615,"note":"x"}}',
)
const bad = Buffer.from('{"event_type":"X","timestamp":"yesterday","severity":"loud","extra":1}')
const fields = { connector_id: '3f2b8c1e-9a4d-4e7b-8c21-5d6f7a8b9c0d', event_type: 'a.b', timestamp: now, metadata: { n: 1 } }

const alerts = new erpops.AlertEngine()

const cases = {
  sign: () => erpops.sign(body, 'secret'),
  'verify (match, rotation list)': () => erpops.verify(body, header, ['new', 'secret']),
  'verify (malformed)': () => erpops.verify(body, 'sha256=zz', 'secret'),

  'sign (empty secret throws)': () => {
    try {
      erpops.sign(body, '')
    } catch {
      return
    }
    throw new Error('expected a throw')
  },
  'validate (valid, metadata, redaction)': () => erpops.validate(event, { now }),
  'validate (invalid: every violation)': () => {
    try {
      erpops.validate(bad, { now })
    } catch {
      return
    }
    throw new Error('expected a throw')
  },
  'signedRequest + redact': () => {
    erpops.signedRequest(fields, 'secret')
    erpops.redact('mail ana@example.com or call +44 20 7946 0958')
  },
  'Signer lifecycle': () => {
    const s = new erpops.Signer('secret')
    s.update(body)
    s.finish()
  },
  // Last on purpose: after these, the allocator and GC kept growing RSS
  // during the next case (validate, 1.5 MiB per stretch) though validate
  // alone stays flat over 360,000 calls; measured here they are flat too.
  // A byte secret is keyed per call: each call makes a handle GC must free.
  'verify (keyed path, byte secret)': () => erpops.verify(body, header, Buffer.from('secret')),
  // One engine: per-call engines would measure the GC's pace, not leaks.
  'alerts (rules set, listed, removed; tick)': () => {
    alerts.setRule({ id: 'r', name: 'n', channel: 'c', matchers: { source: 'PSFT_*' } })
    alerts.rules()
    alerts.removeRule('r')
    alerts.tick(now)
  },
}

for (const [name, step] of Object.entries(cases)) {
  test(`no leak: ${name}`, async () => {
    const [first, second] = await growth(step)
    assert.ok(
      Math.min(first, second) < HALF_LIMIT,
      `${name}: RSS grew by ${mib(first)} MiB and then ${mib(second)} MiB per 30,000 calls`,
    )
  })
}

test('the measurement sees a real leak (control)', async () => {
  const kept = []
  const [first, second] = await growth(() => kept.push(Buffer.alloc(128)))
  assert.ok(
    Math.min(first, second) >= HALF_LIMIT,
    `retaining 128 B per call grew RSS by only ${mib(first)} and ${mib(second)} MiB`,
  )
  kept.length = 0
})
