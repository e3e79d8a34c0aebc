"""Errors of the files domain."""

from __future__ import annotations

from orderdesk.core.errors import AppError


class UnsupportedMediaType(AppError):
    status = 415
    slug = "unsupported-media-type"
    title_key = "problem.unsupported_media_type"
