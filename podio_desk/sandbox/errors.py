"""Podio's error bodies as an exception the server turns into a response.

The shapes: docs/podio-api.md, Errors and Auth failures.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from podio_desk.sandbox.model import JSON


@dataclass
class ApiError(Exception):
    status: int
    error: str
    description: str | None = None
    detail: str | None = None
    parameters: dict[str, JSON] = field(default_factory=dict)
    propagate: bool = False
    # Token-endpoint errors use the small body {error, error_detail, error_description}.
    oauth_shape: bool = False

    def body(self, path: str, method: str, query_string: str) -> dict[str, JSON]:
        if self.oauth_shape:
            return {
                "error": self.error,
                "error_detail": self.detail,
                "error_description": self.description,
            }
        # Key order as the 2026 recordings (fixtures error_401_*.json); `request.url` is the
        # path as recorded then (the 2017 docs example shows a full URL).
        return {
            "error": self.error,
            "error_detail": self.detail,
            "error_description": self.description,
            "error_parameters": self.parameters,
            "error_propagate": self.propagate,
            "request": {"url": path, "method": method, "query_string": query_string},
        }


def not_found(what: str = "Object not found") -> ApiError:
    return ApiError(404, "not_found", what, propagate=True)


def invalid_value(description: str, **parameters: JSON) -> ApiError:
    return ApiError(400, "invalid_value", description, parameters=parameters, propagate=True)
