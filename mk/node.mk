# bindings-node: the Node package `erpops` (napi-rs). `make test-node` installs
# the pinned npm tools (only when package-lock.json changed), builds the addon,
# checks the committed generated loader/typings for drift, runs `node --test`
# and type-checks a typed usage file against index.d.ts.

.PHONY: test-node node-deps node-build node-gen bench-node

NODE_DIR := bindings-node
NODE_GEN := $(TARGET_DIR)/node-gen
NODE_STAMP := $(NODE_DIR)/node_modules/.erpops-npm-ci
NPM ?= npm
NAPI := ./node_modules/.bin/napi

TEST_SUITES += test-node

# `npm ci` wipes node_modules, so the stamp inside it is recreated only on success.
$(NODE_STAMP): $(NODE_DIR)/package-lock.json $(NODE_DIR)/package.json
	cd $(NODE_DIR) && $(NPM) ci --no-audit --no-fund --loglevel=error
	touch $@

node-deps: $(NODE_STAMP)

## Debug build of the addon; generated loader/typings go to target/ and must
## equal the committed native.js / native.d.ts (run `make node-gen` to update).
node-build: node-deps
	rm -rf $(NODE_GEN)
	cd $(NODE_DIR) && $(NAPI) build --platform --output-dir $(NODE_GEN) --js native.js --dts native.d.ts
	cp $(NODE_GEN)/*.node $(NODE_DIR)/
	@diff -u $(NODE_DIR)/native.d.ts $(NODE_GEN)/native.d.ts && diff -u $(NODE_DIR)/native.js $(NODE_GEN)/native.js \
	  || { echo "bindings-node: native.js/native.d.ts are stale; run 'make node-gen' and commit them" >&2; exit 1; }

## Regenerate the committed native.js / native.d.ts from the Rust sources.
node-gen: node-deps
	cd $(NODE_DIR) && $(NAPI) build --platform --js native.js --dts native.d.ts

test-node: node-build
	cd $(NODE_DIR) && node --test --test-reporter=spec __test__/
	cd $(NODE_DIR) && ./node_modules/.bin/tsc -p tsconfig.json

## Release build, then verify/validate against Node's own crypto (and ajv).
bench-node: node-deps
	cd $(NODE_DIR) && $(NAPI) build --platform --release --output-dir $(NODE_GEN)-release --js native.js --dts native.d.ts
	cp $(NODE_GEN)-release/*.node $(NODE_DIR)/
	node benches/node/bench.mjs
