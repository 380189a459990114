'use strict'
// Schedules (issue #23): when a batch job is expected to run. A schedule is
// one or more 5-field cron expressions, each read on the wall clock of its
// own IANA time zone, in the core's JSON form `[{ cron, time_zone }]` (the
// form of a job's `expectation.schedule` and a window's `schedule`, and of
// tests/vectors/runs.json). Fire times across daylight-saving changes are
// the core's one rule (docs/runs.md): a time in a spring-forward gap fires
// once when the gap ends, a time in a fall-back overlap once, at its first
// occurrence. A refused schedule throws an Error with the core's `code`
// (`invalid_cron`, `cron_never_fires`, `unknown_time_zone`,
// `invalid_schedule`).

const native = require('../native.js')
const args = require('./args.js')

/** JSON text of a schedule's entries: a list, its JSON text, or a `Schedule`. */
function entriesJson(value, name) {
  if (value instanceof Schedule) return JSON.stringify(value.entries)
  if (typeof value === 'string') return value
  if (Array.isArray(value)) return JSON.stringify(value)
  throw new TypeError(
    `${name} must be a list of { cron, time_zone } entries, its JSON text or a Schedule, got ${args.describe(value)}`,
  )
}

function count(value, name) {
  if (Number.isInteger(value) && value >= 0) return value
  throw new TypeError(`${name} must be a non-negative integer, got ${args.describe(value)}`)
}

const fromMs = (ms) => (ms === null || ms === undefined ? null : new Date(ms))

/**
 * A checked schedule. Usable wherever a schedule goes (a job's
 * `expectation: { schedule }`, a window's `schedule`): it serializes as its
 * entries.
 */
class Schedule {
  #inner
  #entries

  /** From `[{ cron, time_zone }, …]` (1 to 32 entries) or its JSON text. */
  constructor(entries) {
    this.#inner = new native.Schedule(entriesJson(entries, 'entries'))
    this.#entries = JSON.parse(this.#inner.entries())
  }

  /** One cron expression in one IANA time zone. */
  static single(cron, timeZone) {
    return new Schedule([{ cron: args.string(cron, 'cron'), time_zone: args.string(timeZone, 'timeZone') }])
  }

  /** The entries as the core built them (expression trimmed, zone's canonical name); a copy. */
  get entries() {
    return this.#entries.map((e) => ({ ...e }))
  }

  /** The next fire time strictly after `after` (default: now), or `null` when there is none. */
  nextFireAfter(after = undefined) {
    return fromMs(this.#inner.nextFireAfterMs(args.nowMs(after, 'after')))
  }

  /** Up to `n` fire times strictly after `after`, in order (each the next after the one before). */
  firesAfter(after, n) {
    return this.#inner.firesAfterMs(args.nowMs(after, 'after'), count(n, 'n')).map((ms) => new Date(ms))
  }

  /** The entries: `JSON.stringify` of a job or window holding this schedule writes them. */
  toJSON() {
    return this.entries
  }
}

const schedule = (value) => (value instanceof Schedule ? value : new Schedule(value))

/** The next time `schedule` (a `Schedule` or its entries) fires strictly after `after`, or `null`. */
function nextFireAfter(value, after = undefined) {
  return schedule(value).nextFireAfter(after)
}

/** Up to `n` fire times of `schedule` strictly after `after`, in order. */
function firesAfter(value, after, n) {
  return schedule(value).firesAfter(after, n)
}

module.exports = {
  Schedule,
  nextFireAfter,
  firesAfter,
  TZDB_VERSION: native.TZDB_VERSION,
  MAX_FIRES: native.MAX_FIRES,
}
