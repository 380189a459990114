'use strict'
// validate / buildEvent / signedRequest / redact: argument conversion around
// the native event contract. `now` is a Date or Unix milliseconds (the clock
// when omitted); a body or fields that break the contract throw an
// ErpopsError carrying every violation. Every rule is the core's.

const native = require('../native.js')
const { ErpopsError } = require('./errors.js')
const args = require('./args.js')

/** The ErpopsError for the core's violations. */
function invalid(r) {
  const e = new ErpopsError({
    message: r.message,
    status: native.INVALID_EVENT_STATUS,
    code: native.INVALID_EVENT_CODE,
    errors: r.errors,
  })
  if (r.syntax) e.syntax = r.syntax
  return e
}

/** napi's own argument errors are type errors in JavaScript terms. */
function call(fn) {
  try {
    return fn()
  } catch (e) {
    if (e && e.code === 'InvalidArg') throw new TypeError(e.message)
    throw e
  }
}

function optionalNumber(value, name) {
  if (value === undefined || value === null) return undefined
  if (typeof value === 'number') return value
  throw new TypeError(`${name} must be a number, got ${args.describe(value)}`)
}

function optionalString(value, name) {
  if (value === undefined || value === null) return undefined
  return args.string(value, name)
}

/**
 * Validates a raw body with the service's rules and returns the normalized
 * event (`timestamp` as a `Date`); throws an ErpopsError (422,
 * `invalid_event`, every violation in `errors`) when it breaks the contract.
 */
function validate(body, options) {
  const o = args.options(options)
  const r = call(() =>
    native.validate(
      args.bytes(body, 'body'),
      args.nowMs(o.now, 'options.now'),
      optionalString(o.connectorId, 'options.connectorId'),
      optionalNumber(o.futureSkewSeconds, 'options.futureSkewSeconds'),
      optionalNumber(o.maxAgeSeconds, 'options.maxAgeSeconds'),
      optionalNumber(o.maxBodyBytes, 'options.maxBodyBytes'),
      optionalString(o.piiPolicy, 'options.piiPolicy'),
    ),
  )
  if (typeof r !== 'string') throw invalid(r)
  return eventFromJson(r)
}

/** The event object from the core's JSON text (Date, exact BigInts). */
function eventFromJson(r) {
  const ev = JSON.parse(r)
  ev.timestamp = new Date(ev.timestamp)
  if (ev.bigints !== undefined) {
    for (const key of ev.bigints) ev.metadata[key] = BigInt(ev.metadata[key])
    delete ev.bigints
  }
  return ev
}

/** Builder fields with a Date timestamp and metadata object converted. */
function nativeFields(fields) {
  if (typeof fields !== 'object' || fields === null || Array.isArray(fields)) {
    throw new TypeError(`fields must be an object, got ${args.describe(fields)}`)
  }
  const out = {}
  for (const key of ['connector_id', 'event_type', 'severity', 'source', 'message']) {
    if (fields[key] !== undefined && fields[key] !== null) out[key] = args.string(fields[key], `fields.${key}`)
  }
  const t = fields.timestamp
  if (t instanceof Date) out.timestamp = t.getTime()
  else if (typeof t === 'string') out.timestamp = t
  else if (t !== undefined && t !== null) {
    throw new TypeError(`fields.timestamp must be a Date or RFC 3339 text, got ${args.describe(t)}`)
  }
  const m = fields.metadata
  if (m !== undefined && m !== null) {
    if (typeof m !== 'object' || Array.isArray(m)) {
      throw new TypeError(`fields.metadata must be an object, got ${args.describe(m)}`)
    }
    out.metadata = Object.entries(m).map(([k, v]) => {
      const ok = v === null || ['string', 'number', 'bigint', 'boolean'].includes(typeof v)
      if (!ok) {
        throw new TypeError(
          `fields.metadata.${k} must be a string, number, bigint, boolean or null (metadata is flat), got ${args.describe(v)}`,
        )
      }
      return [k, v]
    })
  }
  return out
}

/** The compact JSON body (fixed field order) of a valid event, as a Buffer. */
function buildEvent(fields) {
  const r = call(() => native.buildEvent(nativeFields(fields)))
  if (r instanceof Uint8Array) return r
  throw invalid(r)
}

/** `{ body, headers }` ready for `fetch`: the built body and its signature. */
function signedRequest(fields, secret) {
  const r = call(() => native.signedRequest(nativeFields(fields), args.bytes(secret, 'secret')))
  if (r.errors !== undefined) throw invalid(r)
  return r
}

/** `{ text, findings }`: personal data replaced by `[REDACTED:<kind>]`. */
function redact(text) {
  return native.redact(args.string(text, 'text'))
}

module.exports = { validate, buildEvent, signedRequest, redact, eventFromJson }
