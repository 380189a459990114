'use strict'
// The `erpops` package: the native addon (generated `native.js` loader)
// plus the parts that are JavaScript by nature. Every rule is the core's.

const { randomUUID } = require('node:crypto')
const native = require('./native.js')
const { ErpopsError } = require('./lib/errors.js')
const args = require('./lib/args.js')
const { QuotaLedger } = require('./lib/quota.js')
const { IncidentModel } = require('./lib/incident.js')
const { Alerting, AlertEngine, wakeup } = require('./lib/alert.js')
const { makeMiddleware } = require('./lib/middleware.js')
const schedule = require('./lib/schedule.js')
const event = require('./lib/event.js')
const { checkRequest } = require('./lib/receive.js')
const { verify, verifyWith } = require('./lib/verify.js')

/** `sha256=<hex>` signature of the exact body bytes. */
function sign(body, secret) {
  return native.sign(args.bytes(body, 'body'), args.bytes(secret, 'secret'))
}


/**
 * A secret keyed once, for many bodies or one body fed in pieces. The
 * native class with argument checks that throw `TypeError`.
 */
class Signer extends native.Signer {
  #keyed

  constructor(secret) {
    super(args.bytes(secret, 'secret'))
    // The same secret keyed for the per-request verify path (copied, like
    // the native signer's).
    this.#keyed = native.keySecret(secret)
  }

  sign(body) {
    return super.sign(args.bytes(body, 'body'))
  }

  verify(body, signature) {
    return verifyWith(args.bytes(body, 'body'), args.optionalBytes(signature, 'signature'), this.#keyed)
  }

  update(chunk) {
    super.update(args.bytes(chunk, 'chunk'))
  }
}

/**
 * The core's in-memory receiver. `receive(request, now?, requestId?)`: `now`
 * is a Date or Unix ms (the clock when omitted).
 */
class ReceiveEngine extends native.ReceiveEngine {
  #alerts

  /** The response; `alerts` lists the alerting layer's effects (`notify`, …). */
  receive(request, now = undefined, requestId = undefined) {
    const r = super.receive(request, args.nowMs(now), args.string(requestId ?? `req_${randomUUID()}`, 'requestId'))
    r.alerts = JSON.parse(r.alerts)
    return r
  }

  /** The alerting layer every accepted event runs through: rules, silences, heartbeats, jobs, windows, commands. */
  get alerts() {
    this.#alerts ??= new Alerting(this, native.ReceiveEngine.prototype)
    return this.#alerts
  }

  /** Runs every due timer (heartbeats, jobs, windows, ack expiry, flapping, group_wait, repeats); returns the effects. */
  tick(now = undefined) {
    return JSON.parse(super.tick(args.nowMs(now)))
  }

  /** When to call `tick` next, or `null` when no timer is pending. */
  nextWakeup() {
    return wakeup(super.nextWakeupMs())
  }
}

exports.sign = sign
exports.verify = verify
exports.Signer = Signer
exports.validate = event.validate
exports.buildEvent = event.buildEvent
exports.signedRequest = event.signedRequest
exports.redact = event.redact
exports.ErpopsError = ErpopsError
exports.QuotaLedger = QuotaLedger
exports.IncidentModel = IncidentModel
exports.AlertEngine = AlertEngine
exports.Alerting = Alerting
exports.ReceiveEngine = ReceiveEngine
exports.Schedule = schedule.Schedule
exports.nextFireAfter = schedule.nextFireAfter
exports.firesAfter = schedule.firesAfter
exports.TZDB_VERSION = schedule.TZDB_VERSION
exports.MAX_FIRES = schedule.MAX_FIRES
exports.checkRequest = checkRequest
// The middleware's decision is the core's receive decision.
exports.erpopsMiddleware = makeMiddleware(checkRequest, native.DEFAULT_MAX_BODY_BYTES)
exports.SIGNATURE_HEADER = native.SIGNATURE_HEADER
exports.CONNECTOR_ID_HEADER = native.CONNECTOR_ID_HEADER
exports.RECEIVE_PATH = native.RECEIVE_PATH
exports.JSON_MEDIA_TYPE = native.JSON_MEDIA_TYPE
exports.DEFAULT_MAX_BODY_BYTES = native.DEFAULT_MAX_BODY_BYTES
exports.MAX_LISTED_VIOLATIONS = native.MAX_LISTED_VIOLATIONS
exports.DEFAULT_MAX_AGE_SECONDS = native.DEFAULT_MAX_AGE_SECONDS
exports.DEFAULT_FUTURE_SKEW_SECONDS = native.DEFAULT_FUTURE_SKEW_SECONDS
