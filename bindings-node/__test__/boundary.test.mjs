// Structural check: every napi export in src/ carries catch_unwind, so a
// panic in Rust becomes a thrown error instead of aborting Node.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { createRequire } from 'node:module'
import { packageDir } from './helpers.mjs'

test('every #[napi] function and method has catch_unwind', () => {
  const src = join(packageDir, 'src')
  const missing = []
  let checked = 0
  for (const file of readdirSync(src).filter((f) => f.endsWith('.rs'))) {
    const lines = readFileSync(join(src, file), 'utf8').split('\n')
    lines.forEach((line, i) => {
      const attr = line.match(/^\s*#\[napi(\(.*\))?\]\s*$/)
      if (!attr) return
      // The item the attribute applies to: the next line that is not an
      // attribute or doc comment.
      let j = i + 1
      while (j < lines.length && /^\s*(#\[|\/\/\/)/.test(lines[j])) j++
      if (!/^\s*pub\s+fn\s/.test(lines[j] ?? '')) return
      checked++
      if (!/catch_unwind/.test(attr[1] ?? '')) missing.push(`${file}:${i + 1}: ${lines[j].trim()}`)
    })
  }
  assert.ok(checked >= 7, `found only ${checked} exported functions`)
  assert.deepEqual(missing, [])
})

test('a Rust panic is a thrown Error, and the process carries on', () => {
  const native = createRequire(import.meta.url)(join(packageDir, 'native.js'))
  assert.throws(() => native.__panicForTests(), { message: /deliberate panic/ })
  assert.throws(() => native.__panicForTests(), { message: /deliberate panic/ })
  // Still fully working after two panics.
  assert.match(native.sign('body', 'secret'), /^sha256=[0-9a-f]{64}$/)
})
