// erpopsMiddleware over real HTTP (Express on an ephemeral loopback port):
// the raw body reaches the decision byte for byte, an oversized body stops
// being read, a body parser mounted first is caught loudly, and rejections
// are the decision's status, headers and problem body.
import { test, after } from 'node:test'
import assert from 'node:assert/strict'
import { createRequire } from 'node:module'
import { request } from 'node:http'
import { erpops, packageDir } from './helpers.mjs'

const require = createRequire(import.meta.url)
const express = require(require.resolve('express', { paths: [packageDir] }))
const { erpopsMiddleware, sign, verify, ErpopsError } = erpops

const SECRET = 'whsec_test'
const CONNECTOR = '3f2b8c1e-9a4d-4e7b-8c21-5d6f7a8b9c0d'
const LIMIT = 1024

// Stands in for the core's receive decision in this test: the middleware
// must hand it the raw bytes and the looked-up secrets, and write out
// whatever it answers.
const seen = []
function check(headers, body, options) {
  seen.push({ headers, body: Buffer.from(body), options })
  if (body.length > options.maxBodyBytes) {
    throw new ErpopsError({
      message: 'too large',
      status: 413,
      code: 'body_too_large',
      problem: { status: 413, code: 'body_too_large', title: 'Payload Too Large' },
    })
  }
  if (!verify(body, headers['x-erpops-signature'], options.secrets ?? [])) {
    throw new ErpopsError({
      message: 'bad signature',
      status: 401,
      code: 'signature_mismatch',
      problem: { status: 401, code: 'signature_mismatch' },
      headers: { 'X-Request-Id': 'req_1' },
    })
  }
  return { ok: true }
}

const secretsFor = async (id) => (id === CONNECTOR ? [SECRET] : null)

function listen(app) {
  return new Promise((resolve) => {
    const server = app.listen(0, '127.0.0.1', () => resolve(server))
  })
}

const good = express()
good.post('/hook', erpopsMiddleware({ secretsFor, check, maxBodyBytes: LIMIT }), (req, res) => {
  res.json({ event: req.erpopsEvent, bytes: req.erpopsRawBody.toString('hex') })
})
// The classic mistake: a JSON parser runs first.
const parsedFirst = express()
parsedFirst.use(express.json())
parsedFirst.post('/hook', erpopsMiddleware({ secretsFor, check, maxBodyBytes: LIMIT }), (req, res) => res.json({}))
const errors = []
parsedFirst.use((err, req, res, _next) => {
  errors.push(err)
  res.status(500).json({ code: err.code, message: err.message })
})

// The default decision: the core's receive ladder through checkRequest.
const real = express()
real.post('/hook', erpopsMiddleware({ secretsFor, maxBodyBytes: LIMIT }), (req, res) => {
  res.status(202).json({ event_type: req.erpopsEvent.event_type, at: req.erpopsEvent.timestamp })
})

const servers = await Promise.all([listen(good), listen(parsedFirst), listen(real)])
const [base, baseParsed, baseReal] = servers.map((s) => `http://127.0.0.1:${s.address().port}`)
after(() => servers.forEach((s) => s.close()))

const headers = (body) => ({
  'content-type': 'application/json',
  'x-erpops-connector-id': CONNECTOR,
  'x-erpops-signature': sign(body, SECRET),
})

test('a signed body reaches the decision byte for byte and the handler gets the event', async () => {
  // Odd spacing and escapes that a parse + re-serialize would change.
  const body = Buffer.from('{ "event_type" :"integration.failed",\n"message":"caf\\u00e9 \u00e9" }\r\n')
  const res = await fetch(`${base}/hook`, { method: 'POST', headers: headers(body), body })
  assert.equal(res.status, 200)
  const json = await res.json()
  assert.deepEqual(json.event, { ok: true })
  assert.equal(json.bytes, body.toString('hex'))
  const last = seen.at(-1)
  assert.ok(last.body.equals(body))
  assert.deepEqual(last.options.secrets, [SECRET])
})

test('a rejection is written as the decision says: status, headers, problem+json', async () => {
  const body = Buffer.from('{"a":1}')
  const res = await fetch(`${base}/hook`, {
    method: 'POST',
    headers: { ...headers(body), 'x-erpops-signature': sign('{"a": 1}', SECRET) },
    body,
  })
  assert.equal(res.status, 401)
  assert.equal(res.headers.get('content-type'), 'application/problem+json')
  assert.equal(res.headers.get('x-request-id'), 'req_1')
  assert.deepEqual(await res.json(), { status: 401, code: 'signature_mismatch' })
})

test('an unknown connector is looked up and passed on as no secrets', async () => {
  const body = Buffer.from('{}')
  const res = await fetch(`${base}/hook`, {
    method: 'POST',
    headers: { ...headers(body), 'x-erpops-connector-id': 'someone-else' },
    body,
  })
  assert.equal(res.status, 401)
  assert.equal(seen.at(-1).options.secrets, null)
})

test('an oversized chunked body: reading stops past the limit, 413, connection closed', { timeout: 30_000 }, async () => {
  const total = 4 * 1024 * 1024
  const status = await new Promise((resolve, reject) => {
    const port = servers[0].address().port
    const req = request({ host: '127.0.0.1', port, method: 'POST', path: '/hook', headers: headers('x') }, (res) => {
      res.resume()
      resolve({ status: res.statusCode, connection: res.headers.connection, type: res.headers['content-type'] })
    })
    req.on('error', (e) => (e.code === 'EPIPE' || e.code === 'ECONNRESET' ? null : reject(e)))
    // Never hang: a connection closed without an answer fails the test.
    req.on('close', () => reject(new Error('the connection closed without a response')))
    // Chunked (no Content-Length): the limit must hold while reading.
    const chunk = Buffer.alloc(64 * 1024, 0x20)
    let sent = 0
    const pump = () => {
      while (sent < total) {
        sent += chunk.length
        if (!req.write(chunk)) return req.once('drain', pump)
      }
      req.end()
    }
    pump()
  })
  assert.equal(status.status, 413)
  assert.equal(status.connection, 'close')
  assert.equal(status.type, 'application/problem+json')
  const last = seen.at(-1)
  assert.equal(last.body.length, LIMIT + 1, 'the decision sees exactly one byte past the limit')
})

test('a JSON body parser mounted first is caught loudly, never verified', async () => {
  const before = seen.length
  const body = Buffer.from('{"event_type":"integration.failed"}')
  const res = await fetch(`${baseParsed}/hook`, { method: 'POST', headers: headers(body), body })
  assert.equal(res.status, 500)
  const json = await res.json()
  assert.equal(json.code, 'body_already_parsed')
  assert.match(json.message, /already consumed by a body parser/)
  assert.match(json.message, /before express\.json\(\)/)
  assert.equal(seen.length, before, 'the decision never ran on a re-serialized body')
})

test('construction errors are TypeErrors that say what is missing', () => {
  assert.throws(() => erpopsMiddleware({}), { name: 'TypeError', message: /secretsFor/ })
  assert.throws(() => erpopsMiddleware({ secretsFor, check, maxBodyBytes: -1 }), TypeError)
  // The default limit is the core's.
  assert.equal(typeof erpopsMiddleware({ secretsFor, check }), 'function')
  assert.equal(erpops.DEFAULT_MAX_BODY_BYTES, 64 * 1024)
})

test('default decision (checkRequest): accepted, mismatch, unknown connector, too large', async () => {
  const body = erpops.buildEvent({ connector_id: CONNECTOR, event_type: 'integration.failed', timestamp: new Date() })
  let res = await fetch(`${baseReal}/hook`, { method: 'POST', headers: headers(body), body })
  assert.equal(res.status, 202)
  assert.equal((await res.json()).event_type, 'integration.failed')

  res = await fetch(`${baseReal}/hook`, {
    method: 'POST',
    headers: { ...headers(body), 'x-erpops-signature': sign(body, 'other') },
    body,
  })
  assert.equal(res.status, 401)
  assert.equal(res.headers.get('content-type'), 'application/problem+json')
  const problem = await res.json()
  assert.equal(problem.code, 'signature_mismatch')
  assert.match(problem.detail, /exactly as sent/)

  const stranger = '00000000-0000-4000-8000-000000000000'
  res = await fetch(`${baseReal}/hook`, { method: 'POST', headers: { ...headers(body), 'x-erpops-connector-id': stranger }, body })
  assert.equal(res.status, 403)
  assert.equal((await res.json()).code, 'connector_not_found')

  const big = Buffer.alloc(LIMIT + 100, 0x20)
  res = await fetch(`${baseReal}/hook`, { method: 'POST', headers: headers(big), body: big })
  assert.equal(res.status, 413)
  assert.equal((await res.json()).code, 'body_too_large')
})
