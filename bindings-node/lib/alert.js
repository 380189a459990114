'use strict'
// The alerting layer: JSON conversion around the native AlertEngine and the
// same operations on ReceiveEngine (`engine.alerts`, the core's
// `alerts_mut()`). Rules, silences, heartbeats, jobs, maintenance windows,
// commands, effects and incidents are plain objects in the core's JSON form
// (snake_case keys, RFC 3339 times, whole seconds), the form of
// tests/vectors/alerts.json and runs.json (a `Schedule` may stand for a
// schedule's entries);
// `now` is a Date or Unix milliseconds and the clock when omitted. Every
// decision is the core's.

const native = require('../native.js')
const args = require('./args.js')
const { json } = require('./incident.js')

const parsed = (text) => (text === null || text === undefined ? null : JSON.parse(text))

function nativeOptions(options) {
  const o = args.options(options)
  const f = o.flapping
  let flapping
  if (f === false) flapping = false
  else if (f !== undefined && f !== null && f !== true) {
    const g = args.options(f, 'options.flapping')
    flapping = {
      maxTransitions: g.maxTransitions ?? undefined,
      windowSecs: g.windowSecs ?? undefined,
      quietPeriodSecs: g.quietPeriodSecs ?? undefined,
    }
  }
  return {
    reopenWindowSecs: o.reopenWindowSecs ?? undefined,
    ackTimeoutSecs: o.ackTimeoutSecs ?? undefined,
    flapping,
  }
}

/**
 * Rules, silences, heartbeats, jobs, maintenance windows and incident
 * commands of one native engine
 * (an `AlertEngine` or a `ReceiveEngine`). The native methods are called
 * through `proto` so a JavaScript subclass overriding a name cannot
 * intercept them.
 */
class Alerting {
  #target
  #proto

  /** @param {object} target the native engine  @param {object} proto its native prototype */
  constructor(target, proto) {
    this.#target = target
    this.#proto = proto
  }

  #call(name, ...rest) {
    return this.#proto[name].call(this.#target, ...rest)
  }

  /** Adds or replaces a rule `{ id, name, channel, kinds?, matchers?, repeat_interval?, group_wait? }`. */
  setRule(rule) {
    this.#call('setRule', json(rule, 'rule'))
  }

  /** Removes a rule; the removed rule, or `null`. */
  removeRule(ruleId) {
    return parsed(this.#call('removeRule', args.string(ruleId, 'ruleId')))
  }

  /** The rules, in id order. */
  rules() {
    return JSON.parse(this.#call('rules'))
  }

  /** Adds or replaces a silence `{ id, matchers?, starts_at, ends_at, comment? }`. */
  setSilence(silence) {
    this.#call('setSilence', json(silence, 'silence'))
  }

  /** Ends a silence at `now`; returns the effects of what it held back. */
  expireSilence(silenceId, now = undefined) {
    return JSON.parse(this.#call('expireSilence', args.string(silenceId, 'silenceId'), args.nowMs(now)))
  }

  /** The silences, in id order. */
  silences() {
    return JSON.parse(this.#call('silences'))
  }

  /** Sets or changes `{ connector_id, source, period, grace, severity?, paused? }` at `now`. */
  setHeartbeat(heartbeat, now = undefined) {
    this.#call('setHeartbeat', json(heartbeat, 'heartbeat'), args.nowMs(now))
  }

  /** Pauses (`true`) or resumes a heartbeat at `now`; throws `code: 'unknown_heartbeat'`. */
  setHeartbeatPaused(connectorId, source, paused, now = undefined) {
    if (typeof paused !== 'boolean') throw new TypeError(`paused must be a boolean, got ${args.describe(paused)}`)
    this.#call(
      'setHeartbeatPaused',
      args.string(connectorId, 'connectorId'),
      args.string(source, 'source'),
      paused,
      args.nowMs(now),
    )
  }

  /** Removes a heartbeat; the removed heartbeat, or `null`. */
  removeHeartbeat(connectorId, source) {
    return parsed(this.#call('removeHeartbeat', args.string(connectorId, 'connectorId'), args.string(source, 'source')))
  }

  /** The heartbeats with their state (last sign of life, deadline, open missed run). */
  heartbeats() {
    return JSON.parse(this.#call('heartbeats'))
  }

  /**
   * Sets or changes a job `{ connector_id, source, expectation: { period } | { schedule },
   * grace, max_runtime?, min_runtime?, deadline?, depends_on?, severity?, paused? }` at `now`.
   */
  setJob(job, now = undefined) {
    this.#call('setJob', json(job, 'job'), args.nowMs(now))
  }

  /** Pauses (`true`) or resumes a job at `now`; throws `code: 'unknown_job'`. */
  setJobPaused(connectorId, source, paused, now = undefined) {
    if (typeof paused !== 'boolean') throw new TypeError(`paused must be a boolean, got ${args.describe(paused)}`)
    this.#call(
      'setJobPaused',
      args.string(connectorId, 'connectorId'),
      args.string(source, 'source'),
      paused,
      args.nowMs(now),
    )
  }

  /** Removes a job; the removed job, or `null`. */
  removeJob(connectorId, source) {
    return parsed(this.#call('removeJob', args.string(connectorId, 'connectorId'), args.string(source, 'source')))
  }

  /** One job's state (due time, runs, open incidents, …) with `status` and `median_duration_ms`, or `null`. */
  job(connectorId, source) {
    return parsed(this.#call('job', args.string(connectorId, 'connectorId'), args.string(source, 'source')))
  }

  /** The jobs with their state, in (connector, source) order. */
  jobs() {
    return JSON.parse(this.#call('jobs'))
  }

  /** Adds or replaces a maintenance window `{ id, matchers?, schedule, duration, comment? }`. */
  setWindow(window) {
    this.#call('setWindow', json(window, 'window'))
  }

  /** Removes a maintenance window at `now`; returns the effects of what it held back. */
  removeWindow(windowId, now = undefined) {
    return JSON.parse(this.#call('removeWindow', args.string(windowId, 'windowId'), args.nowMs(now)))
  }

  /** The maintenance windows, in id order. */
  windows() {
    return JSON.parse(this.#call('windows'))
  }

  /** Applies `{ command, incident_id, actor, note? }`; throws with the core's code. */
  command(command, now = undefined) {
    return JSON.parse(this.#call('command', json(command, 'command'), args.nowMs(now)))
  }

  /** Every incident the engine holds. */
  incidents() {
    return JSON.parse(this.#call('incidents'))
  }

  /** The incident with `incidentId`, or `null`. */
  get(incidentId) {
    return parsed(this.#call('get', args.string(incidentId, 'incidentId')))
  }
}

/** `new Date(ms)`, or `null` when no timer is pending. */
function wakeup(ms) {
  return ms === null || ms === undefined ? null : new Date(ms)
}

// The native engine `restore` built, handed to the constructor it calls.
let restored

/**
 * The core's alerting layer (contract §6): the incident model plus rules,
 * silences, flap detection and heartbeats. Every call returns the effects
 * the caller performs (`notify` ones are the notifications to deliver).
 */
class AlertEngine extends Alerting {
  #inner

  constructor(options = undefined) {
    const inner = restored ?? new native.AlertEngine(nativeOptions(options))
    super(inner, native.AlertEngine.prototype)
    this.#inner = inner
  }

  /** Ingests an accepted event with its id at the receiver's `now`; returns the effects. */
  ingest(event, eventId, now = undefined) {
    return JSON.parse(this.#inner.ingest(json(event, 'event'), args.string(eventId, 'eventId'), args.nowMs(now)))
  }

  /** Runs every timer due at `now`; returns the effects. */
  tick(now = undefined) {
    return JSON.parse(this.#inner.tick(args.nowMs(now)))
  }

  /** When to call `tick` next, or `null` when no timer is pending. */
  nextWakeup() {
    return wakeup(this.#inner.nextWakeupMs())
  }

  /** The whole state as snapshot JSON text. */
  snapshot() {
    return this.#inner.snapshot()
  }

  /** An engine rebuilt from `snapshot()` text; throws `code: 'snapshot_*'`. */
  static restore(snapshot, options = undefined) {
    restored = native.AlertEngine.restore(args.string(snapshot, 'snapshot'), nativeOptions(options))
    try {
      return new AlertEngine(options)
    } finally {
      restored = undefined
    }
  }
}

module.exports = { Alerting, AlertEngine, wakeup }
