// tests/vectors/builder.json replayed through buildEvent and signedRequest
// (the builder's size limit, issue #22), and the builder's limit option.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { erpops, vectors } from './helpers.mjs'

const file = vectors('builder.json')
const { buildEvent, signedRequest, validate, sign, ErpopsError } = erpops
const secret = Buffer.from(file.secret_hex, 'hex')

/** The case's fields as buildEvent takes them (metadata an object, ints as numbers). */
function fieldsOf(c) {
  const { metadata, ...rest } = c.fields
  const out = { ...rest }
  if (metadata) {
    out.metadata = Object.fromEntries(metadata.map((m) => [m.key, m.type === 'int' ? Number(m.value) : m.value]))
  }
  return out
}

function thrownBy(fn) {
  try {
    fn()
  } catch (e) {
    return e
  }
  assert.fail('expected an ErpopsError')
}

test('the vector file is the version this runner reads', () => {
  assert.equal(file.version, 1)
  assert.ok(file.cases.length >= 8)
})

for (const c of file.cases) {
  test(`builder: ${c.name}`, () => {
    const fields = fieldsOf(c)
    const options = c.max_body_bytes === null ? undefined : { maxBodyBytes: c.max_body_bytes }
    if (c.expect === 'built') {
      const body = buildEvent(fields, options)
      assert.equal(body.length, c.body_length)
      if (c.body_hex) assert.equal(Buffer.from(body).toString('hex'), c.body_hex)
      const r = signedRequest(fields, secret, options)
      assert.deepEqual(Buffer.from(r.body), Buffer.from(body))
      assert.equal(r.headers['X-ERPOps-Signature'], c.signature)
      return
    }
    for (const call of [() => buildEvent(fields, options), () => signedRequest(fields, secret, options)]) {
      const e = thrownBy(call)
      assert.ok(e instanceof ErpopsError, `expected an ErpopsError, got ${e}`)
      if (c.expect === 'body_too_large') {
        assert.equal(e.code, 'body_too_large')
        assert.equal(e.status, 413)
        assert.equal(e.size, c.size)
        assert.equal(e.limit, c.limit)
        assert.ok(e.message.includes(`${c.size} bytes`) && e.message.includes(`limit of ${c.limit} bytes`), e.message)
        assert.deepEqual(e.errors.map(({ pointer, code }) => ({ pointer, code })), [{ pointer: '', code: 'too_long' }])
        assert.equal(e.errorCount, 1)
      } else {
        assert.equal(e.code, 'invalid_event')
        assert.equal(e.status, 422)
        assert.equal(e.size, undefined)
        const got = e.errors.map(({ pointer, code }) => `${pointer} ${code}`).sort()
        assert.deepEqual(got, c.violations.map(({ pointer, code }) => `${pointer} ${code}`).sort())
      }
    }
  })
}

test('a 270 KB event is refused before signing, and builds for a receiver configured higher', () => {
  const fields = {
    connector_id: '3f2b8c1e-9a4d-4e7b-8c21-5d6f7a8b9c0d',
    event_type: 'integration.failed',
    timestamp: new Date(Date.UTC(2026, 3, 20, 3)),
    metadata: Object.fromEntries(Array.from({ length: 64 }, (_, i) => [`note${i}`, '\u{1F600}'.repeat(1024)])),
  }
  const e = thrownBy(() => signedRequest(fields, 'k'))
  assert.equal(e.code, 'body_too_large')
  assert.equal(e.limit, erpops.DEFAULT_MAX_BODY_BYTES)
  assert.ok(e.size > 260000, `${e.size}`)
  assert.match(e.message, /shorten the message or the metadata/)
  const r = signedRequest(fields, 'k', { maxBodyBytes: 300000 })
  assert.equal(r.headers['X-ERPOps-Signature'], sign(r.body, 'k'))
  assert.equal(validate(r.body, { now: Date.UTC(2026, 3, 20, 3, 1), maxBodyBytes: 300000 }).metadata.note0.length, 2048)
  assert.throws(() => buildEvent(fields, { maxBodyBytes: -1 }), /maxBodyBytes must be a non-negative integer/)
  assert.throws(() => buildEvent(fields, { maxBodyBytes: '1' }), TypeError)
  assert.throws(() => buildEvent(fields, 5), TypeError)
})

test('a 422 lists the first 100 violations and counts them all', () => {
  const body = {
    connector_id: '3f2b8c1e-9a4d-4e7b-8c21-5d6f7a8b9c0d',
    event_type: 'integration.failed',
    timestamp: '2026-04-20T03:00:00Z',
  }
  for (let i = 0; i < 5000; i++) body[`x${String(i).padStart(4, '0')}`] = 0
  const e = thrownBy(() => validate(JSON.stringify(body), { now: Date.UTC(2026, 3, 20, 3, 1) }))
  assert.equal(e.errorCount, 5000)
  assert.equal(e.errors.length, erpops.MAX_LISTED_VIOLATIONS)
  assert.equal(erpops.MAX_LISTED_VIOLATIONS, 100)
  assert.deepEqual(
    e.errors.map((v) => v.pointer),
    Array.from({ length: 100 }, (_, i) => `/x${String(i).padStart(4, '0')}`),
  )
})
