# The few entry points users type. Everything is installed into the project (./.tools, node_modules,
# ~/.cache/ip-address-controller) by the scripts these targets call: nothing is needed beforehand but
# Node >= 20 with npm, Go and git.
SHELL := /bin/bash
export PATH := $(CURDIR)/.tools/node/bin:$(CURDIR)/.tools/pnpm/bin:$(PATH)

.PHONY: test demo bootstrap control-plane tools build image image-lock generate lint unit e2e bench bench-scale chaos clean

## test: everything CI runs: type-check, lint + format check, unit and e2e tests against a real control plane
test: bootstrap control-plane tools
	pnpm exec tsc -b
	pnpm exec eslint .
	pnpm exec prettier --check .
	bash hack/run-tests.sh

## demo: the whole product on this machine, narrated (control plane, cloud simulator, two controller replicas)
demo: bootstrap control-plane build
	node packages/demo/dist/main.js $(DEMO_FLAGS)

bootstrap:
	@bash hack/bootstrap.sh

bench: bootstrap control-plane build
	node test/dist/bench/control-plane.js 100
	node test/dist/bench/cloud-moves.js
	node --expose-gc test/dist/bench/scale.js

## bench-scale: the controller process on a real API server, in steps (STEPS=nodes/pods/allocations,...; see README)
bench-scale: bootstrap control-plane build
	node --expose-gc test/dist/bench/idle-memory.js
	node test/dist/bench/scale-cluster.js $(STEPS)

## chaos: the long fault campaign (SEEDS=n seeds, default 10, or SEED=n for one) with its table; see README
chaos: bootstrap control-plane build
	SEEDS=$(SEEDS) SEED=$(SEED) node test/dist/chaos/main.js

control-plane:
	@bash hack/build-control-plane.sh >/dev/null

tools:
	@bash hack/install-tools.sh >/dev/null

build: bootstrap
	pnpm exec tsc -b

## image: the controller's image (image/Containerfile), built offline with buildah; cached by its inputs
image: build
	@bash hack/build-image.sh

## image-lock: re-pin the image's Debian packages (image/debian-packages.lock) to the versions served today
image-lock:
	@bash hack/build-image.sh --lock

## generate: regenerate deploy/crds from packages/api (a unit test fails when they drift)
generate: build
	node packages/api/dist/generate-crd.js
	bash hack/generate-manifests.sh

lint: bootstrap
	pnpm exec eslint . && pnpm exec prettier --check .

unit: bootstrap
	bash hack/run-tests.sh --selectProjects unit

e2e: bootstrap control-plane build
	bash hack/run-tests.sh --selectProjects e2e

clean:
	rm -rf packages/*/dist packages/*/*.tsbuildinfo test/dist test/*.tsbuildinfo
