"""Application errors and their one rendering: RFC 9457 problem+json."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, ClassVar

import orjson
import structlog
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import Response

from orderdesk.core import messages  # noqa: F401  (registers the catalogue)
from orderdesk.core.context import request_context
from orderdesk.core.i18n import t

PROBLEM_MEDIA_TYPE = "application/problem+json"
log = structlog.get_logger("orderdesk.errors")


class FieldError(dict[str, Any]):
    """One invalid field: {"field": "lines.0.quantity", "code": ..., "message": ...}."""

    def __init__(self, field: str, code: str, message: str | None = None, **params: Any) -> None:
        super().__init__(field=field, code=code, message=message or t(f"field.{code}", **params))


class AppError(Exception):
    """An error a client can act on; subclasses fix status, type slug and title key."""

    status: ClassVar[int] = 400
    slug: ClassVar[str] = "bad-request"
    title_key: ClassVar[str] = "problem.bad_request"
    # Errors whose transaction must still be committed (e.g. a failed login's audit entry).
    commit: bool = False

    def __init__(
        self,
        detail_key: str | None = None,
        *,
        errors: Sequence[FieldError] = (),
        headers: dict[str, str] | None = None,
        commit: bool = False,
        **params: Any,
    ) -> None:
        self.detail_key = detail_key
        self.params = params
        self.errors = list(errors)
        self.headers = headers or {}
        self.commit = commit
        super().__init__(detail_key or self.slug)

    def body(self, instance: str | None = None) -> dict[str, Any]:
        body: dict[str, Any] = {
            "type": f"/problems/{self.slug}",
            "title": t(self.title_key),
            "status": self.status,
        }
        if self.detail_key:
            body["detail"] = t(self.detail_key, **self.params)
        if self.errors:
            body["errors"] = self.errors
        if instance:
            body["instance"] = instance
        return body


class ValidationFailed(AppError):
    status = 422
    slug = "validation-error"
    title_key = "problem.validation"

    def __init__(self, errors: Sequence[FieldError], **kwargs: Any) -> None:
        super().__init__(
            kwargs.pop("detail_key", "problem.validation.detail"),
            errors=errors,
            count=len(errors),
            **kwargs,
        )


class Unauthorized(AppError):
    status = 401
    slug = "unauthorized"
    title_key = "problem.unauthorized"

    def __init__(self, detail_key: str | None = None, **kwargs: Any) -> None:
        kwargs.setdefault("headers", {"WWW-Authenticate": "Bearer"})
        super().__init__(detail_key, **kwargs)


class Forbidden(AppError):
    status = 403
    slug = "forbidden"
    title_key = "problem.forbidden"


class NotFound(AppError):
    status = 404
    slug = "not-found"
    title_key = "problem.not_found"


class Conflict(AppError):
    status = 409
    slug = "conflict"
    title_key = "problem.conflict"


class PreconditionFailed(AppError):
    status = 412
    slug = "precondition-failed"
    title_key = "problem.precondition_failed"


class PayloadTooLarge(AppError):
    status = 413
    slug = "payload-too-large"
    title_key = "problem.too_large"


class Locked(AppError):
    status = 423
    slug = "account-locked"
    title_key = "problem.locked"


class RateLimited(AppError):
    status = 429
    slug = "rate-limited"
    title_key = "problem.rate_limited"

    def __init__(self, retry_after: int, **kwargs: Any) -> None:
        retry_after = max(1, int(retry_after))
        super().__init__(
            "problem.rate_limited.detail",
            headers={"Retry-After": str(retry_after)},
            seconds=retry_after,
            **kwargs,
        )


def problem_response(
    status: int, body: dict[str, Any], headers: dict[str, str] | None = None
) -> Response:
    return Response(
        orjson.dumps(body), status_code=status, media_type=PROBLEM_MEDIA_TYPE, headers=headers
    )


def _field_path(loc: Sequence[Any]) -> str:
    parts = [str(p) for p in loc]
    if parts and parts[0] in {"body", "query", "path", "header", "cookie"}:
        parts = parts[1:] if len(parts) > 1 else parts
    return ".".join(parts)


def field_errors_from_pydantic(errors: Sequence[Any]) -> list[FieldError]:
    """Convert pydantic error dicts into localised field errors."""
    result = []
    for err in errors:
        code = str(err.get("type", "invalid"))
        ctx = err.get("ctx") or {}
        params = {
            "limit": ctx.get("gt", ctx.get("ge", ctx.get("lt", ctx.get("le", "")))),
            "choices": ctx.get("expected", ""),
        }
        message = t(f"field.{code}", **params)
        if message == f"field.{code}":
            message = str(err.get("msg", code))
        result.append(FieldError(_field_path(err.get("loc", ())), code, message))
    return result


_STATUS_TITLES = {
    400: ("bad-request", "problem.bad_request"),
    401: ("unauthorized", "problem.unauthorized"),
    403: ("forbidden", "problem.forbidden"),
    404: ("not-found", "problem.not_found"),
    405: ("method-not-allowed", "problem.method_not_allowed"),
    409: ("conflict", "problem.conflict"),
    413: ("payload-too-large", "problem.too_large"),
    415: ("unsupported-media-type", "problem.unsupported_media_type"),
    428: ("precondition-required", "problem.precondition_required"),
    429: ("rate-limited", "problem.rate_limited"),
    503: ("unavailable", "problem.unavailable"),
}


def http_problem(status: int, detail: str | None = None) -> dict[str, Any]:
    slug, title_key = _STATUS_TITLES.get(status, ("error", "problem.bad_request"))
    body: dict[str, Any] = {"type": f"/problems/{slug}", "title": t(title_key), "status": status}
    if detail:
        body["detail"] = detail
    return body


def internal_error_body() -> dict[str, Any]:
    """The body of every 500: no exception text, only where to look (the request id)."""
    return {
        "type": "/problems/internal",
        "title": t("problem.internal"),
        "status": 500,
        "detail": t("problem.internal.detail"),
    }


def install_error_handlers(app: FastAPI) -> None:
    """Render every error as problem+json; unknown exceptions become a bare 500."""

    async def app_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, AppError)
        return problem_response(exc.status, exc.body(request.url.path), exc.headers)

    async def validation_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, RequestValidationError)
        error = ValidationFailed(field_errors_from_pydantic(exc.errors()))
        return problem_response(error.status, error.body(request.url.path))

    async def http_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, StarletteHTTPException)
        detail = exc.detail if isinstance(exc.detail, str) and exc.status_code >= 500 else None
        body = http_problem(exc.status_code, detail)
        return problem_response(exc.status_code, body, dict(exc.headers or {}))

    async def unhandled(request: Request, exc: Exception) -> Response:
        # A last resort: RequestContextMiddleware normally answers unhandled errors itself
        # (with its headers). This one runs outside it, so it adds the request id on its own.
        request_id = request_context().request_id
        log.exception("unhandled_error", path=request.url.path, request_id=request_id)
        headers = {"X-Request-ID": request_id} if request_id else None
        return problem_response(500, internal_error_body(), headers)

    app.add_exception_handler(AppError, app_error)
    app.add_exception_handler(RequestValidationError, validation_error)
    app.add_exception_handler(StarletteHTTPException, http_error)
    app.add_exception_handler(Exception, unhandled)
