#!/usr/bin/env bash
# The npm packages as a Node team gets them: a new empty project installs the
# main and platform tarballs from dist/ offline, then require, import, the
# typings, the Express example and the vector suite run against them.
source "$(dirname "$0")/lib.sh"

main="$dist/erpops-$version.tgz"
platform="$dist/erpops-linux-x64-gnu-$version.tgz"
size="$(tar -xOzf "$platform" package/erpops.linux-x64-gnu.node | wc -c)"
echo "erpops.linux-x64-gnu.node: $size bytes"
check "the addon is at most 3 MB ($size bytes)" [ "$size" -le $((3 * 1024 * 1024)) ]
tar -xzf "$platform" -C "$work" package/erpops.linux-x64-gnu.node
addon="$work/package/erpops.linux-x64-gnu.node"
floor="$(glibc_floor "$addon")"
echo "the addon needs glibc $floor"
check "the addon needs glibc <= 2.17 (needs $floor)" at_most "$floor" 2.17
check "the addon is stripped" stripped "$addon"
check "the main package carries no addon" sh -c "! tar -tzf '$main' | grep -q '\.node$'"
check "the main package lists the platform package" \
    sh -c "tar -xOzf '$main' package/package.json | grep -q '\"erpops-linux-x64-gnu\": \"$version\"'"

# A new project: the project's packages offline, from dist/ only; then the
# registry packages its tests use, at bindings-node's pins.
app="$work/app"
mkdir -p "$app"
cd "$app"
as_user npm init -y >/dev/null
as_user npm install --offline --no-audit --no-fund --loglevel=error "$main" "$platform" >/dev/null
check "npm installed the platform package beside the main one" \
    [ -f "$app/node_modules/erpops-linux-x64-gnu/erpops.linux-x64-gnu.node" ]
pin() { echo "$1@$(node -p "require('$root/bindings-node/package.json').devDependencies['$1']")"; }
as_user npm install --prefer-offline --no-audit --no-fund --loglevel=error \
    "$(pin express)" "$(pin typescript)" "$(pin @types/node)" >/dev/null
resolved="$(as_user node -p "require.resolve('erpops')")"
check "require('erpops') resolves inside the new project ($resolved)" \
    [ "${resolved#"$app"/node_modules/erpops/}" != "$resolved" ]
check "require('erpops') signs as node:crypto does" as_user node -e "
    const { sign } = require('erpops'); const { createHmac } = require('node:crypto')
    const want = 'sha256=' + createHmac('sha256', 'k').update('{}').digest('hex')
    if (sign('{}', 'k') !== want) process.exit(1)"
check "import('erpops') gives the same functions" as_user node --input-type=module -e "
    import { sign, verify, erpopsMiddleware } from 'erpops'
    import cjs from 'erpops'
    import { createRequire } from 'node:module'
    const required = createRequire(import.meta.url)('erpops')
    if (sign !== required.sign || verify !== required.verify || cjs !== required) process.exit(1)
    const ns = await import('erpops')
    const missing = Object.keys(required).filter((k) => ns[k] !== required[k])
    if (missing.length) { console.error('not exported to ESM:', missing); process.exit(1) }"

# The typings, from both module systems, with the caller's code of the suite.
sed "s|from '../index.js'|from 'erpops'|" "$root/bindings-node/__test__/typed-usage.ts" > "$app/usage.ts"
cp "$app/usage.ts" "$app/usage.mts"
cat > "$app/tsconfig.json" <<'JSON'
{
  "compilerOptions": {
    "strict": true, "noEmit": true, "module": "nodenext", "moduleResolution": "nodenext",
    "target": "es2022", "types": ["node"], "skipLibCheck": false
  },
  "files": ["usage.ts", "usage.mts"]
}
JSON
check "tsc --noEmit accepts typed usage (CommonJS and ESM) against the installed types" \
    as_user ./node_modules/.bin/tsc -p tsconfig.json

# The Express example answers a signed request.
cp "$root/examples/node/express_receiver.js" "$app/"
connector=3f2b8c1e-9a4d-4e7b-8c21-5d6f7a8b9c0d
secret=whsec_dist_test
spawn_as_user ERPOPS_CONNECTOR_ID="$connector" ERPOPS_SECRET="$secret" PORT=0 node express_receiver.js \
    > "$work/express.out" 2>&1
server=$spawned
trap 'kill "$server" 2>/dev/null || true; rm -rf "$work"' EXIT
for _ in $(seq 1 100); do
    grep -q '^listening on ' "$work/express.out" && break
    sleep 0.1
done
url="$(sed -n 's/^listening on //p' "$work/express.out")"
body="{\"connector_id\":\"$connector\",\"event_type\":\"integration.failed\",\"timestamp\":\"$(date -u +%Y-%m-%dT%H:%M:%SZ)\",\"severity\":\"error\",\"source\":\"PSFT_PAYROLL_BATCH\"}"
sig="sha256=$(printf '%s' "$body" | openssl dgst -sha256 -hmac "$secret" | awk '{print $NF}')"
post() { curl -s -o "$work/reply" -w '%{http_code}' -X POST "$url" -H 'Content-Type: application/json' \
    -H "X-ERPOps-Connector-Id: $connector" -H "X-ERPOps-Signature: $1" --data-binary "$body"; }
check "the Express example accepts a signed event: 202" [ "$(post "$sig")" = 202 ]
check "and hands the handler the event" grep -q '"event_type":"integration.failed"' "$work/reply"
check "the Express example refuses a wrong signature: 401" [ "$(post "sha256=$(printf '0%.0s' $(seq 64))")" = 401 ]
kill "$server"

# The vector suite, copied into the project, against the installed package.
mkdir -p "$app/__test__"
cp "$root"/bindings-node/__test__/helpers.mjs "$app/__test__/"
suites=()
for f in "$root"/bindings-node/__test__/*.test.mjs; do
    grep -q 'vectors(' "$f" || continue
    cp "$f" "$app/__test__/"
    suites+=("__test__/$(basename "$f")")
done
echo "vector suites: ${suites[*]}"
check "the Node vector suite passes against the installed package" \
    as_user ERPOPS_TEST_INSTALLED=1 ERPOPS_VECTORS="$root/tests/vectors" node --test --test-reporter=dot "${suites[@]}"

finish dist-node
