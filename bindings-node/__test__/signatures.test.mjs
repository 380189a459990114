// tests/vectors/signatures.json replayed through the Node package.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { erpops, vectors, hex } from './helpers.mjs'

const file = vectors('signatures.json')
const { sign, verify, Signer } = erpops

test('the vector file is the version this runner reads', () => {
  assert.equal(file.version, 1)
  assert.ok(file.sign.length > 0 && file.verify.length > 0)
})

for (const c of file.sign) {
  test(`sign: ${c.name}`, () => {
    const secret = hex(c.secret_hex)
    const body = hex(c.body_hex)
    assert.equal(sign(body, secret), c.header)
    // The same bytes as a Uint8Array view into a larger buffer (offset != 0).
    const backing = new Uint8Array(body.length + 7)
    backing.set(body, 3)
    assert.equal(sign(backing.subarray(3, 3 + body.length), secret), c.header)
    // Keyed once, one shot and incremental in uneven pieces.
    const signer = new Signer(secret)
    assert.equal(signer.sign(body), c.header)
    for (let i = 0; i < body.length; i += 5) signer.update(body.subarray(i, i + 5))
    assert.equal(signer.bytesFed, body.length)
    assert.equal(signer.finish(), c.header)
    assert.equal(signer.bytesFed, 0)
    // finish() started a fresh body with the same secret.
    signer.update(body)
    assert.equal(signer.finish(), c.header)
    // A string input is its UTF-8 bytes.
    const text = body.toString('utf8')
    if (Buffer.from(text, 'utf8').equals(body)) assert.equal(sign(text, secret), c.header)
  })
}

for (const c of file.verify) {
  test(`verify: ${c.name}`, () => {
    const secrets = c.secrets_hex.map(hex)
    const body = hex(c.body_hex)
    const ok = c.expect === 'ok'
    assert.equal(verify(body, c.header, secrets), ok)
    if (c.header !== null) assert.equal(verify(body, Buffer.from(c.header, 'latin1'), secrets), ok)
    if (secrets.length === 1) {
      assert.equal(verify(body, c.header, secrets[0]), ok)
      assert.equal(new Signer(secrets[0]).verify(body, c.header), ok)
    }
  })
}
