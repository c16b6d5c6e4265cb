"""`enovia-gateway`: serve the gateway, run the simulator, export the schema, check a revision."""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import sys
import tempfile
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

from gateway.settings import Settings, SettingsError, load_settings

if TYPE_CHECKING:
    from starlette.applications import Starlette

N = TypeVar("N", int, float)

DEMO_ENV = (
    "ENOVIA_BASE_URL",
    "ENOVIA_CLIENT_ID",
    "ENOVIA_CLIENT_SECRET",
    "TDX_AUTH_MODE",
    "TDX_BATCH_SERVICE_NAME",
    "TDX_BATCH_SERVICE_SECRET",
    "TDX_IMPERSONATE_USER",
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="enovia-gateway", description="A GraphQL gateway over ENOVIA PLM documents."
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    serve = commands.add_parser("serve", help="serve the GraphQL gateway")
    serve.add_argument("--host", default="127.0.0.1", help="address to listen on (%(default)s)")
    # PORT, which the image sets, is the port's one source for the server and the image's
    # HEALTHCHECK alike. Read when the parser is built (each run), never at import; argparse
    # converts a string default with `type`, so a malformed PORT is refused like a --port.
    serve.add_argument(
        "--port",
        type=int,
        default=os.environ.get("PORT", 8000),
        help="port to listen on (%(default)s, from PORT when set)",
    )
    serve.add_argument(
        "--workers",
        type=_positive_int,
        default=1,
        help="worker processes (%(default)s); more than 1 needs GATEWAY_CACHE_URL=redis://...",
    )
    serve.add_argument(
        "--demo",
        action="store_true",
        help=(
            "start the built-in ENOVIA simulator with sample documents and use it (the "
            "3DEXPERIENCE platform's with ENOVIA_API=3dexperience)"
        ),
    )

    simulator = commands.add_parser("simulator", help="serve the ENOVIA simulator alone")
    simulator.add_argument("--host", default="127.0.0.1", help="address to listen on (%(default)s)")
    simulator.add_argument("--port", type=int, default=8001, help="port to listen on (%(default)s)")
    simulator.add_argument(
        "--api",
        choices=["facade", "3dexperience"],
        default="facade",
        help=(
            "the upstream to simulate (%(default)s): facade, the REST facade (/oauth2/token, "
            "/api/v1/documents/...); 3dexperience, a 3DPassport (/3dpassport) and a 3DSpace "
            "(/3dspace) on the same port"
        ),
    )
    simulator.add_argument(
        "--client-id",
        default="pte-qr-client",
        help="the OAuth2 client id it accepts (%(default)s; facade only)",
    )
    simulator.add_argument(
        "--client-secret",
        default="demo-secret",
        help="the OAuth2 client secret it accepts (%(default)s; facade only)",
    )
    simulator.add_argument(
        "--latency-ms",
        type=_non_negative_float,
        default=0.0,
        help="milliseconds each answer waits before it is sent (%(default)g)",
    )
    simulator.add_argument(
        "--jitter-ms",
        type=_non_negative_float,
        default=0.0,
        help="up to this many milliseconds more, drawn at random per answer (%(default)g)",
    )
    simulator.add_argument(
        "--error-rate",
        type=_fraction,
        default=0.0,
        help="share, 0 to 1, of API answers (not token answers) that fail with 503 (%(default)g)",
    )
    simulator.add_argument(
        "--token-ttl",
        type=_positive_float,
        default=3600.0,
        help="seconds an issued OAuth2 token lives (%(default)g; facade only)",
    )

    commands.add_parser("export-schema", help="print the GraphQL SDL (schema.graphql)")
    manifest = commands.add_parser(
        "export-manifest",
        help="print the persisted-operations manifest of a queries/ folder (sha256 -> document)",
    )
    manifest.add_argument(
        "queries",
        nargs="?",
        default="queries",
        help="the folder of .graphql files, one operation each (%(default)s)",
    )

    check = commands.add_parser(
        "check",
        help="is this revision the one to build from? exit 0 yes, 1 no, 2 could not tell",
    )
    check.add_argument("uid", help="the document's identifier, as the QR code carries it")
    check.add_argument("revision", help="the revision label to check, e.g. A")
    check.add_argument(
        "--lang",
        default="ru",
        choices=["ru", "en"],
        help="language of the business status label (%(default)s)",
    )
    check.add_argument(
        "--max-age",
        type=int,
        default=None,
        metavar="SECONDS",
        help=(
            "accept a verdict ENOVIA confirmed at most this many seconds ago, from the "
            "gateway's cache (default: GATEWAY_ACTUALITY_MAX_AGE; 0: ask ENOVIA now)"
        ),
    )
    check.add_argument(
        "--demo", action="store_true", help="ask the built-in simulator instead of ENOVIA"
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        if args.command == "export-schema":
            from schema import export_sdl

            sys.stdout.write(export_sdl())
            return 0
        if args.command == "export-manifest":
            return _export_manifest(args.queries)
        if args.command == "simulator":
            return _run_simulator(args)
        if args.command == "serve":
            return _serve(args)
        return _check(args)
    except SettingsError as exc:
        print(f"enovia-gateway: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


def _export_manifest(queries: str) -> int:
    import json
    from pathlib import Path

    from gateway.persisted import build_manifest

    folder = Path(queries)
    if not folder.is_dir():
        print(f"enovia-gateway: {folder} is not a folder of .graphql files", file=sys.stderr)
        return 2
    sys.stdout.write(json.dumps(build_manifest(folder), indent=2, sort_keys=True) + "\n")
    return 0


def _run_simulator(args: argparse.Namespace) -> int:
    import uvicorn

    from gateway.logs import configure_logging

    configure_logging()
    uvicorn.run(
        _simulator_app(args),
        host=args.host,
        port=args.port,
        access_log=False,
        log_level="info",
        timeout_graceful_shutdown=2,  # calls held by the `hang` fault must not delay a stop
    )
    return 0


def _simulator_app(args: argparse.Namespace) -> Starlette:
    if args.api == "3dexperience":
        from enovia.simulators.platform import (
            PlatformSimulatorConfig,
            create_platform_simulator_app,
        )

        return create_platform_simulator_app(
            PlatformSimulatorConfig(
                latency_ms=args.latency_ms, jitter_ms=args.jitter_ms, error_rate=args.error_rate
            )
        )
    from enovia.simulators.facade import SimulatorConfig, create_simulator_app

    return create_simulator_app(
        SimulatorConfig(
            client_id=args.client_id,
            client_secret=args.client_secret,
            latency_ms=args.latency_ms,
            jitter_ms=args.jitter_ms,
            error_rate=args.error_rate,
            token_ttl=args.token_ttl,
        )
    )


def _serve(args: argparse.Namespace) -> int:
    import uvicorn

    from gateway.connections import uvicorn_options
    from gateway.logs import configure_logging
    from gateway.serving import run_and_announce

    with _demo_simulator(args.demo):
        settings = load_settings()
        settings.require_enovia()
        # Each worker would hold a cache of its own, and an invalidation reaches only the
        # worker that receives it: the others would go on answering from what was dropped.
        if args.workers > 1 and settings.gateway_cache_url.startswith("memory://"):
            print(
                f"enovia-gateway: --workers {args.workers} needs a shared cache: set "
                "GATEWAY_CACHE_URL=redis://host:6379/0 (an in-process cache cannot be "
                "invalidated in every worker), or run one worker",
                file=sys.stderr,
            )
            return 2
        configure_logging(settings.gateway_log_level, settings.gateway_log_format)
        simulator = settings.enovia_base_url

        def announce(base_url: str) -> None:
            # Said once the socket listens, so that the address is one that answers.
            if args.demo:
                print(
                    f"Demo: GraphiQL at {base_url}/graphql, the ENOVIA simulator at {simulator}",
                    file=sys.stderr,
                    flush=True,
                )
            else:
                print(f"enovia-gateway: serving {base_url}/graphql", file=sys.stderr, flush=True)

        config = uvicorn.Config(
            "gateway.app:create_app_from_environment",
            factory=True,
            host=args.host,
            port=args.port,
            workers=args.workers,
            loop="auto",
            access_log=False,
            log_config=None,
            timeout_graceful_shutdown=30,
            # The HTTP protocol, guarded: bounded time for a request's head and body,
            # bounded connections (gateway/connections.py).
            **uvicorn_options(settings),
        )
        with _worker_metrics(args.workers):
            return run_and_announce(config, announce)


@contextmanager
def _worker_metrics(workers: int) -> Iterator[None]:
    """With several workers, a directory where each keeps its metric values, so that
    `/metrics` adds up all of theirs whichever worker a scrape reaches (see `gateway.metrics`).

    A `PROMETHEUS_MULTIPROC_DIR` set in the environment is used (with any number of workers),
    emptied first: the values of an earlier run would add to this one's. Without it, and
    with more than one worker, a new temporary directory, removed at exit. The variable is set
    here, before uvicorn starts the workers: prometheus_client reads it when a worker imports
    it, and then decides for good whether its values go to files. (This process may have
    imported it before: uvicorn spawns each worker as a new interpreter, never a fork.)"""
    from gateway.metrics import MULTIPROC_DIR

    configured = os.environ.get(MULTIPROC_DIR)
    if configured:
        folder = Path(configured)
        folder.mkdir(parents=True, exist_ok=True)
        for stale in folder.glob("*.db"):
            stale.unlink()
        yield
        return
    if workers == 1:
        yield  # one process: its values stay in memory
        return
    directory = tempfile.mkdtemp(prefix="enovia-gateway-metrics-")
    os.environ[MULTIPROC_DIR] = directory
    try:
        yield
    finally:
        os.environ.pop(MULTIPROC_DIR, None)
        shutil.rmtree(directory, ignore_errors=True)


@contextmanager
def _demo_simulator(enabled: bool) -> Iterator[None]:
    """With `enabled`, run the simulator in this process and point the settings at it
    (through the environment, so that every worker sees the same)."""
    if not enabled:
        yield
        return
    from gateway.serving import serve_in_thread

    app, demo_env = _demo_app(load_settings().enovia_api)
    saved = {name: os.environ.get(name) for name in DEMO_ENV}
    with serve_in_thread(app) as base_url:
        os.environ.update(demo_env(base_url))
        try:
            yield
        finally:
            for name, value in saved.items():
                if value is None:
                    os.environ.pop(name, None)
                else:
                    os.environ[name] = value


def _demo_app(api: str) -> tuple[Starlette, Callable[[str], dict[str, str]]]:
    """The simulator of upstream `api`, and the settings that point the gateway at it once it
    serves at a base URL."""
    if api == "3dexperience":
        from enovia.simulators.platform import (
            PlatformSimulatorConfig,
            create_platform_simulator_app,
        )

        platform = PlatformSimulatorConfig()
        return create_platform_simulator_app(platform), lambda base_url: {
            "ENOVIA_BASE_URL": f"{base_url}/3dspace",
            "TDX_AUTH_MODE": "batch-service",
            "TDX_BATCH_SERVICE_NAME": platform.batch_service_name,
            "TDX_BATCH_SERVICE_SECRET": platform.batch_service_secret,
            "TDX_IMPERSONATE_USER": platform.users[0].username,
        }
    from enovia.simulators.facade import SimulatorConfig, create_simulator_app

    facade = SimulatorConfig()
    return create_simulator_app(facade), lambda base_url: {
        "ENOVIA_BASE_URL": base_url,
        "ENOVIA_CLIENT_ID": facade.client_id,
        "ENOVIA_CLIENT_SECRET": facade.client_secret,
    }


def _check(args: argparse.Namespace) -> int:
    """Print one verdict on stdout; logs go to stderr, warnings and worse only, so that
    stdout holds the verdict alone (a script may read it)."""
    from gateway.check import run_check
    from gateway.logs import configure_logging
    from gateway.settings import warn_unknown_settings

    with _demo_simulator(args.demo):
        settings: Settings = load_settings(
            gateway_log_level="WARNING", gateway_health_check_interval=0
        )
        settings.require_enovia()
        configure_logging(
            settings.gateway_log_level, settings.gateway_log_format, stream=sys.stderr
        )
        warn_unknown_settings()
        return asyncio.run(run_check(settings, args.uid, args.revision, args.lang, args.max_age))


def _number(kind: Callable[[str], N], valid: Callable[[N], bool], rule: str) -> Callable[[str], N]:
    """An argparse type: a number of `kind` for which `valid` holds, else "must be `rule`"."""

    def parse(text: str) -> N:
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
        if not valid(value):
            raise argparse.ArgumentTypeError(f"must be {rule}")
        return value

    return parse


_positive_int = _number(int, lambda value: value >= 1, "1 or more")
_positive_float = _number(float, lambda value: value > 0, "more than 0")
_non_negative_float = _number(float, lambda value: value >= 0, "0 or more")
_fraction = _number(float, lambda value: 0 <= value <= 1, "between 0 and 1")
