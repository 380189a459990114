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

/**
 * Unix milliseconds from a `Date` or a number; the clock when omitted (the
 * core never reads a clock: bindings fill in "now", contract §10).
 */
function nowMs(value, name = 'now') {
  if (value === undefined || value === null) return Date.now()
  if (value instanceof Date) return value.getTime()
  if (typeof value === 'number') return value
  throw new TypeError(`${name} must be a Date or Unix milliseconds, got ${describe(value)}`)
}

/** `value` if it is a string; a TypeError otherwise. */
function string(value, name) {
  if (typeof value === 'string') return value
  throw new TypeError(`${name} must be a string, got ${describe(value)}`)
}

/** `value` if it is a plain object (or absent: `{}`); a TypeError otherwise. */
function options(value, name = 'options') {
  if (value === undefined || value === null) return {}
  if (typeof value === 'object' && !Array.isArray(value)) return value
  throw new TypeError(`${name} must be an object, got ${describe(value)}`)
}

module.exports = { bytes, optionalBytes, secrets, describe, nowMs, string, options }
