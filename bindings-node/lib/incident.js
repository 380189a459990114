'use strict'
// IncidentModel: JSON conversion around the native model. Events, commands,
// effects and incidents are plain objects in the core's JSON form (snake_case
// keys, RFC 3339 times), the form of tests/vectors/incidents.json; `now` is
// a Date or Unix milliseconds and the clock when omitted. Every transition is
// the core's.

const native = require('../native.js')
const args = require('./args.js')

function nativeOptions(options) {
  const o = args.options(options)
  return { reopenWindowSecs: o.reopenWindowSecs ?? undefined, ackTimeoutSecs: o.ackTimeoutSecs ?? undefined }
}

// A BigInt (a metadata integer beyond 2^53 from `validate`) is written as
// its exact digits: JSON.stringify cannot, so it is marked and unquoted.
const BIG = '\u0000erpops-bigint:'
const BIG_QUOTED = /"\\u0000erpops-bigint:(-?\d+)"/g

function json(value, name) {
  if (typeof value === 'string') return value
  if (value instanceof Uint8Array) return Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('utf8')
  if (typeof value === 'object' && value !== null) {
    return JSON.stringify(value, (_, v) => (typeof v === 'bigint' ? BIG + v.toString() : v)).replace(BIG_QUOTED, '$1')
  }
  throw new TypeError(`${name} must be an object or its JSON text, got ${args.describe(value)}`)
}

/** The core's incident model: correlation, lifecycle, timers (contract §6). */
class IncidentModel {
  #inner

  constructor(options = undefined) {
    this.#inner = new native.IncidentModel(nativeOptions(options))
  }

  /** Ingests an accepted event with its id at the receiver's `now`; returns the effects. */
  ingest(event, eventId, now = undefined) {
    return JSON.parse(
      this.#inner.ingest(json(event, 'event'), args.string(eventId, 'eventId'), args.nowMs(now)),
    )
  }

  /** Applies `{ command, incident_id, actor, note? }`; throws with the core's code. */
  command(command, now = undefined) {
    return JSON.parse(this.#inner.command(json(command, 'command'), args.nowMs(now)))
  }

  /** Fires the timers due at `now`; returns their effects. */
  tick(now = undefined) {
    return JSON.parse(this.#inner.tick(args.nowMs(now)))
  }

  /** When to call `tick` next, or `null` when no timer is pending. */
  nextWakeup() {
    const ms = this.#inner.nextWakeupMs()
    return ms === null || ms === undefined ? null : new Date(ms)
  }

  /** The incident with `incidentId`, or `null`. */
  get(incidentId) {
    const text = this.#inner.get(args.string(incidentId, 'incidentId'))
    return text === null || text === undefined ? null : JSON.parse(text)
  }

  /** Every incident the model holds. */
  incidents() {
    return JSON.parse(this.#inner.incidents())
  }

  /** The whole state as snapshot JSON text. */
  snapshot() {
    return this.#inner.snapshot()
  }

  /** A model rebuilt from `snapshot()` text; throws `code: 'snapshot_*'`. */
  static restore(snapshot, options = undefined) {
    const model = new IncidentModel(options)
    model.#inner = native.IncidentModel.restore(args.string(snapshot, 'snapshot'), nativeOptions(options))
    return model
  }
}

module.exports = { IncidentModel, json }
