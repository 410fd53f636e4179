# The one interface to the project. `make demo` runs it on this machine; `make test` proves it.
# Needs: Python 3.13 (on PATH as python3.13, or from pyenv), Node 20.19+ and npm, and for the browser
# tests Debian's Chromium (/usr/bin/chromium, or $INPLAY_CHROMIUM). Everything else is installed
# into the project (.venv, node_modules, frontend/node_modules, build/) by `make dev`.

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

# A Python 3.13 interpreter: $PYTHON, else python3.13 if it runs, else pyenv's 3.13.x.
PYTHON ?= $(shell for c in python3.13 "$$(pyenv root 2>/dev/null)/versions/3.13.0/bin/python3.13" \
	$$(ls -d "$$(pyenv root 2>/dev/null)"/versions/3.13.*/bin/python3.13 2>/dev/null); do \
	"$$c" -c 'import sys; assert sys.version_info[:2] == (3, 13)' >/dev/null 2>&1 && { echo "$$c"; break; }; done)
STAMPS := .make
UV := $(STAMPS)/uv/bin/uv
VENV := .venv
BIN := $(VENV)/bin
export PATH := $(CURDIR)/$(BIN):$(CURDIR)/node_modules/.bin:$(PATH)
export JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION := 20
export CDK_DISABLE_CLI_TELEMETRY := true
export SAM_CLI_TELEMETRY := 0
export UV_PYTHON_DOWNLOADS := never

LINT_PATHS := layers functions infra local tests benchmarks
TYPED_PATHS := layers functions infra local
# The dashboard is rebuilt when anything its build reads changes (sources, tests: `tsc -b` checks them).
FRONTEND_SOURCES := $(shell find frontend/src frontend/public -type f 2>/dev/null) \
	$(wildcard frontend/index.html frontend/vite.config.ts frontend/tsconfig*.json)

.PHONY: help dev lint format test unit integration infra-tests e2e browser frontend frontend-test demo synth deploy \
	destroy bench layer openapi clean FORCE

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-13s %s\n", $$1, $$2}'

$(UV):
	@test -n "$(PYTHON)" || { echo "error: Python 3.13 not found (set PYTHON=/path/to/python3.13)" >&2; exit 1; }
	$(PYTHON) -m venv $(STAMPS)/uv
	$(STAMPS)/uv/bin/python -m pip install --quiet --disable-pip-version-check uv==0.13.9

$(STAMPS)/venv: $(UV) pyproject.toml uv.lock
	$(UV) sync --frozen --python $(PYTHON)
	@touch $@

$(STAMPS)/npm: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	@mkdir -p $(STAMPS) && touch $@

$(STAMPS)/layer: $(STAMPS)/venv uv.lock
	UV=$(UV) $(BIN)/python -m infra.layer
	@touch $@

$(STAMPS)/frontend-npm: frontend/package.json frontend/package-lock.json
	npm ci --prefix frontend --no-audit --no-fund --loglevel=error
	@mkdir -p $(STAMPS) && touch $@

# Built again when a source changed, or when frontend/dist/index.html is gone.
$(STAMPS)/frontend-dist: $(STAMPS)/frontend-npm $(FRONTEND_SOURCES) $(if $(wildcard frontend/dist/index.html),,FORCE)
	npm run --prefix frontend --silent build
	@touch $@

FORCE:

dev: $(STAMPS)/venv $(STAMPS)/npm $(STAMPS)/layer $(STAMPS)/frontend-dist ## install everything: .venv, the CDK CLI, the Lambda layer deps, the dashboard (frontend/dist)

frontend: $(STAMPS)/frontend-dist ## build the dashboard into frontend/dist (when its sources changed)

frontend-test: $(STAMPS)/frontend-npm ## the dashboard's type check and component tests (tsc, vitest)
	npm run --prefix frontend --silent typecheck
	npm run --prefix frontend --silent test

lint: dev ## ruff (lint + format check) and mypy strict
	$(BIN)/ruff check $(LINT_PATHS)
	$(BIN)/ruff format --check $(LINT_PATHS)
	$(BIN)/mypy $(TYPED_PATHS)

format: dev ## apply ruff fixes and formatting
	$(BIN)/ruff check --fix $(LINT_PATHS)
	$(BIN)/ruff format $(LINT_PATHS)

# `make test` runs pytest on $(TEST_WORKERS) processes (pytest-xdist; a test file stays on one worker, so
# its module fixtures are shared as written), then the browser suite on its own: Chromium and the demo
# it drives get the machine to themselves, and Playwright's process state never meets other tests.
TEST_WORKERS ?= 2

test: lint frontend-test ## lint, the dashboard's tsc + vitest, every pytest suite (2 workers), then the browser suite
	$(BIN)/pytest -q -n $(TEST_WORKERS) --dist loadfile --ignore=tests/e2e/browser
	$(BIN)/pytest -q tests/e2e/browser

unit: dev ## the pure unit tests only
	$(BIN)/pytest -q tests/unit

integration: dev ## handler → logic → adapter under moto
	$(BIN)/pytest -q tests/integration

infra-tests: dev ## synthesize the stack; template assertions, cdk-nag, cfn-lint
	$(BIN)/pytest -q tests/infra

e2e: dev ## the local cloud end to end (the browser suite included)
	$(BIN)/pytest -q tests/e2e

browser: dev ## the dashboard in Debian's Chromium against `inplay demo` (screenshots: build/screenshots)
	$(BIN)/pytest -q tests/e2e/browser

demo: dev ## run inplay on this machine: local cloud + ESPN replay, dashboard + API on http://127.0.0.1:8000
	$(BIN)/inplay demo

synth: dev ## synthesize the CloudFormation template into cdk.out (offline; cdk-nag and cfn-lint clean)
	npx cdk synth --quiet
	@# W3005: CDK emits DependsOn that is also implied by a Ref; harmless and not ours to change.
	$(BIN)/cfn-lint -i W3005 -- cdk.out/Inplay.template.json
	@echo "template: cdk.out/Inplay.template.json (cdk-nag: no unacknowledged findings; cfn-lint: clean)"

deploy: dev ## deploy to the AWS account in your environment (needs credentials and a bootstrapped account)
	npx cdk deploy Inplay

destroy: dev ## delete the stack (tables are retained: they hold money data)
	npx cdk destroy Inplay

bench: dev ## print the benchmark figures (cold start, synth, local cloud start, poller requests)
	@for script in benchmarks/bench_*.py; do $(BIN)/python "$$script"; done

openapi: dev ## regenerate docs/openapi.json from the api function's routes (make test fails on drift)
	$(BIN)/inplay openapi

layer: dev ## rebuild the Lambda layer's third-party dependencies
	UV=$(UV) $(BIN)/python -m infra.layer --force

clean: ## remove everything make dev and the builds created
	rm -rf $(VENV) $(STAMPS) node_modules build cdk.out .mypy_cache .ruff_cache .pytest_cache .hypothesis \
		frontend/node_modules frontend/dist
