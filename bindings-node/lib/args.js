'use strict'
// Argument type checks. The native layer rejects wrong types too, but with a
// generic napi message; checking here gives JavaScript's usual `TypeError`
// and names the argument. These are conversions, not rules: every decision
// about the bytes is the core's.

function describe(value) {
  if (value === null) return 'null'
  if (Array.isArray(value)) return 'an array'
  if (typeof value === 'object') return `an object (${value.constructor?.name ?? 'Object'})`
  return `${typeof value}`
}

/** `value` if it is a Buffer, Uint8Array or string; a TypeError otherwise. */
function bytes(value, name) {
  if (typeof value === 'string' || value instanceof Uint8Array) return value
  throw new TypeError(`${name} must be a Buffer, Uint8Array or string, got ${describe(value)}`)
}

/** Like `bytes`, but `null`/`undefined` (an absent header) pass through. */
function optionalBytes(value, name) {
  if (value === undefined || value === null) return value
  return bytes(value, name)
}

/** One secret or a list of them (rotation; an empty list matches nothing). */
function secrets(value, name) {
  if (Array.isArray(value)) {
    value.forEach((s, i) => bytes(s, `${name}[${i}]`))
    return value
  }
  return bytes(value, name)
}

module.exports = { bytes, optionalBytes, secrets, describe }
