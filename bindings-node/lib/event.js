'use strict'
// validate / buildEvent / signedRequest / redact: argument conversion around
// the native event contract. `now` is a Date or Unix milliseconds (the clock
// when omitted); a body or fields that break the contract throw an
// ErpopsError carrying the violations (the first MAX_LISTED_VIOLATIONS, and
// their total), a built body over the limit one with code `body_too_large`.
// Every rule is the core's.

const native = require('../native.js')
const { ErpopsError } = require('./errors.js')
const args = require('./args.js')

/** The ErpopsError for the core's refusal (violations, or a body too large). */
function invalid(r) {
  const e = new ErpopsError({
    message: r.message,
    status: r.status,
    code: r.code,
    errors: r.errors,
    errorCount: r.errorCount,
    size: r.size,
    limit: r.limit,
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

/** A thrown Error with the core's `code` for an unusable argument. */
function argumentError(r) {
  const e = new Error(r.message)
  e.code = r.code
  return e
}

/**
 * Validates a raw body with the service's rules and returns the normalized
 * event (`timestamp` as a `Date`); throws an ErpopsError (422,
 * `invalid_event`, every violation in `errors`) when it breaks the contract.
 */
function validate(body, options) {
  // A string is UTF-8 encoded once here (it cannot be borrowed anyway).
  if (typeof args.bytes(body, 'body') === 'string') body = Buffer.from(body, 'utf8')
  const o = args.options(options)
  const now = args.nowMs(o.now, 'options.now')
  let r
  if (
    o.connectorId == null &&
    o.futureSkewSeconds == null &&
    o.maxAgeSeconds == null &&
    o.maxBodyBytes == null &&
    o.piiPolicy == null
  ) {
    // The common call: fewer arguments for the native side to look at.
    r = native.validate(body, now)
  } else {
    r = native.validate(
      body,
      now,
      optionalString(o.connectorId, 'options.connectorId'),
      optionalNumber(o.futureSkewSeconds, 'options.futureSkewSeconds'),
      optionalNumber(o.maxAgeSeconds, 'options.maxAgeSeconds'),
      optionalNumber(o.maxBodyBytes, 'options.maxBodyBytes'),
      optionalString(o.piiPolicy, 'options.piiPolicy'),
    )
  }
  if (typeof r === 'string') return eventFromPacked(r)
  if (r.errors !== undefined) throw invalid(r)
  throw argumentError(r)
}

// A packed event (src/packed.rs): the fields back to back, then a trailer
// of their lengths, two 15-bit characters each, NULL for an absent field.
const FIELDS = 9
const NULL = 2 ** 30 - 1

/**
 * The event object from the core's packed string (src/packed.rs): a plain
 * object with the wire's names, `timestamp` a Date, metadata integers
 * beyond 2^53 exact BigInts. Straight-line code: this runs per request.
 */
function eventFromPacked(s) {
  const t = s.length - 2 * FIELDS
  const len = (i) => (s.charCodeAt(t + 2 * i) << 15) | s.charCodeAt(t + 2 * i + 1)
  let at = 0
  let n = len(0)
  const connectorId = s.slice(at, (at += n))
  n = len(1)
  const eventType = s.slice(at, (at += n))
  n = len(2)
  const timestamp = new Date(Number(s.slice(at, (at += n))))
  n = len(3)
  const severity = s.slice(at, (at += n))
  n = len(4)
  const source = n === NULL ? null : s.slice(at, (at += n))
  n = len(5)
  const message = n === NULL ? null : s.slice(at, (at += n))
  n = len(6)
  const metadata = JSON.parse(s.slice(at, (at += n)))
  n = len(7)
  const redactions = n === 0 ? [] : JSON.parse(s.slice(at, (at += n)))
  n = len(8)
  if (n !== 0) {
    for (const key of JSON.parse(s.slice(at, at + n))) metadata[key] = BigInt(metadata[key])
  }
  return {
    connector_id: connectorId,
    event_type: eventType,
    timestamp,
    severity,
    source,
    message,
    metadata,
    redactions,
  }
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

/** `options.maxBodyBytes` of the builder calls (undefined: the default 64 KiB). */
function builderLimit(options) {
  const o = args.options(options)
  return optionalNumber(o.maxBodyBytes, 'options.maxBodyBytes')
}

/**
 * The compact JSON body (fixed field order) of a valid event, as a Buffer;
 * a body longer than `options.maxBodyBytes` (default 64 KiB) throws
 * `body_too_large`.
 */
function buildEvent(fields, options) {
  const limit = builderLimit(options)
  const r = call(() => native.buildEvent(nativeFields(fields), limit))
  if (r instanceof Uint8Array) return r
  throw invalid(r)
}

/** `{ body, headers }` ready for `fetch`: the built body and its signature. */
function signedRequest(fields, secret, options) {
  const limit = builderLimit(options)
  const r = call(() => native.signedRequest(nativeFields(fields), args.bytes(secret, 'secret'), limit))
  if (r.errors !== undefined) throw invalid(r)
  return r
}

/** `{ text, findings }`: personal data replaced by `[REDACTED:<kind>]`. */
function redact(text) {
  return native.redact(args.string(text, 'text'))
}

module.exports = { validate, buildEvent, signedRequest, redact, eventFromPacked }
