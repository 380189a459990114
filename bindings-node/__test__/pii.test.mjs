// tests/vectors/pii.json replayed through redact.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { erpops, vectors } from './helpers.mjs'

const file = vectors('pii.json')

test('the vector file is the version this runner reads', () => {
  assert.equal(file.version, 1)
})

for (const c of file.cases) {
  test(`pii: ${c.name}`, () => {
    const r = erpops.redact(c.text)
    assert.equal(r.text, c.redacted)
    // Offsets are bytes of the UTF-8 text, as in the vectors.
    assert.deepEqual(r.findings, c.findings)
    const utf8 = Buffer.from(c.text)
    for (const f of r.findings) assert.ok(utf8.subarray(f.start, f.end).length > 0)
    assert.deepEqual(erpops.redact(r.text).findings, [], 'redacting twice finds nothing')
  })
}
