// Shared helpers for the node:test suites: the package under test and the
// language-neutral vector files in tests/vectors/.
import { readFileSync } from 'node:fs'
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

/** A parsed vector file from tests/vectors/. */
export function vectors(name) {
  return JSON.parse(readFileSync(join(vectorDir, name), 'utf8'))
}

/** Bytes of a `*_hex` vector field. */
export const hex = (s) => Buffer.from(s, 'hex')
