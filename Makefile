# The few commands everyone runs; CI calls `make test` through .ci/run.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: install assets graphiql demo test lint typecheck pytest schema clients-check bench soak lock clean
GRAPHIQL := gateway/static/graphiql

$(STAMP): pyproject.toml
	$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11) and "Python 3.11 or newer is needed")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP) assets

# GraphiQL's files from the npm registry (pinned in graphiql/package-lock.json), served by the
# gateway itself. Without npm, or with its registry out of reach (a closed PLM network), the
# gateway still runs and its GraphiQL page says how to build them: a warning, not a failure.
assets:
	@if ! command -v npm >/dev/null 2>&1; then \
		echo "warning: npm not found: skipping GraphiQL's files (make graphiql builds them)"; \
	elif ! $(MAKE) --no-print-directory graphiql; then \
		echo "warning: GraphiQL's files could not be fetched from the npm registry; the gateway" \
		     "runs without them and /graphql says how to build them (make graphiql)"; fi

graphiql: $(GRAPHIQL)/graphiql.min.js

$(GRAPHIQL)/graphiql.min.js: graphiql/package.json graphiql/package-lock.json
	npm ci --prefix graphiql --ignore-scripts --no-audit --no-fund --loglevel=error
	mkdir -p $(GRAPHIQL)
	cp graphiql/node_modules/graphiql/graphiql.min.css graphiql/node_modules/graphiql/graphiql.min.js \
	   graphiql/node_modules/react/umd/react.production.min.js \
	   graphiql/node_modules/react-dom/umd/react-dom.production.min.js $(GRAPHIQL)/

# The demo's address: `make demo PORT=8080 HOST=0.0.0.0` (the command line sets them, not the
# environment, where PORT often means something else).
HOST = 127.0.0.1
PORT = 8000
demo: install
	$(BIN)/enovia-gateway serve --demo --host $(HOST) --port $(PORT)

test: install lint typecheck pytest clients-check

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

typecheck: $(STAMP)
	$(BIN)/mypy

pytest: $(STAMP)
	$(BIN)/pytest

schema: $(STAMP)
	$(BIN)/enovia-gateway export-schema > schema.graphql
	$(BIN)/enovia-gateway export-manifest queries > queries/persisted-operations.json

# The generated TypeScript and Python clients are current, and the TypeScript example
# type-checks (needs npm; CI installs it).
clients-check:
	@if command -v npm >/dev/null 2>&1; then clients/check.sh; \
	else echo "npm not found: skipping the generated clients' check (clients/check.sh)"; fi

# The performance figures (README, Performance) in one run (needs Debian's wrk;
# a few minutes). BENCH_ARGS, e.g. "--quick" or "--only warm-single --duration 20".
bench: $(STAMP)
	@command -v wrk >/dev/null 2>&1 || { echo "wrk is not installed: apt-get install wrk"; exit 2; }
	$(BIN)/python -m pip install --quiet -e '.[dev,bench]'
	$(BIN)/python -m benchmarks.run $(BENCH_ARGS)

# A steady rate for minutes while ENOVIA's faults switch on and off (not part of CI).
soak: $(STAMP)
	$(BIN)/python -m benchmarks.soak $(SOAK_ARGS)

# requirements.lock, what the image installs: pyproject.toml's dependencies and build backend,
# pinned with their hashes for the Dockerfile's Python on Linux (needs PyPI). Run it after
# changing either; tests/deploy/test_lock.py fails until then. Pins already in the lock are
# kept where they still fit; LOCK_ARGS=--upgrade (or "--upgrade-package NAME") moves them.
LOCK_PYTHON = $(shell sed -n 's/^FROM python:\([0-9.]*\)-.*/\1/p' Dockerfile)
lock: $(STAMP)
	$(BIN)/python -c 'import tomllib; p = tomllib.load(open("pyproject.toml", "rb")); \
	print(*sorted(p["project"]["dependencies"] + p["build-system"]["requires"]), sep="\n")' \
	  > $(VENV)/lock.in
	if [ -f requirements.lock ]; then cp requirements.lock $(VENV)/lock.out; fi
	$(BIN)/uv pip compile --no-config --quiet --generate-hashes --python-version $(LOCK_PYTHON) \
	  --python-platform x86_64-unknown-linux-gnu --custom-compile-command "make lock" \
	  --output-file $(VENV)/lock.out $(LOCK_ARGS) - < $(VENV)/lock.in
	{ echo "# The image's dependencies (Dockerfile: pip install --require-hashes --no-deps)."; \
	  echo "# python: $(LOCK_PYTHON)"; \
	  echo "# requirements-sha256: $$(sha256sum < $(VENV)/lock.in | cut -d' ' -f1)"; \
	  cat $(VENV)/lock.out; } > requirements.lock
	rm -f $(VENV)/lock.in $(VENV)/lock.out

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache .hypothesis
