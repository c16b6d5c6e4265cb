"""An unexpected exception is masked: INTERNAL_SERVER_ERROR with the request id, detail in the
log only."""

from __future__ import annotations

from structlog.testing import capture_logs

from gateway.metrics import Metrics
from schema import Context, create_schema
from schema.types.health import Health


class BrokenLoaders:
    """Loaders with a bug in them: what masking is for."""

    def latest(self, uid: str) -> None:
        return None

    def document(self, uid: str) -> None:
        raise RuntimeError("secret internal detail: password=hunter2")


async def no_health() -> Health:
    raise AssertionError("not asked")


async def test_unexpected_errors_are_masked_with_the_request_id():
    context = Context(
        loaders=BrokenLoaders(),  # type: ignore[arg-type]
        health=no_health,
        actuality_max_age=0,
        observer=Metrics(),
        request_id="req-7",
    )
    with capture_logs() as logs:
        result = await create_schema().execute(
            '{ document(uid: "DOC-001") { uid } }', context_value=context
        )
    assert result.errors is not None
    error = result.errors[0].formatted
    assert error["message"] == "Internal server error (request req-7)."
    assert error["extensions"] == {"code": "INTERNAL_SERVER_ERROR", "requestId": "req-7"}
    assert "hunter2" not in str(error)
    logged = [entry for entry in logs if entry["event"] == "graphql.unexpected_error"]
    assert logged
    assert isinstance(logged[0]["exc_info"], RuntimeError)
