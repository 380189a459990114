// Shared helpers for the node:test suites: the package under test and the
// language-neutral vector files in tests/vectors/.
//
// When ERPOPS_VECTOR_LOG names a directory (`make test` sets it), each test
// process appends to `node.tsv` there one line `node <file> <section> <cases>
// <pid>` per vector file loaded (section `-`) and per top-level array of it
// whose cases were read once the test file's module had run, that is by the
// tests themselves (`cases`: how many distinct ones; reads while the tests are
// declared, for their names, do not count). tests/vectors/check_matrix.py
// compares those lines with the table in tests/vectors/README.md: a file this
// suite stops loading, or a section none of whose cases a test reads, fails
// `make test`. So a file that loads vectors declares its tests before any
// top-level `await`.
import assert from 'node:assert/strict'
import { appendFileSync, mkdirSync, readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const here = dirname(fileURLToPath(import.meta.url))
export const packageDir = join(here, '..')
export const repoDir = join(packageDir, '..')

// ERPOPS_TEST_INSTALLED=1: these files were copied into a project that
// installed the released packages (tests/dist/node.sh), so `erpops` is the
// installed package and ERPOPS_VECTORS says where the vector files are.
const installed = process.env.ERPOPS_TEST_INSTALLED === '1'
const vectorDir = process.env.ERPOPS_VECTORS || join(repoDir, 'tests', 'vectors')

/** The package as a CommonJS consumer gets it (`require('erpops')`). */
export const erpops = createRequire(import.meta.url)(installed ? 'erpops' : packageDir)

const vectorLog = process.env.ERPOPS_VECTOR_LOG
const loaded = new Set()
const replayed = new Map() // `${file}\t${section}` -> Set of case indexes
// Microtasks run once the test file's module (and so every test declaration)
// has run, and before node:test starts the first test.
let testsRunning = false
queueMicrotask(() => {
  testsRunning = true
})
if (vectorLog) {
  process.on('exit', () => {
    const lines = [...loaded].sort().map((f) => `node\t${f}\t-\t0\t${process.pid}\n`)
    for (const [key, seen] of [...replayed].sort()) lines.push(`node\t${key}\t${seen.size}\t${process.pid}\n`)
    mkdirSync(vectorLog, { recursive: true })
    appendFileSync(join(vectorLog, 'node.tsv'), lines.join(''))
  })
}

/** A case of a top-level array of a vector file, noting when a test reads it. */
function tracked(file, section, index, c) {
  const key = `${file}\t${section}`
  return new Proxy(c, {
    get(target, prop, receiver) {
      if (testsRunning) {
        if (!replayed.has(key)) replayed.set(key, new Set())
        replayed.get(key).add(index)
      }
      return Reflect.get(target, prop, receiver)
    },
  })
}

/** A parsed vector file from tests/vectors/. */
export function vectors(name) {
  const doc = JSON.parse(readFileSync(join(vectorDir, name), 'utf8'))
  loaded.add(name)
  for (const [section, value] of Object.entries(doc)) {
    if (Array.isArray(value)) {
      doc[section] = value.map((c, i) => (c !== null && typeof c === 'object' ? tracked(name, section, i, c) : c))
    }
  }
  return doc
}

/** Bytes of a `*_hex` vector field. */
export const hex = (s) => Buffer.from(s, 'hex')

/**
 * The vector files' subset rule (Rust's `vector_support::matches`): every
 * member of `expected` equals the one in `actual`, objects member by member
 * by the same rule (`null` = absent or null), lists of the same length item
 * by item (an empty list also matches an absent one), anything else by
 * equality. Throws an AssertionError naming the path of the first mismatch.
 */
export function matches(actual, expected, where = '') {
  const show = (v) => (v === undefined ? 'absent' : JSON.stringify(v))
  const fail = () => assert.fail(`${where || '/'}: expected ${show(expected)}, got ${show(actual)}`)
  if (expected !== null && typeof expected === 'object' && !Array.isArray(expected)) {
    const isObject = actual !== null && typeof actual === 'object' && !Array.isArray(actual)
    for (const [k, v] of Object.entries(expected)) matches(isObject ? actual[k] : undefined, v, `${where}/${k}`)
    return
  }
  if (Array.isArray(expected)) {
    if (Array.isArray(actual) && actual.length === expected.length) {
      expected.forEach((v, i) => matches(actual[i], v, `${where}/${i}`))
      return
    }
    if (expected.length === 0 && (actual === undefined || actual === null)) return
    fail()
  }
  if (expected === null) {
    if (actual !== null && actual !== undefined) fail()
    return
  }
  if (actual !== expected) fail()
}
