// The API reference's Node.js example (seed), run verbatim against a local
// receiver built on this package: only the placeholders YOUR_ID and
// YOUR_SECRET are filled in, and `fetch` to the public URL is redirected to
// an ephemeral loopback port. The receiver is erpopsMiddleware with the
// core's receive decision (checkRequest), so the reference's way of signing
// is proven to be accepted.
import { test, after } from 'node:test'
import assert from 'node:assert/strict'
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { erpops, packageDir, repoDir } from './helpers.mjs'

const require = createRequire(import.meta.url)
const express = require(require.resolve('express', { paths: [packageDir] }))
const { verify, validate, erpopsMiddleware } = erpops

const example = readFileSync(join(packageDir, '__test__', 'fixtures', 'seed-node-example.mjs'), 'utf8')
const CONNECTOR = '3f2b8c1e-9a4d-4e7b-8c21-5d6f7a8b9c0d'
const SECRET = 'whsec_seed_example_secret'

test('the fixture is the reference example, character for character', (t) => {
  const reference = join(repoDir, '..', 'shared', 'seed', 'api-reference.txt')
  if (!existsSync(reference)) return t.skip('shared/seed/api-reference.txt is not beside the repository')
  const text = readFileSync(reference, 'utf8')
  const start = text.indexOf('"$BODY"Node.js\n') + '"$BODY"Node.js\n'.length
  const end = text.indexOf('});Python') + 3
  assert.ok(start > 20 && end > start, 'the Node.js block was not found in the reference')
  assert.equal(example, text.slice(start, end) + '\n')
})

test('the reference example is accepted by checkRequest (erpopsMiddleware)', async () => {
  const received = []
  const app = express()
  // The package's own middleware: raw body, then checkRequest (the core's
  // receive decision) with this connector's secret.
  app.post(
    '/functions/v1/receive-event',
    erpopsMiddleware({ secretsFor: (id) => (id === CONNECTOR ? [SECRET] : null) }),
    (req, res) => {
      received.push(req.erpopsEvent)
      // The same bytes also pass the lower-level calls.
      assert.ok(verify(req.erpopsRawBody, req.get('X-ERPOps-Signature'), SECRET))
      validate(req.erpopsRawBody, { connectorId: CONNECTOR })
      res.status(202).json({ status: 'accepted' })
    },
  )
  const server = await new Promise((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s))
  })
  const base = `http://127.0.0.1:${server.address().port}`
  const realFetch = globalThis.fetch
  const responses = []
  globalThis.fetch = async (url, init) => {
    const res = await realFetch(String(url).replace('https://api.erpops.ai', base), init)
    responses.push(res.status)
    return res
  }
  const dir = mkdtempSync(join(tmpdir(), 'erpops-seed-'))
  after(() => {
    globalThis.fetch = realFetch
    server.close()
    rmSync(dir, { recursive: true, force: true })
  })
  const file = join(dir, 'example.mjs')
  writeFileSync(file, example.replaceAll('YOUR_ID', CONNECTOR).replaceAll('YOUR_SECRET', SECRET))
  await import(pathToFileURL(file).href)
  assert.deepEqual(responses, [202])
  assert.equal(received.length, 1)
  const [event] = received
  assert.equal(event.connector_id, CONNECTOR)
  assert.equal(event.event_type, 'integration.failed')
  assert.equal(event.severity, 'error')
  assert.equal(event.source, 'PSFT_PAYROLL_BATCH')
  assert.equal(event.message, 'Exit code 1 at record 18441')
  assert.ok(event.timestamp instanceof Date)
})
