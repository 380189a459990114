'use strict'
// verify's per-request path. The native `verifyKeyed` (src/fast.rs) takes
// the body in place, the header as bytes plus a length and the secret as a
// keyed handle; this file prepares those cheaply. Every rule is the core's.
//
// - A string header is encoded into one reused buffer (synchronous calls
//   only, so no two uses overlap) instead of a new Buffer per call.
// - A string secret is keyed once and kept in a small cache: a receiver
//   verifies with the same few secrets over and over, and keying is two of
//   the eight SHA-256 blocks of a small body. The cache holds only handles
//   to keyed state of secrets the caller passed, never prints them, and is
//   emptied when it reaches CACHE_LIMIT entries (rotated-out secrets do not
//   stay for ever). Byte secrets are keyed per call: their contents can
//   change under the same object.

const native = require('../native.js')
const args = require('./args.js')

const CACHE_LIMIT = 64
const cache = new Map()

/** The keyed handle of a secret (cached for strings); throws `secret_empty`. */
function keyed(secret) {
  if (typeof secret !== 'string') return native.keySecret(secret)
  let k = cache.get(secret)
  if (k === undefined) {
    k = native.keySecret(secret)
    if (cache.size >= CACHE_LIMIT) cache.clear()
    cache.set(secret, k)
  }
  return k
}

// `sha256=` + 64 hex digits is 71 bytes; a longer header is malformed, and
// one that does not fit here takes the allocating path below.
const scratch = new Uint8Array(256)
const encoder = new TextEncoder()

/** Whether `signature` signs `body` under the keyed handle `key`. */
function verifyWith(body, signature, key) {
  const bytes = typeof body === 'string' ? Buffer.from(body, 'utf8') : body
  if (typeof signature === 'string') {
    const { read, written } = encoder.encodeInto(signature, scratch)
    if (read === signature.length) return native.verifyKeyed(bytes, scratch, written, key)
    const whole = Buffer.from(signature, 'utf8')
    return native.verifyKeyed(bytes, whole, whole.length, key)
  }
  if (signature === undefined || signature === null) return native.verifyKeyed(bytes, null, 0, key)
  return native.verifyKeyed(bytes, signature, signature.length, key)
}

/** Constant-time check of a signature header against one or more secrets. */
function verify(body, signature, secretOrSecrets) {
  args.bytes(body, 'body')
  args.optionalBytes(signature, 'signature')
  if (Array.isArray(secretOrSecrets)) {
    // Rotation: the core checks every candidate (no early exit).
    return native.verify(body, signature, args.secrets(secretOrSecrets, 'secretOrSecrets'))
  }
  return verifyWith(body, signature, keyed(args.bytes(secretOrSecrets, 'secretOrSecrets')))
}

module.exports = { verify, verifyWith, keyed }
