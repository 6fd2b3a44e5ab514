"""Image parts in each API's wire shape: a 400 in the provider's shape for a malformed one,
and a fixed token count for a good one.

Shapes (openai 3.54 / anthropic 2.12 param types):
Chat `{"type": "image_url", "image_url": {"url", "detail"?}}`; Responses `{"type":
"input_image", "image_url", "detail"}`; Anthropic `{"type": "image", "source": {"type":
"base64", "media_type", "data"} | {"type": "url", "url"}}`. A URL is never fetched; a data
URL or base64 source must decode to a PNG, JPEG, GIF or WebP of the type it claims.

Token rule (the emulator never looks at pixels): every image costs a fixed count.
OpenAI (Chat and Responses): 85 at detail "low", 765 otherwise (what a 1024×1024 image
costs at high detail: 85 + 4 tiles × 170). Anthropic: 1,600 (≈ width × height / 750 for
a 1092×1092 image, the largest that is not resized).
"""

from __future__ import annotations

import base64
import binascii
import re
from typing import Any

from chattui.emulator import errors

LOW_TOKENS, HIGH_TOKENS, ANTHROPIC_TOKENS = 85, 765, 1600
DETAILS = ("auto", "low", "high", "original")
MEDIA_TYPES = ("image/png", "image/jpeg", "image/gif", "image/webp")
ANTHROPIC_MAX_BYTES = 5 * 1024 * 1024
"""Anthropic's per-image limit for base64 images."""
_DATA_URL = re.compile(r"data:(?P<type>[\w.+-]+/[\w.+-]+);base64,(?P<data>.*)", re.S)
_MAGIC = ((b"\x89PNG\r\n\x1a\n", "image/png"), (b"\xff\xd8\xff", "image/jpeg"),
          (b"GIF87a", "image/gif"), (b"GIF89a", "image/gif"))


def chat_tokens(content: Any, where: str, text_only: bool = False) -> int:
    """Tokens of the `image_url` parts of a Chat message's content (validated)."""
    total = 0
    for j, part in enumerate(content if isinstance(content, list) else ()):
        if not isinstance(part, dict) or part.get("type") != "image_url":
            continue
        at = f"{where}.content[{j}]"
        if text_only:
            raise errors.invalid("Invalid content type. image_url is only supported by certain "
                                 "models.", param=f"{at}.type", code="invalid_value")
        image = part.get("image_url")
        if not isinstance(image, dict) or not isinstance(image.get("url"), str):
            raise errors.invalid(f"Missing required parameter: '{at}.image_url.url'.",
                                 param=f"{at}.image_url.url", code="missing_required_parameter")
        total += _openai_image(image["url"], image.get("detail", "auto"), f"{at}.image_url")
    return total


def responses_tokens(content: Any, where: str) -> int:
    """Tokens of the `input_image` parts of a Responses message's content (validated)."""
    total = 0
    for j, part in enumerate(content if isinstance(content, list) else ()):
        if not isinstance(part, dict) or part.get("type") != "input_image":
            continue
        at = f"{where}.content[{j}]"
        if not isinstance(part.get("image_url"), str):
            raise errors.invalid(f"Missing required parameter: '{at}.image_url'.",
                                 param=f"{at}.image_url", code="missing_required_parameter")
        if "detail" not in part:
            raise errors.invalid(f"Missing required parameter: '{at}.detail'.",
                                 param=f"{at}.detail", code="missing_required_parameter")
        total += _openai_image(part["image_url"], part["detail"], at)
    return total


def without_images(content: Any) -> Any:
    """The content with image parts left out (what is counted as text)."""
    if not isinstance(content, list):
        return content
    return [p for p in content if not (isinstance(p, dict) and p.get("type") in
                                       ("image_url", "input_image", "image"))]


def anthropic_tokens(block: dict[str, Any], where: str) -> int:
    """Tokens of an Anthropic `image` block (validated)."""
    given = block.get("source")
    source: dict[str, Any] = given if isinstance(given, dict) else {}
    kind = source.get("type")
    if kind == "url":
        if not isinstance(source.get("url"), str) or not source["url"].startswith(("http://", "https://")):
            raise errors.invalid(f"{where}.source.url: Input should be a valid URL")
        return ANTHROPIC_TOKENS
    if kind != "base64":
        raise errors.invalid(f"{where}.source: Input tag '{kind}' found using 'type' does not "
                             "match any of the expected tags: 'base64', 'url', 'file'")
    media_type, data = source.get("media_type"), source.get("data")
    if media_type not in MEDIA_TYPES:
        raise errors.invalid(f"{where}.source.base64.media_type: Input should be 'image/jpeg', "
                             "'image/png', 'image/gif' or 'image/webp'")
    raw = _decode(data)
    if raw is None:
        raise errors.invalid(f"{where}.source.base64.data: invalid base64 data")
    if len(raw) > ANTHROPIC_MAX_BYTES:
        raise errors.invalid(f"{where}.source.base64: image exceeds 5 MB maximum: "
                             f"{len(raw)} bytes > {ANTHROPIC_MAX_BYTES} bytes")
    if _sniff(raw) != media_type:
        raise errors.invalid(f"{where}.source.base64.data: Image does not match the provided "
                             f"media type {media_type}")
    return ANTHROPIC_TOKENS


def _openai_image(url: str, detail: Any, at: str) -> int:
    if detail not in DETAILS:
        raise errors.invalid(f"Invalid value: '{detail}'. Supported values are: 'auto', 'low', "
                             "'high', and 'original'.", param=f"{at}.detail", code="invalid_value")
    if not url.startswith(("http://", "https://")):
        _check_data_url(url, at)
    return LOW_TOKENS if detail == "low" else HIGH_TOKENS


def _check_data_url(url: str, at: str) -> None:
    found = _DATA_URL.fullmatch(url)
    if found is None:
        raise errors.invalid(f"Invalid '{at}.url'. Expected a valid URL, but got a value with "
                             "an invalid format.", param=f"{at}.url", code="invalid_value")
    raw = _decode(found["data"])
    if raw is None or found["type"] not in MEDIA_TYPES or _sniff(raw) != found["type"]:
        raise errors.invalid("You uploaded an unsupported image. Please make sure your image "
                             "is valid and has one of the following formats: ['png', 'jpeg', "
                             "'gif', 'webp'].", param=f"{at}.url", code="invalid_image_format")


def _decode(data: Any) -> bytes | None:
    if not isinstance(data, str) or not data:
        return None
    try:
        return base64.b64decode(data, validate=True)
    except (binascii.Error, ValueError):
        return None


def _sniff(raw: bytes) -> str | None:
    for magic, media_type in _MAGIC:
        if raw.startswith(magic):
            return media_type
    return "image/webp" if raw[:4] == b"RIFF" and raw[8:12] == b"WEBP" else None
