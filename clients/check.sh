#!/usr/bin/env bash
# Checks the committed generated clients against schema.graphql and queries/*.graphql:
#   TypeScript: npm ci (failing on an EBADENGINE: every tool must support this Node.js),
#               GraphQL Code Generator into a temporary directory, compared with
#               clients/typescript/src/generated/, then tsc --noEmit (src/example.ts and
#               src/main.ts use them; NodeNext resolution: imports Node's ESM can load);
#   Python:     ariadne-codegen (in a venv of its own, pinned by requirements-codegen.txt) into a
#               temporary copy of the layout, compared with clients/python/enovia_gateway_client/
#               (which holds a copy of the hand-written clients/python/partial_data.py).
# tests/gateway/test_typescript_example.py and test_python_client.py run the examples.
# Needs node/npm and python3 (3.10+); git is not used. Exits non-zero when anything is stale.
# To refresh after changing the schema or an operation:
#   (cd clients/typescript && npm run codegen)
#   (cd clients/python && .venv/bin/ariadne-codegen client)   # the venv this script creates
# CODEGEN_VENV overrides where the Python codegen venv lives; PYTHON which interpreter makes it.
set -euo pipefail

clients="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(dirname "$clients")"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

stale=0
compare() {  # compare COMMITTED REGENERATED NAME HOW-TO-REFRESH
    if diff -ru --exclude=__pycache__ "$1" "$2" >"$tmp/diff.txt"; then
        echo "clients: $3 is current"
    else
        cat "$tmp/diff.txt"
        echo "clients: $3 is stale (or edited by hand); regenerate it: $4" >&2
        stale=1
    fi
}

# --- TypeScript -------------------------------------------------------------------------------
cd "$clients/typescript"
# Warnings shown, not hidden by --loglevel. .npmrc's engine-strict already makes EBADENGINE an
# error; the grep keeps the promise should that setting go.
npm ci --ignore-scripts --no-audit --no-fund 2>&1 | tee "$tmp/npm-ci.txt"
if grep -q EBADENGINE "$tmp/npm-ci.txt"; then
    echo "clients: a TypeScript tool does not support $(node --version) (EBADENGINE above)" >&2
    exit 1
fi
CODEGEN_OUT="$tmp/typescript/" npx --no-install graphql-codegen --config codegen.ts --silent
compare src/generated "$tmp/typescript" "clients/typescript/src/generated" \
    "(cd clients/typescript && npm run codegen)"
npx --no-install tsc --noEmit
echo "clients: TypeScript example type-checks, its imports resolve as Node's ES modules"

# --- Python -----------------------------------------------------------------------------------
cd "$clients/python"
venv="${CODEGEN_VENV:-$clients/python/.venv}"
if ! cmp -s requirements-codegen.txt "$venv/.requirements-codegen.txt" 2>/dev/null; then
    "${PYTHON:-python3}" -m venv "$venv"
    "$venv/bin/python" -m pip install --quiet --disable-pip-version-check \
        -r requirements-codegen.txt
    cp requirements-codegen.txt "$venv/.requirements-codegen.txt"
fi
# The same layout as the checkout, so that the config's relative paths hold.
mkdir -p "$tmp/python/clients/python"
cp "$root/schema.graphql" "$tmp/python/"
cp -R "$root/queries" "$tmp/python/queries"
cp pyproject.toml partial_data.py "$tmp/python/clients/python/"
(cd "$tmp/python/clients/python" && "$venv/bin/ariadne-codegen" client >/dev/null)
compare enovia_gateway_client "$tmp/python/clients/python/enovia_gateway_client" \
    "clients/python/enovia_gateway_client" "(cd clients/python && .venv/bin/ariadne-codegen client)"

exit "$stale"
