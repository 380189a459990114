# bindings-node: the Node package `erpops` (napi-rs). `make test-node` installs
# the pinned npm tools (only when package-lock.json changed), takes the addon
# the dist build made (which checks the committed generated loader/typings for
# drift), runs `node --test` and type-checks a typed usage file against
# index.d.ts.

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

## The addon `make dist` builds (release, glibc 2.17, stripped: the one users
## install), copied beside the package; dist-node also checks the committed
## native.js / native.d.ts against what napi generates (`make node-gen`).
node-build: node-deps dist-node
	cp $(DIST_STAGE)/node-gen/*.node $(NODE_DIR)/

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
