# The ENOVIA GraphQL gateway. From the repository root:
#   docker build -t enovia-gateway .
#   docker run --rm -p 8000:8000 -e ENOVIA_BASE_URL=... -e ENOVIA_CLIENT_ID=... \
#       -e ENOVIA_CLIENT_SECRET_FILE=/run/secrets/enovia enovia-gateway
# Another port: -e PORT=9000 (the server and the HEALTHCHECK both read it), -p 9000:9000.
# The same image runs the ENOVIA simulator: `enovia-gateway simulator --host 0.0.0.0`.
#
# Stages: builder (a venv holding the dependencies only, exactly as requirements.lock pins
# them); graphiql (GraphiQL's files from npm, pinned by graphiql/package-lock.json); app (the
# venv, the code installed editable from /app, queries/, the GraphiQL files, a non-root user).
# docs/deployment.md says more.

FROM python:3.11.11-slim-bookworm AS python-base
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    VIRTUAL_ENV=/opt/venv \
    PATH=/opt/venv/bin:$PATH


# The dependencies in a venv of their own layer: a change of the code never reinstalls them.
# requirements.lock (`make lock`) pins pyproject.toml's runtime dependencies, every one they
# need and the build backend (for the editable install in the app stage), each with its
# hashes: the same versions in every build, each wheel checked, nothing resolved or built
# here. Only that file reaches this stage, so an edit of pyproject.toml's tool settings leaves
# the layer cached. `pip check` fails the build should the lock miss a dependency.
FROM python-base AS builder
COPY requirements.lock /tmp/requirements.lock
RUN python -m venv "$VIRTUAL_ENV" \
    && pip install --no-cache-dir --require-hashes --no-deps --only-binary :all: \
        --requirement /tmp/requirements.lock \
    && pip check


# GraphiQL, React and ReactDOM, served by the gateway itself (PLM networks often have no
# internet); the same files `make graphiql` copies.
FROM node:22.12.0-bookworm-slim AS graphiql
WORKDIR /src
COPY graphiql/package.json graphiql/package-lock.json ./
RUN npm ci --ignore-scripts --no-audit --no-fund --loglevel=error \
    && mkdir -p /assets \
    && cp node_modules/graphiql/graphiql.min.css node_modules/graphiql/graphiql.min.js \
          node_modules/react/umd/react.production.min.js \
          node_modules/react-dom/umd/react-dom.production.min.js /assets/


FROM python-base AS app
# PORT: where `enovia-gateway serve` listens when no --port is given, and what the
# HEALTHCHECK below probes; set it to move both.
ENV GATEWAY_LOG_FORMAT=json \
    PORT=8000
RUN groupadd --system --gid 10001 gateway \
    && useradd --system --uid 10001 --gid gateway --no-create-home --home-dir /nonexistent \
        --shell /usr/sbin/nologin gateway
COPY --from=builder /opt/venv /opt/venv
WORKDIR /app
COPY pyproject.toml README.md ./
COPY gateway ./gateway
COPY schema ./schema
COPY loaders ./loaders
COPY enovia ./enovia
# The trusted operations: GATEWAY_PERSISTED_MANIFEST=queries/persisted-operations.json works as
# in the checkout (relative to the working directory, /app).
COPY queries ./queries
COPY --from=graphiql /assets/ ./gateway/static/graphiql/
# An editable install from /app, as the README says the project runs: `schema` and `loaders`
# are also names of unrelated PyPI projects, and none of them is installed by name. The build
# backend is already in the venv, so this needs no network. The check fails the build should
# a package resolve anywhere but /app.
RUN pip install --no-cache-dir --no-deps --no-build-isolation --editable . \
    && python -c "import importlib.util as u; \
bad = [(n, s and s.origin) for n in ('gateway', 'schema', 'loaders', 'enovia') \
       for s in [u.find_spec(n)] if not (s and s.origin and s.origin.startswith('/app/'))]; \
assert not bad, bad"
# Owned by root and read-only to the user the gateway runs as.
USER 10001:10001
EXPOSE 8000
# Liveness only (/api/v1/health calls nothing upstream), with no proxy: HTTP_PROXY set for
# the gateway's own traffic must not catch the probe. On the port the server reads: PORT.
HEALTHCHECK --interval=30s --timeout=5s --start-period=15s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request as r; r.build_opener(r.ProxyHandler({})).open('http://127.0.0.1:%s/api/v1/health' % os.environ['PORT'], timeout=4)"]
# No --port: it would set the port apart from PORT, which the HEALTHCHECK probes.
CMD ["enovia-gateway", "serve", "--host", "0.0.0.0"]
