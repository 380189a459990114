// The accepted event crosses from Rust as a packed string (src/packed.rs,
// read by lib/event.js). These cases stress the format: UTF-16 lengths of
// characters outside the BMP, absent fields, redactions, exact BigInts and a
// metadata text longer than 2^15 code units (the high length character).
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { erpops } from './helpers.mjs'

const { validate, checkRequest, sign } = erpops
const now = new Date('2026-04-20T03:01:00Z')
const base = {
  connector_id: '3F2B8C1E-9A4D-4E7B-8C21-5D6F7A8B9C0D',
  event_type: 'integration.failed',
  timestamp: '2026-04-20T04:00:00+01:00',
  severity: 'error',
}

test('non-BMP text, tabs and newlines keep their exact value', () => {
  const source = 'ÄÖ😀x'
  const message = 'line 1\n\tline 2 😀😀 — ü'
  const ev = validate(JSON.stringify({ ...base, source, message, metadata: { s: '𝄞\tend', n: 1.5, neg: -5 } }), {
    now,
  })
  assert.equal(ev.connector_id, '3f2b8c1e-9a4d-4e7b-8c21-5d6f7a8b9c0d')
  assert.equal(ev.event_type, 'integration.failed')
  assert.equal(ev.timestamp.toISOString(), '2026-04-20T03:00:00.000Z')
  assert.equal(ev.severity, 'error')
  assert.equal(ev.source, source)
  assert.equal(ev.message, message)
  assert.deepEqual(ev.metadata, { s: '𝄞\tend', n: 1.5, neg: -5 })
  assert.deepEqual(ev.redactions, [])
})

test('absent source and message are null; empty metadata is {}', () => {
  const ev = validate(JSON.stringify(base), { now })
  assert.equal(ev.source, null)
  assert.equal(ev.message, null)
  assert.deepEqual(ev.metadata, {})
  assert.deepEqual(Object.keys(ev), [
    'connector_id',
    'event_type',
    'timestamp',
    'severity',
    'source',
    'message',
    'metadata',
    'redactions',
  ])
})

test('redactions and integers beyond 2^53 survive the trip', () => {
  const body = JSON.stringify({ ...base, message: 'mail ana@example.com', metadata: { big: 'B', small: 'S', note: 'x' } })
    .replace('"B"', '18446744073709551615')
    .replace('"S"', '-9223372036854775808')
  const ev = validate(body, { now })
  assert.equal(ev.message, 'mail [REDACTED:email]')
  assert.deepEqual(ev.redactions, [{ pointer: '/message', kinds: ['email'] }])
  assert.equal(ev.metadata.big, 18446744073709551615n)
  assert.equal(ev.metadata.small, -9223372036854775808n)
  assert.equal(ev.metadata.note, 'x')
})

test('a metadata text longer than 2^15 code units', () => {
  const metadata = {}
  for (let i = 0; i < 60; i++) metadata[`k${i}`] = `${'😀'.repeat(300)}${'y'.repeat(400)}`
  const body = JSON.stringify({ ...base, metadata })
  assert.ok(JSON.stringify(metadata).length > 2 ** 15)
  const ev = validate(body, { now, maxBodyBytes: 1 << 20 })
  assert.deepEqual(ev.metadata, metadata)
  // checkRequest reads the same format.
  const secret = 'k'
  const got = checkRequest(
    { 'x-erpops-signature': sign(body, secret), 'x-erpops-connector-id': base.connector_id, 'content-type': 'application/json' },
    Buffer.from(body),
    { secrets: secret, now, maxBodyBytes: 1 << 20 },
  )
  assert.deepEqual(got, ev)
})

test('string and byte bodies give the same event; options errors keep their code', () => {
  const text = JSON.stringify({ ...base, source: 'S' })
  assert.deepEqual(validate(text, { now }), validate(Buffer.from(text), { now }))
  assert.deepEqual(validate(text, { now }), validate(new Uint8Array(Buffer.from(text)), { now }))
  assert.throws(() => validate(text, { now, connectorId: 'nope' }), { code: 'invalid_argument', message: /UUID/ })
  assert.throws(() => validate(text, { now, piiPolicy: 'shred' }), { code: 'invalid_argument', message: /piiPolicy/ })
  assert.throws(() => validate(text, { now, maxAgeSeconds: -1 }), { code: 'invalid_argument' })
})
