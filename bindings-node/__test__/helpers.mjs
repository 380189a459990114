// Shared helpers for the node:test suites: the package under test and the
// language-neutral vector files in tests/vectors/.
import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const here = dirname(fileURLToPath(import.meta.url))
export const packageDir = join(here, '..')
export const repoDir = join(packageDir, '..')

/** The package as a CommonJS consumer gets it (`require('erpops')`). */
export const erpops = createRequire(import.meta.url)(packageDir)

/** A parsed vector file from tests/vectors/. */
export function vectors(name) {
  return JSON.parse(readFileSync(join(repoDir, 'tests', 'vectors', name), 'utf8'))
}

/** Bytes of a `*_hex` vector field. */
export const hex = (s) => Buffer.from(s, 'hex')
