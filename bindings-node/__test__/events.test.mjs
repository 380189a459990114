// tests/vectors/events.json replayed through validate (and every valid
// event rebuilt through buildEvent and validated again).
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { erpops, vectors, hex } from './helpers.mjs'

const file = vectors('events.json')
const { validate, buildEvent, ErpopsError } = erpops

const optionsOf = (o) => ({
  now: o.now_unix_ms,
  connectorId: o.header_connector_id ?? undefined,
  futureSkewSeconds: o.future_skew_seconds,
  maxAgeSeconds: o.max_age_seconds,
  maxBodyBytes: o.max_body_bytes,
  piiPolicy: o.pii_policy,
})

/** Unix milliseconds of the vectors' UTC text (fraction truncated to ms). */
function millis(text) {
  const m = /^(.*T\d\d:\d\d:\d\d)(?:\.(\d+))?Z$/.exec(text)
  assert.ok(m, `unexpected timestamp text ${text}`)
  return Date.parse(`${m[1]}Z`) + Number(((m[2] ?? '') + '000').slice(0, 3))
}

function checkMetadata(actual, expected, where) {
  assert.deepEqual(Object.keys(actual), expected.map((e) => e.key), `${where}: keys in body order`)
  for (const { key, type, value } of expected) {
    const got = actual[key]
    const at = `${where}: metadata.${key}`
    if (type === 'int' || type === 'uint') {
      assert.ok(typeof got === 'number' || typeof got === 'bigint', at)
      assert.equal(String(got), value, at)
      if (typeof got === 'number') assert.ok(Number.isSafeInteger(got), `${at}: unsafe number`)
    } else if (type === 'float') {
      assert.equal(typeof got, 'number', at)
      assert.equal(got, value, at)
    } else {
      assert.equal(got, value, at)
    }
  }
}

const byPointerCode = (a, b) => (a.pointer === b.pointer ? (a.code < b.code ? -1 : a.code > b.code ? 1 : 0) : a.pointer < b.pointer ? -1 : 1)

test('the vector file is the version this runner reads', () => {
  assert.equal(file.version, 1)
  assert.ok(file.cases.length > 100)
})

for (const c of file.cases) {
  test(`events: ${c.name}`, () => {
    const body = hex(c.body_hex)
    const options = optionsOf(c.options)
    if (c.expect === 'valid') {
      const ev = validate(body, options)
      const want = c.event
      assert.equal(ev.connector_id, want.connector_id)
      assert.equal(ev.event_type, want.event_type)
      assert.ok(ev.timestamp instanceof Date)
      assert.equal(ev.timestamp.getTime(), millis(want.timestamp))
      assert.equal(ev.severity, want.severity)
      assert.equal(ev.source, want.source)
      assert.equal(ev.message, want.message)
      checkMetadata(ev.metadata, want.metadata, c.name)
      assert.deepEqual(ev.redactions, c.redactions ?? [])
      // Rebuilt by the builder (with the exact timestamp text), it is the
      // same event again (the rebuilt body spells out defaults such as the
      // severity, so it may exceed a tight custom size limit).
      const fields = { ...ev, timestamp: want.timestamp }
      const again = validate(buildEvent(fields), { ...options, maxBodyBytes: undefined })
      assert.deepEqual({ ...again, redactions: [] }, { ...ev, redactions: [] })
      return
    }
    let thrown
    try {
      validate(body, options)
    } catch (e) {
      thrown = e
    }
    assert.ok(thrown instanceof ErpopsError, `expected an ErpopsError, got ${thrown}`)
    assert.equal(thrown.status, 422)
    assert.equal(thrown.code, 'invalid_event')
    const got = thrown.errors.map(({ pointer, code }) => ({ pointer, code })).sort(byPointerCode)
    assert.deepEqual(got, [...c.violations].sort(byPointerCode))
    // Bounded: the first MAX_LISTED_VIOLATIONS listed, all counted.
    assert.equal(thrown.errorCount, c.violation_count)
    assert.equal(thrown.errors.length, Math.min(c.violation_count, erpops.MAX_LISTED_VIOLATIONS))
    for (const v of thrown.errors) assert.ok(v.message.length > 0, `${v.pointer}: empty message`)
    if (c.syntax) assert.deepEqual(thrown.syntax, c.syntax)
  })
}
