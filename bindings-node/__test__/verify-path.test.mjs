// The per-request verify path (lib/verify.js over src/fast.rs): reused
// header buffer, keyed-secret cache, keyed Signer. Its answers must be the
// core's whatever the input shape, so each case is checked against `sign`.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { createRequire } from 'node:module'
import { join } from 'node:path'
import { erpops, packageDir } from './helpers.mjs'

const { sign, verify, Signer } = erpops
const native = createRequire(import.meta.url)(join(packageDir, 'native.js'))
const body = Buffer.from('{"event_type":"integration.failed"}')

test('a header longer than the reused buffer takes the allocating path, same answers', () => {
  const good = sign(body, 's3cret')
  // Surrounding blanks are allowed by the core; 300 of them overflow the buffer.
  assert.equal(verify(body, good + ' '.repeat(300), 's3cret'), true)
  assert.equal(verify(body, 'x'.repeat(1000), 's3cret'), false)
  assert.equal(verify(body, good.slice(0, -1) + 'é', 's3cret'), false)
  // The buffer holds no leftovers from a previous, longer header.
  assert.equal(verify(body, good + 'ff', 's3cret'), false)
  assert.equal(verify(body, good, 's3cret'), true)
  assert.equal(verify(body, good.slice(0, 20), 's3cret'), false)
})

test('string secrets are cached by value; every one still answers right past the cache limit', () => {
  const secrets = Array.from({ length: 150 }, (_, i) => `secret-${i}`)
  for (const round of [0, 1]) {
    for (const s of secrets) {
      const sig = sign(body, s)
      assert.equal(verify(body, sig, s), true, `${s} round ${round}`)
      assert.equal(verify(body, sig, `${s}x`), false, `${s}x round ${round}`)
    }
  }
})

test('byte secrets are read on every call, never cached by object', () => {
  const secret = Buffer.from('aaaa')
  const sig = sign(body, 'aaaa')
  assert.equal(verify(body, sig, secret), true)
  secret.write('bbbb')
  assert.equal(verify(body, sig, secret), false)
  assert.equal(verify(body, sign(body, 'bbbb'), secret), true)
})

test('empty secrets still throw secret_empty, on every path', () => {
  const sig = sign(body, 'k')
  assert.throws(() => verify(body, sig, ''), { code: 'secret_empty' })
  assert.throws(() => verify(body, sig, new Uint8Array(0)), { code: 'secret_empty' })
  assert.throws(() => new Signer(''), { code: 'secret_empty' })
})

test('Signer.verify answers as verify for every header shape and body type', () => {
  const signer = new Signer('k1')
  const sig = sign(body, 'k1')
  for (const [header, want] of [
    [sig, true],
    [Buffer.from(sig), true],
    [new Uint8Array(Buffer.from(sig.toUpperCase().replace('SHA256=', 'sha256='))), true],
    [null, false],
    [undefined, false],
    ['', false],
    ['sha256=zz', false],
  ]) {
    assert.equal(signer.verify(body, header), want, String(header))
    assert.equal(verify(body, header, 'k1'), want, String(header))
    assert.equal(verify(body.toString('utf8'), header, 'k1'), want, `string body, ${header}`)
  }
})

test('verifyKeyed refuses what is not a keyed handle, and clamps a bad length', () => {
  const key = native.keySecret('k1')
  const sig = Buffer.from(sign(body, 'k1'))
  assert.equal(native.verifyKeyed(body, sig, sig.length, key), true)
  assert.equal(native.verifyKeyed(body, sig, 1e9, key), true)
  assert.equal(native.verifyKeyed(body, sig, -1, key), true)
  assert.equal(native.verifyKeyed(body, sig, 10, key), false)
  assert.throws(() => native.verifyKeyed(body, sig, sig.length, {}))
  assert.throws(() => native.verifyKeyed(body, sig, sig.length, 'k1'))
  assert.throws(() => native.verifyKeyed('body', sig, sig.length, key))
})
