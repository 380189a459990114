'use strict'
// checkRequest: the core's receive decision for an existing receiver.
// Conversion only: header lookup (case-insensitive, first value), secrets
// as a list, `now` as a Date or Unix ms (the clock when omitted), a request
// id for the problem body, and the answer as an event or an ErpopsError.

const { randomUUID } = require('node:crypto')
const native = require('../native.js')
const { ErpopsError } = require('./errors.js')
const args = require('./args.js')
const { eventFromPacked } = require('./event.js')

/** The first value of header `name` from Node's, fetch's or any-case headers. */
function header(headers, name) {
  if (headers === null || headers === undefined) return undefined
  if (typeof headers.get === 'function') return headers.get(name) ?? undefined
  let value = headers[name]
  if (value === undefined) {
    const key = Object.keys(headers).find((k) => k.toLowerCase() === name)
    value = key === undefined ? undefined : headers[key]
  }
  if (Array.isArray(value)) value = value[0]
  if (value === undefined || value === null) return undefined
  return args.bytes(value, `headers['${name}']`)
}

/**
 * Decides one request exactly as an ERPOps receiver does: returns the
 * accepted event, or throws an ErpopsError with `status`, `code`, `problem`
 * (the RFC 9457 body) and `headers` to answer with.
 */
function checkRequest(headers, rawBody, options) {
  const o = args.options(options)
  let secrets = o.secrets
  if (secrets !== undefined && secrets !== null) secrets = [].concat(args.secrets(secrets, 'options.secrets'))
  const tooLarge = o.bodyTooLarge
  if (tooLarge !== undefined && typeof tooLarge !== 'number') {
    throw new TypeError(`options.bodyTooLarge must be the length read or declared, got ${args.describe(tooLarge)}`)
  }
  let r
  try {
    r = native.checkRequest(
      args.string(o.method ?? 'POST', 'options.method'),
      header(headers, 'content-type'),
      header(headers, 'x-erpops-signature'),
      header(headers, 'x-erpops-connector-id'),
      args.bytes(rawBody, 'rawBody'),
      tooLarge,
      secrets ?? undefined,
      args.nowMs(o.now, 'options.now'),
      args.string(o.requestId ?? `req_${randomUUID()}`, 'options.requestId'),
      o.maxBodyBytes ?? undefined,
      o.piiPolicy ?? undefined,
    )
  } catch (e) {
    if (e && e.code === 'InvalidArg') throw new TypeError(e.message)
    throw e
  }
  if (typeof r === 'string') return eventFromPacked(r)
  const problem = JSON.parse(r.problem)
  throw new ErpopsError({
    message: problem.detail ?? problem.title ?? r.code,
    status: r.status,
    code: r.code,
    errors: problem.errors ?? [],
    errorCount: problem.error_count,
    problem,
    headers: Object.fromEntries(r.headers),
  })
}

module.exports = { checkRequest }
