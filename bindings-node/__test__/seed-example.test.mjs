// The API reference's Node.js example (seed), run verbatim against a local
// receiver built on this package: only the placeholders YOUR_ID and
// YOUR_SECRET are filled in, and `fetch` to the public URL is redirected to
// an ephemeral loopback port. The receiver verifies and validates the raw
// bytes with the package, so the reference's way of signing is proven to be
// accepted.
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
const { verify, validate, ErpopsError } = erpops

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

test('the reference example is accepted by a receiver using verify + validate', async () => {
  const received = []
  const app = express()
  app.post('/functions/v1/receive-event', express.raw({ type: () => true }), (req, res) => {
    const raw = req.body
    if (!verify(raw, req.get('X-ERPOps-Signature'), SECRET)) return res.status(401).end()
    try {
      const event = validate(raw, { connectorId: req.get('X-ERPOps-Connector-Id'), now: new Date() })
      received.push(event)
      res.status(202).json({ status: 'accepted' })
    } catch (e) {
      if (!(e instanceof ErpopsError)) throw e
      res.status(e.status).json({ code: e.code, errors: e.errors })
    }
  })
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
