// Node benchmark: erpops (release addon) against Node's own tools, same
// process, same inputs. Prints ns/op per case and the ratio to its anchor.
// Run with `make bench-node` (builds the release addon first). Figures go in
// BENCHMARKS.md; they are never asserted by a test.
import { createHmac, timingSafeEqual } from 'node:crypto'
import { createRequire } from 'node:module'
import { existsSync, readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const here = dirname(fileURLToPath(import.meta.url))
const repo = join(here, '..', '..')
// ERPOPS_NODE_PKG: another build of the package (e.g. an older commit's) to compare.
const pkg = process.env.ERPOPS_NODE_PKG ?? join(repo, 'bindings-node')
const require = createRequire(join(pkg, 'package.json'))
const erpops = require(pkg)

const ROUNDS = 9
const TARGET_NS = 1e9 // per case and side, spread over the rounds

/** Iterations of `fn` that take about TARGET_NS / ROUNDS (after a warm-up). */
function calibrate(fn) {
  let n = 1
  for (;;) {
    const t0 = process.hrtime.bigint()
    for (let i = 0; i < n; i++) fn()
    const dt = Number(process.hrtime.bigint() - t0)
    if (dt > 20e6) return Math.max(1, Math.round((n * TARGET_NS) / ROUNDS / dt))
    n *= 2
  }
}

/**
 * Wall and CPU time per call. CPU time (process.cpuUsage, µs resolution,
 * so a round lasts ~110 ms) leaves out the time this process waited for a
 * core, which on a shared machine makes it the steadier of the two.
 */
function timed(fn, n) {
  const c0 = process.cpuUsage()
  const t0 = process.hrtime.bigint()
  for (let i = 0; i < n; i++) fn()
  const wall = Number(process.hrtime.bigint() - t0) / n
  const c = process.cpuUsage(c0)
  return { wall, cpu: ((c.user + c.system) * 1000) / n }
}

const median = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1]

/**
 * Anchor and subject rounds alternate, so a load change on this shared
 * machine hits both; the ratio is the median of the per-round ratios.
 */
function measurePair(anchor, subject) {
  const na = calibrate(anchor)
  const ns = calibrate(subject)
  const a = []
  const s = []
  const r = []
  const rc = []
  for (let round = 0; round < ROUNDS; round++) {
    const ta = timed(anchor, na)
    const ts = timed(subject, ns)
    a.push(ta.wall)
    s.push(ts.wall)
    r.push(ts.wall / ta.wall)
    rc.push(ts.cpu / ta.cpu)
  }
  return { anchorNs: median(a), subjectNs: median(s), ratio: median(r), cpuRatio: median(rc) }
}

/** The usual hand-written Node check: HMAC the raw body, compare in constant time. */
function nodeVerify(body, header, secret) {
  if (typeof header !== 'string' || !header.startsWith('sha256=')) return false
  const given = Buffer.from(header.slice(7), 'hex')
  const want = createHmac('sha256', secret).update(body).digest()
  return given.length === want.length && timingSafeEqual(given, want)
}

const results = []
function compare(name, anchorName, anchor, subject) {
  const { anchorNs: a, subjectNs: s, ratio, cpuRatio } = measurePair(anchor, subject)
  results.push({ name, anchorName, anchorNs: a, subjectNs: s, ratio, cpuRatio })
  console.log(
    `${name.padEnd(34)} erpops ${s.toFixed(0).padStart(8)} ns/op   ${anchorName} ${a.toFixed(0).padStart(8)} ns/op   ratio ${ratio.toFixed(3)}   cpu ratio ${cpuRatio.toFixed(3)}`,
  )
}

const secret = 'whsec_erpops_test_secret_0123456789'
const event = Buffer.from(
  JSON.stringify({
    connector_id: '3f2b8c1e-9a4d-4e7b-8c21-5d6f7a8b9c0d',
    event_type: 'integration.failed',
    timestamp: '2026-04-20T03:00:00Z',
    severity: 'error',
    source: 'PSFT_PAYROLL_BATCH',
    message: 'Exit code 1 at record 18441',
    metadata: { exit_code: 1, records_processed: 18441, records_total: 40000 },
  }),
)
const large = Buffer.alloc(64 * 1024, 0x61)

console.log(`node ${process.version}, ${process.arch}; median of ${ROUNDS} alternating rounds`)
for (const [label, body] of [
  [`${event.length} B event`, event],
  ['64 KiB body', large],
]) {
  const header = erpops.sign(body, secret)
  if (!erpops.verify(body, header, secret) || !nodeVerify(body, header, secret)) {
    throw new Error('benchmark inputs do not verify')
  }
  const signer = new erpops.Signer(secret)
  compare(`verify (keyed Signer), ${label}`, 'createHmac+timingSafeEqual', () => nodeVerify(body, header, secret), () =>
    signer.verify(body, header),
  )
  compare(`verify, ${label}`, 'createHmac+timingSafeEqual', () => nodeVerify(body, header, secret), () =>
    erpops.verify(body, header, secret),
  )
}

// validate(Buffer) against JSON.parse + a compiled ajv validator of the
// published schema, once both exist.
const schemaPath = join(repo, 'schema', 'event.schema.json')
if (typeof erpops.validate === 'function' && existsSync(schemaPath)) {
  const { default: Ajv2020 } = await import(require.resolve('ajv/dist/2020.js'))
  const { default: addFormats } = await import(require.resolve('ajv-formats'))
  const ajv = new Ajv2020({ allErrors: true, strict: false })
  addFormats(ajv)
  const check = ajv.compile(JSON.parse(readFileSync(schemaPath, 'utf8')))
  const now = new Date('2026-04-20T03:01:00Z')
  if (!check(JSON.parse(event))) throw new Error('the schema rejects the benchmark event')
  erpops.validate(event, { now })
  compare(`validate, ${event.length} B event`, 'JSON.parse+ajv', () => check(JSON.parse(event)), () =>
    erpops.validate(event, { now }),
  )

  // checkRequest end to end against the hand-written Node receiver path:
  // media type, connector header, HMAC + timingSafeEqual, JSON.parse, ajv.
  const connectorId = '3f2b8c1e-9a4d-4e7b-8c21-5d6f7a8b9c0d'
  const headers = {
    'content-type': 'application/json',
    'x-erpops-signature': erpops.sign(event, secret),
    'x-erpops-connector-id': connectorId,
  }
  const handWritten = () => {
    if (!(headers['content-type'] ?? '').startsWith('application/json')) return null
    if (headers['x-erpops-connector-id'] !== connectorId) return null
    if (!nodeVerify(event, headers['x-erpops-signature'], secret)) return null
    const parsed = JSON.parse(event)
    return check(parsed) ? parsed : null
  }
  if (!handWritten()) throw new Error('the hand-written check rejects the benchmark request')
  erpops.checkRequest(headers, event, { secrets: secret, now, requestId: 'r' })
  compare(`checkRequest, ${event.length} B event`, 'verify+JSON.parse+ajv', handWritten, () =>
    erpops.checkRequest(headers, event, { secrets: secret, now, requestId: 'r' }),
  )
} else {
  console.log('validate: skipped (needs erpops.validate and schema/event.schema.json)')
}

if (process.env.BENCH_JSON) console.log(JSON.stringify(results))
