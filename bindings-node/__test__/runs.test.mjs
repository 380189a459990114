// tests/vectors/runs.json replayed (issue #23): schedule fire times across
// the 2026 daylight-saving changes (`fires`), refused schedules (`errors`)
// and jobs through the alerting layer (`timelines`: runs, expectations,
// maintenance windows, dependencies). core/tests/schedule_vectors.rs is the
// reference runner.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { erpops, vectors, matches } from './helpers.mjs'

const file = vectors('runs.json')
const { AlertEngine, Schedule, nextFireAfter, firesAfter, TZDB_VERSION } = erpops

const iso = (d) => (d === null ? null : d.toISOString().replace('.000Z', 'Z'))
// `now` as Unix milliseconds: the vectors' nanoseconds (`…59.999999999Z`,
// one instant before a timer) are cut to milliseconds, still before it.
const ms = (text) => Date.parse(text)

test('the vector file is the version this runner reads, for the compiled-in tz database', () => {
  assert.equal(file.version, 1)
  assert.equal(file.tzdb, TZDB_VERSION, 'regenerate or re-check the vectors')
  assert.ok(file.fires.length >= 10)
  assert.ok(file.errors.length >= 1)
  assert.ok(file.timelines.length >= 7)
})

for (const c of file.fires) {
  test(`fires: ${c.name}`, () => {
    const schedule = new Schedule(c.schedule)
    let at = ms(c.after)
    c.expect.forEach((want, i) => {
      const got = nextFireAfter(c.schedule, at)
      assert.equal(iso(got), want, `${c.name} fire #${i}`)
      assert.equal(iso(schedule.nextFireAfter(at)), want, `${c.name} fire #${i} (Schedule)`)
      at = got.getTime()
    })
    // The batch helper agrees.
    assert.deepEqual(firesAfter(c.schedule, new Date(c.after), c.expect.length).map(iso), c.expect, c.name)
    assert.deepEqual(schedule.firesAfter(ms(c.after), c.expect.length).map(iso), c.expect, c.name)
  })
}

const CONNECTOR = '3f2b8c1e-9a4d-4e7b-8c21-5d6f7a8b9c0d'

for (const c of file.errors) {
  test(`errors: ${c.name}`, () => {
    const code = { code: c.expect_error }
    assert.throws(() => new Schedule(c.schedule), (e) => {
      assert.ok(e instanceof Error)
      assert.equal(e.code, c.expect_error, `${c.name}: ${e.message}`)
      assert.ok(e.message.length > 0)
      return true
    })
    assert.throws(() => nextFireAfter(c.schedule, 0), code)
    assert.throws(() => new Schedule(JSON.stringify(c.schedule)), code)
    // The same schedule inside a job or a maintenance window: the same code.
    const engine = new AlertEngine()
    const job = { connector_id: CONNECTOR, source: 'NIGHTLY', expectation: { schedule: c.schedule }, grace: 60 }
    assert.throws(() => engine.setJob(job, 0), code)
    assert.throws(() => engine.setWindow({ id: 'w', schedule: c.schedule, duration: 60 }), code)
    assert.deepEqual(engine.jobs(), [])
    assert.deepEqual(engine.windows(), [])
  })
}

for (const c of file.timelines) {
  test(`timelines: ${c.name}`, () => {
    let engine = new AlertEngine()
    for (const r of c.rules ?? []) engine.setRule(r)
    for (const j of c.jobs ?? []) engine.setJob(j.job, ms(j.now))
    for (const w of c.windows ?? []) engine.setWindow(w)
    c.steps.forEach((step, i) => {
      const where = `${c.name} step ${i}`
      const now = ms(step.now)
      assert.ok(!step.ingest !== !step.tick, `${where}: a step is exactly one action`)
      const effects = step.ingest ? engine.ingest(step.ingest.event, step.ingest.event_id, now) : engine.tick(now)
      assert.equal(effects.length, step.expect.length, `${where}: effects ${JSON.stringify(effects)}`)
      step.expect.forEach((e, j) => matches(effects[j], e, `${where} effect ${j}`))
      if ('next_wakeup' in step) assert.equal(iso(engine.nextWakeup()), step.next_wakeup, `${where}: next_wakeup`)
      if (step.job) {
        const state = engine.job(step.job.connector_id, step.job.source)
        assert.ok(state, `${where}: no job ${step.job.source}`)
        matches(state, step.job.expect, `${where} /job`)
        // jobs() lists the same state.
        assert.deepEqual(
          engine.jobs().find((s) => s.job.connector_id === step.job.connector_id && s.job.source === step.job.source),
          state,
          where,
        )
      }
      // A snapshot round trip at every step keeps jobs, runs, windows and
      // held notifications exactly.
      const text = engine.snapshot()
      engine = AlertEngine.restore(text)
      assert.equal(engine.snapshot(), text, where)
    })
  })
}
