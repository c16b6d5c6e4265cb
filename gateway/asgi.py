"""The app factory uvicorn imports in each worker process."""

from __future__ import annotations

from starlette.applications import Starlette

from gateway.app import create_app
from gateway.logs import configure_logging
from gateway.settings import load_settings


def create_app_from_environment() -> Starlette:
    """The gateway configured from the environment and `.env`."""
    settings = load_settings()
    configure_logging(settings.gateway_log_level, settings.gateway_log_format)
    return create_app(settings)
