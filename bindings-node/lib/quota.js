'use strict'
// QuotaLedger: argument handling around the native ledger (Date or Unix
// milliseconds for `now`, the clock when omitted, defaults for metric and
// cost). Every decision is the core's.

const native = require('../native.js')
const args = require('./args.js')

function request(opts) {
  const o = args.options(opts)
  const plan = o.plan
  if (typeof plan !== 'string' && (typeof plan !== 'object' || plan === null || Array.isArray(plan))) {
    throw new TypeError(
      `options.plan must be a plan name or { inbound_event, ai_query } limits, got ${args.describe(plan)}`,
    )
  }
  if (typeof plan === 'object') {
    for (const key of ['inbound_event', 'ai_query']) {
      if (!(key in plan)) {
        throw new TypeError(`options.plan.${key} is required (a number, or null for unlimited)`)
      }
    }
  }
  // The native object takes an absent limit as unlimited; JavaScript callers
  // write null, which napi's object check does not accept.
  const limits =
    typeof plan === 'object'
      ? { inbound_event: plan.inbound_event ?? undefined, ai_query: plan.ai_query ?? undefined }
      : plan
  const cost = o.cost ?? 1
  if (typeof cost !== 'number') throw new TypeError(`options.cost must be a number, got ${args.describe(cost)}`)
  const key = o.idempotencyKey
  return {
    plan: limits,
    metric: args.string(o.metric ?? 'inbound_event', 'options.metric'),
    cost,
    nowMs: args.nowMs(o.now, 'options.now'),
    idempotencyKey: key === undefined || key === null ? undefined : args.string(key, 'options.idempotencyKey'),
  }
}

function decision(d) {
  d.resetAt = new Date(d.windowEnd * 1000)
  return d
}

/** In-memory quota state for one process: per tenant, metric and UTC window. */
class QuotaLedger {
  #inner

  constructor() {
    this.#inner = new native.QuotaLedger()
  }

  /** Decides a request and records it if admitted. */
  consume(tenant, opts) {
    return decision(this.#inner.consume(args.string(tenant, 'tenant'), request(opts)))
  }

  /** The decision `consume` would make, recording nothing. */
  peek(tenant, opts) {
    return decision(this.#inner.peek(args.string(tenant, 'tenant'), request(opts)))
  }

  /** Units `tenant` used of `metric` in the window containing `now`. */
  used(tenant, metric = 'inbound_event', now = undefined) {
    return this.#inner.used(args.string(tenant, 'tenant'), args.string(metric, 'metric'), args.nowMs(now))
  }

  /** Drops the rows of windows that ended at `now`; returns how many. */
  prune(now = undefined) {
    return this.#inner.prune(args.nowMs(now))
  }

  /** Canonical snapshot JSON of the whole state. */
  snapshot() {
    return this.#inner.snapshot()
  }

  /** Number of counter rows held. */
  get size() {
    return this.#inner.size
  }

  /** A ledger rebuilt from `snapshot()` text; throws `code: 'snapshot_*'`. */
  static restore(snapshot) {
    const ledger = new QuotaLedger()
    ledger.#inner = native.QuotaLedger.restore(args.string(snapshot, 'snapshot'))
    return ledger
  }
}

module.exports = { QuotaLedger }
