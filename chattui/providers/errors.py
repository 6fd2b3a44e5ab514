"""Turn an SDK exception (openai and anthropic share one Stainless hierarchy) into a
ProviderError a user can act on. Duck-typed so that neither SDK is imported here."""

from __future__ import annotations

from typing import Any

from chattui.core.provider import CACHED_CONTENT_NOT_FOUND, PREVIOUS_RESPONSE_NOT_FOUND, ProviderError

_BY_STATUS = {
    400: ("bad_request", "The request was rejected"),
    401: ("auth", "The API key was rejected (401)"),
    403: ("auth", "The API key may not use this (403)"),
    404: ("not_found", "Not found (404)"),
    408: ("timeout", "The server timed out (408)"),
    413: ("bad_request", "The request is too large (413)"),
    429: ("rate_limit", "Rate limited (429)"),
}


_STREAM_ERROR_KINDS = {"overloaded_error": "server", "api_error": "server",
                       "rate_limit_error": "rate_limit", "request_too_large": "bad_request",
                       "invalid_request_error": "bad_request"}


def _detail(exc: Any) -> str:
    body = getattr(exc, "body", None)
    if isinstance(body, dict):
        inner = body.get("error", body)
        if isinstance(inner, dict) and inner.get("message"):
            return str(inner["message"])
    return str(getattr(exc, "message", "") or exc)


def _retry_after(exc: Any) -> float | None:
    response = getattr(exc, "response", None)
    value = response.headers.get("retry-after") if response is not None else None
    try:
        return float(value) if value is not None else None
    except ValueError:
        return None


def from_sdk(exc: BaseException, model: str, mid_stream: bool = False) -> ProviderError:
    """Map any failure of a request or a stream onto a ProviderError."""
    status = getattr(exc, "status_code", None)
    if status == 200:  # an error event inside a stream that had started fine
        return _stream_error(exc)
    if isinstance(status, int):
        kind, headline = _BY_STATUS.get(
            status, ("server", f"The server failed ({status})") if status >= 500 else ("error", f"Error {status}")
        )
        if kind == "not_found":
            headline = f"Model '{model}' or endpoint not found (404)"
        if getattr(exc, "code", None) == PREVIOUS_RESPONSE_NOT_FOUND:
            kind = PREVIOUS_RESPONSE_NOT_FOUND
        elif status in (403, 404) and "cachedcontent" in _detail(exc).lower().replace(" ", ""):
            kind, headline = CACHED_CONTENT_NOT_FOUND, f"The Gemini cache is gone ({status})"
        retry_after = _retry_after(exc)
        if kind == "rate_limit" and retry_after is not None:
            headline += f", retry after {retry_after:g}s"
        return ProviderError(f"{headline}: {_detail(exc)}", status, kind, retry_after)
    name = type(exc).__name__
    if "Timeout" in name:
        return ProviderError("The request timed out. Check the network and retry.", None, "timeout")
    if mid_stream:
        return ProviderError(
            f"The connection dropped mid-reply ({name}); the partial reply is kept.", None, "connection"
        )
    if "Connection" in name:
        return ProviderError(f"Could not reach the server: {_detail(exc)}", None, "connection")
    return ProviderError(f"{name}: {_detail(exc)}", None, "error")


def _stream_error(exc: Any) -> ProviderError:
    """Anthropic's `event: error` (e.g. overloaded_error) arrives as a status error with 200."""
    body = getattr(exc, "body", None)
    inner = body.get("error", body) if isinstance(body, dict) else {}
    inner = inner if isinstance(inner, dict) else {}
    kind = _STREAM_ERROR_KINDS.get(str(inner.get("type")), "error")
    message = inner.get("message") or inner.get("type") or _detail(exc)
    return ProviderError(f"The reply failed mid-stream: {message}; the partial reply is kept.",
                         None, kind)
