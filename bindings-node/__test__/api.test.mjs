// The JavaScript face of signing: argument types, errors, constants.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { erpops } from './helpers.mjs'

const { sign, verify, Signer } = erpops
const body = Buffer.from('{"connector_id":"x"}')

test('verify never throws for a wrong, malformed or missing signature', () => {
  const good = sign(body, 'secret')
  assert.equal(verify(body, good, 'secret'), true)
  for (const bad of [
    sign(body, 'other'),
    'sha256=zz',
    'sha256=',
    '',
    'md5=' + good.slice(7),
    good.slice(0, -1),
    good + '0',
    null,
    undefined,
    Buffer.from([0xff, 0xfe, 0x00]),
  ]) {
    assert.equal(verify(body, bad, 'secret'), false, String(bad))
  }
})

test('verify accepts the label in any case and blanks around the value', () => {
  const good = sign(body, 'secret')
  assert.equal(verify(body, ' SHA256=' + good.slice(7).toUpperCase() + '\t', 'secret'), true)
})

test('rotation: any listed secret verifies, an empty list matches nothing', () => {
  const good = sign(body, 'old')
  assert.equal(verify(body, good, ['new', 'old']), true)
  assert.equal(verify(body, good, ['new']), false)
  assert.equal(verify(body, good, []), false)
})

test('wrong argument types are TypeErrors naming the argument', () => {
  assert.throws(() => sign(42, 'secret'), { name: 'TypeError', message: /body/ })
  assert.throws(() => sign(body, { secret: 'x' }), { name: 'TypeError', message: /secret/ })
  assert.throws(() => verify(body, 42, 'secret'), { name: 'TypeError', message: /signature/ })
  assert.throws(() => verify(body, 'sha256=00', ['a', 7]), {
    name: 'TypeError',
    message: /secretOrSecrets\[1\]/,
  })
  assert.throws(() => verify(JSON.parse(body), 'x', 'secret'), TypeError)
  assert.throws(() => new Signer(12), TypeError)
})

test('an empty secret is refused with the core code, never used', () => {
  assert.throws(() => sign(body, ''), { code: 'secret_empty', message: /empty/ })
  assert.throws(() => verify(body, 'sha256=00', ['', 'x']), { code: 'secret_empty' })
  assert.throws(() => new Signer(Buffer.alloc(0)), { code: 'secret_empty' })
})

test('inputs are raw bytes: a string is its UTF-8, nothing is trimmed', () => {
  assert.equal(sign('é', 'k'), sign(Buffer.from([0xc3, 0xa9]), 'k'))
  assert.notEqual(sign(' x', 'k'), sign('x', 'k'))
  assert.notEqual(sign('x\n', 'k'), sign('x', 'k'))
})

test('signer reset discards what was fed', () => {
  const s = new Signer('k')
  s.update('garbage')
  s.reset()
  s.update(body)
  assert.equal(s.finish(), sign(body, 'k'))
})

test('header constants are the wire names', () => {
  assert.equal(erpops.SIGNATURE_HEADER, 'X-ERPOps-Signature')
  assert.equal(erpops.CONNECTOR_ID_HEADER, 'X-ERPOps-Connector-Id')
  assert.equal(erpops.RECEIVE_PATH, '/functions/v1/receive-event')
  assert.equal(erpops.JSON_MEDIA_TYPE, 'application/json')
})

test('ESM import exposes the same functions as require', async () => {
  const esm = await import('../index.js')
  assert.equal(esm.sign, erpops.sign)
  assert.equal(esm.verify, erpops.verify)
  assert.equal(esm.Signer, erpops.Signer)
})
