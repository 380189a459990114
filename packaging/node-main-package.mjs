// Writes the released main package's package.json: the source one with an
// optionalDependencies entry, at the same version, for each platform package
// built in this run (npm installs the one whose os/cpu/libc match). Only the
// built ones are listed, so an offline install never looks for the others.
//
// usage: node packaging/node-main-package.mjs PACKAGE_JSON PLATFORM...
import { readFileSync, writeFileSync } from 'node:fs'

const [file, ...platforms] = process.argv.slice(2)
if (!file || platforms.length === 0) {
  console.error('usage: node packaging/node-main-package.mjs PACKAGE_JSON PLATFORM...')
  process.exit(2)
}
const pkg = JSON.parse(readFileSync(file, 'utf8'))
pkg.optionalDependencies = Object.fromEntries(
  platforms.map((platform) => [`${pkg.name}-${platform}`, pkg.version]),
)
// Build tools are not the users' dependencies.
delete pkg.devDependencies
delete pkg.scripts
writeFileSync(file, `${JSON.stringify(pkg, null, 2)}\n`)
