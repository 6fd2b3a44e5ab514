"""Errors in each provider's own shape (PROVIDERS.md §2.4, §3.4, §9.7).

Handlers raise `ApiError`; the server renders it for the provider the request was meant
for: OpenAI `{"error": {message, type, param, code}}`, Anthropic
`{"type": "error", "error": {type, message}, "request_id"}`, Gemini's compatible endpoint
Google's `{"error": {code, message, status}}`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

_OPENAI_TYPE = {400: "invalid_request_error", 401: "invalid_request_error",
                404: "invalid_request_error", 429: "requests", 500: "server_error"}
_ANTHROPIC_TYPE = {400: "invalid_request_error", 401: "authentication_error",
                   403: "permission_error", 404: "not_found_error", 413: "request_too_large",
                   429: "rate_limit_error", 500: "api_error", 529: "overloaded_error"}
_GOOGLE_STATUS = {400: "INVALID_ARGUMENT", 401: "UNAUTHENTICATED", 403: "PERMISSION_DENIED",
                  404: "NOT_FOUND", 429: "RESOURCE_EXHAUSTED", 500: "INTERNAL"}
_DEFAULT_MESSAGE = {
    401: "Incorrect API key provided.",
    429: "Rate limit reached (emulated). Please try again later.",
    500: "The server had an error while processing your request. Sorry about that! (emulated)",
}


@dataclass
class ApiError(Exception):
    """An HTTP error answer; `code`/`param`/`type` fill the OpenAI fields."""

    status: int
    message: str = ""
    code: str | None = None
    param: str | None = None
    type: str | None = None
    headers: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.message = self.message or _DEFAULT_MESSAGE.get(self.status, f"Error {self.status}")


def render(provider: str, error: ApiError, request_id: str) -> dict[str, Any]:
    """The JSON body of `error` as `provider` ("openai", "anthropic", "gemini") sends it."""
    if provider == "anthropic":
        kind = error.type or _ANTHROPIC_TYPE.get(error.status, "api_error")
        return {"type": "error", "error": {"type": kind, "message": error.message},
                "request_id": request_id}
    if provider == "gemini":
        status = _GOOGLE_STATUS.get(error.status, "UNKNOWN")
        return {"error": {"code": error.status, "message": error.message, "status": status}}
    kind = error.type or _OPENAI_TYPE.get(error.status, "server_error")
    return {"error": {"message": error.message, "type": kind, "param": error.param,
                      "code": error.code}}


def missing_key(provider: str) -> ApiError:
    if provider == "anthropic":
        return ApiError(401, "x-api-key header is required")
    return ApiError(401, "You didn't provide an API key. You need to provide your API key in "
                         "an Authorization header using Bearer auth (i.e. Authorization: "
                         "Bearer YOUR_KEY).")


def unknown_model(provider: str, model: str) -> ApiError:
    if provider == "anthropic":
        return ApiError(404, f"model: {model}")
    return ApiError(404, f"The model `{model}` does not exist or you do not have access to it.",
                    code="model_not_found")


def invalid(message: str, param: str | None = None, code: str | None = None) -> ApiError:
    return ApiError(400, message, param=param, code=code)
