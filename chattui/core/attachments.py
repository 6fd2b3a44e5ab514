"""Image attachments: attach once (read, sniff, hash), resend the same bytes every turn.

An `Attachment` is what the store keeps: a file by absolute path with the sha256 of its
bytes, or a URL (stored and sent as is, never downloaded), plus its media type, size and
the `detail` chosen when it was attached. Recording `detail` on the attachment (not reading
the config at send time) keeps every resend of a message byte-identical, so the prefix
stays cacheable even if the `image_detail` setting changes later.

Before a request goes out, `load()` re-reads each path attachment it carries: a missing
file, or one whose bytes no longer hash to what was attached, stops the turn with an
`AttachmentError` naming the file (the user's message stays stored; restore the file and
retry). The base64 text is cached in memory per (path, sha256); a file whose size and
mtime have not changed since it was last verified is not read again.
"""

from __future__ import annotations

import base64
import hashlib
import mimetypes
import os
from collections import OrderedDict
from dataclasses import dataclass, field, replace
from pathlib import Path
from stat import S_ISDIR, S_ISREG
from typing import Any, Iterable, Mapping
from urllib.parse import unquote, urlsplit

from chattui.core.request import ChatRequest
from chattui.core.provider import ProviderError

PATH, URL = "path", "url"
KINDS = (PATH, URL)
DETAILS = ("auto", "low", "high", "original")
"""OpenAI's image detail levels (openai 3.54 `ImageURL.detail`); Anthropic has none."""
DEFAULT_DETAIL = "auto"
"""The APIs' own default, so it means what an omitted field would; any constant keeps the
prefix stable, and "auto" neither pays for "high" on small images nor blurs large ones."""
MEDIA_TYPES = ("image/png", "image/jpeg", "image/gif", "image/webp")
"""What OpenAI, Anthropic and Gemini all accept."""
MAX_BYTES = 20 * 1024 * 1024
_CACHE_LIMIT = 256 * 1024 * 1024
"""Characters of base64 text kept in memory across turns."""
_SIGNATURES = ((b"\x89PNG\r\n\x1a\n", "image/png"), (b"\xff\xd8\xff", "image/jpeg"),
               (b"GIF87a", "image/gif"), (b"GIF89a", "image/gif"))


@dataclass
class AttachmentError(ProviderError):
    """An image cannot be attached or sent; the message names the file and what to do."""

    kind: str = "attachment"
    kept: bool = False
    """True when the user's message was already stored (retry it once the file is back)."""


@dataclass(frozen=True)
class Attachment:
    kind: str
    """path | url"""
    ref: str
    """The absolute file path, or the URL."""
    media_type: str | None = None
    size: int | None = None
    """Bytes (files only)."""
    sha256: str | None = None
    """Hex digest of the file's bytes when it was attached (files only)."""
    detail: str = DEFAULT_DETAIL
    data: str | None = field(default=None, compare=False, repr=False)
    """Base64 of the bytes, filled in by `load()` for a request; never stored."""

    @property
    def name(self) -> str:
        """The file name, or the URL's last path segment (its host if it has none)."""
        if self.kind == PATH:
            return Path(self.ref).name
        try:
            parts = urlsplit(self.ref)
        except ValueError:  # stored or imported as is (`http://[x` raised while drawing)
            return self.ref
        return unquote(parts.path.rstrip("/").rsplit("/", 1)[-1]) or parts.netloc

    @property
    def label(self) -> str:
        """`🖼 cat.png 214 KB` (a URL shows as `🖼 cat.png (URL)`)."""
        return f"🖼 {self.name} " + (human_size(self.size) if self.size is not None else "(URL)")

    def url(self) -> str:
        """What an API's image part points at: a data URL for a file, else the URL."""
        if self.kind == URL:
            return self.ref
        if self.data is None:
            raise AttachmentError(f"Image {self.ref} was not read before sending.")
        return f"data:{self.media_type};base64,{self.data}"


def describe(attachment: Attachment) -> str:
    """`image/png · 214 KB · detail auto · sha256 3f2a…`: the facts an export shows."""
    facts = [attachment.media_type or "image", *([human_size(attachment.size)]
             if attachment.size is not None else []), f"detail {attachment.detail}"]
    if attachment.sha256:
        facts.append(f"sha256 {attachment.sha256[:12]}…")
    return " · ".join(facts)


def human_size(size: int) -> str:
    if size < 1024:
        return f"{size} B"
    if size < 1024 * 1024:
        return f"{size / 1024:.0f} KB"
    return f"{size / 1024 / 1024:.1f} MB"


COMMAND = "/image"
"""A draft `/image PATH_OR_URL` attaches instead of sending."""


def command_ref(text: str) -> str | None:
    """The PATH_OR_URL of an `/image PATH_OR_URL` draft ("" when missing), else None."""
    words = text.strip().split(maxsplit=1)
    return (words[1].strip() if len(words) > 1 else "") if words and words[0] == COMMAND else None


def attach(ref: str, detail: str = DEFAULT_DETAIL, cwd: Path | None = None) -> Attachment:
    """An attachment for a path (relative to `cwd`, `~` expanded) or an http(s) URL.
    A file is read once here: it must be a PNG, JPEG, GIF or WebP of at most 20 MB."""
    ref = ref.strip().strip("'\"")
    if detail not in DETAILS:
        raise AttachmentError(f"image_detail must be one of {', '.join(DETAILS)}, not {detail!r}.")
    if not ref:
        raise AttachmentError("Attach what? Give a file path or an http(s) URL: /image PATH_OR_URL")
    try:
        scheme = urlsplit(ref).scheme.lower()
    except ValueError:  # `http://[x`: not a URL that parses
        raise AttachmentError(f"Not a usable image URL: {ref}") from None
    if scheme in ("http", "https"):
        return _url(ref, detail)
    if scheme == "data":
        raise AttachmentError("data: URLs are not attached; save the image to a file and attach that.")
    if scheme == "file":
        ref = unquote(urlsplit(ref).path)
    path = Path(ref).expanduser()
    path = (cwd or Path.cwd()) / path if not path.is_absolute() else path
    return _file(Path(os.path.abspath(path)), detail)


def _url(ref: str, detail: str) -> Attachment:
    if not urlsplit(ref).netloc:
        raise AttachmentError(f"Not a usable image URL: {ref}")
    guessed = mimetypes.guess_type(urlsplit(ref).path)[0]
    return Attachment(URL, ref, guessed if guessed in MEDIA_TYPES else None, detail=detail)


def _file(path: Path, detail: str) -> Attachment:
    try:
        stat = path.stat()  # links followed
        if S_ISDIR(stat.st_mode):
            raise AttachmentError(f"{path} is a folder, not an image.")
        if not S_ISREG(stat.st_mode):  # a pipe or a device: reading it could wait forever or never end
            raise AttachmentError(f"{path} is not a file (a pipe or a device?), not an image.")
        if stat.st_size > MAX_BYTES:
            raise AttachmentError(f"{path.name} is {human_size(stat.st_size)}; images may be at "
                                  f"most {human_size(MAX_BYTES)}: {path}")
        data = path.read_bytes()
    except FileNotFoundError:
        raise AttachmentError(f"No such file: {path}") from None
    except OSError as exc:
        raise AttachmentError(f"Cannot read {path}: {exc.strerror or exc}") from None
    media_type = sniff(data)
    if media_type is None:
        raise AttachmentError(f"{path.name} is not a PNG, JPEG, GIF or WebP image: {path}")
    digest = hashlib.sha256(data).hexdigest()
    _remember((str(path), digest), (stat.st_size, stat.st_mtime_ns), _b64(data))
    return Attachment(PATH, str(path), media_type, len(data), digest, detail)


def keep(data: bytes, folder: Path, detail: str = DEFAULT_DETAIL) -> Attachment:
    """An image that arrived as bytes (an MCP tool's result), written once to `folder` under
    its sha256 and attached like a file the user picked, so a reopen or an export has it.
    AttachmentError for what is not a PNG, JPEG, GIF or WebP, or is too large."""
    media_type = sniff(data)
    if media_type is None:
        raise AttachmentError("not a PNG, JPEG, GIF or WebP image")
    if len(data) > MAX_BYTES:
        raise AttachmentError(f"{human_size(len(data))}; images may be at most {human_size(MAX_BYTES)}")
    digest = hashlib.sha256(data).hexdigest()
    path = folder / f"{digest}.{media_type.split('/')[1]}"
    if not path.exists() or path.stat().st_size != len(data):
        folder.mkdir(parents=True, exist_ok=True)
        temporary = path.with_suffix(".part")
        temporary.write_bytes(data)
        temporary.replace(path)
    stat = path.stat()
    _remember((str(path), digest), (stat.st_size, stat.st_mtime_ns), _b64(data))
    return Attachment(PATH, str(path), media_type, len(data), digest, detail)


def sniff(data: bytes) -> str | None:
    """The image type by its first bytes (never by the file name), or None."""
    for signature, media_type in _SIGNATURES:
        if data.startswith(signature):
            return media_type
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    return None


# sending


def check(attachments: Iterable[Attachment]) -> None:
    """Verify pending attachments before their message is stored (AttachmentError, kept=False)."""
    for attachment in attachments:
        if attachment.kind == PATH:
            _verified(attachment, kept=False)


def load(request: ChatRequest) -> ChatRequest:
    """`request` with every file's bytes read, verified and base64-encoded (the same object
    when it carries no files). AttachmentError (kept=True) names a missing or changed file."""
    if not any(a.kind == PATH for m in request.messages for a in m.attachments):
        return request
    messages = tuple(
        replace(m, attachments=tuple(_loaded(a) for a in m.attachments)) if m.attachments else m
        for m in request.messages)
    return replace(request, messages=messages)


def carries_images(request: ChatRequest) -> bool:
    return any(m.attachments for m in request.messages)


def explain(error: ProviderError, request: ChatRequest) -> ProviderError:
    """A rejected request that carried images: say the model may not take images."""
    if error.kind != "bad_request" or not carries_images(request):
        return error
    return replace(error, message=f"{error.message} (this request carries images: "
                                  f"{request.model} may not accept them)")


def _loaded(attachment: Attachment) -> Attachment:
    if attachment.kind != PATH:
        return attachment
    return replace(attachment, data=_verified(attachment, kept=True))


_cache: OrderedDict[tuple[str, str], tuple[tuple[int, int], str]] = OrderedDict()


def _verified(attachment: Attachment, kept: bool) -> str:
    """The file's base64 text, provided its bytes still hash to the attached sha256."""
    path, key = Path(attachment.ref), (attachment.ref, attachment.sha256 or "")
    try:
        stat = path.stat()
        stamp = (stat.st_size, stat.st_mtime_ns)
        if (hit := _cache.get(key)) and hit[0] == stamp:
            _cache.move_to_end(key)
            return hit[1]
        if not S_ISREG(stat.st_mode) or stat.st_size > MAX_BYTES:  # an imported path may name
            raise _unsendable(attachment, "is not an image file", kept)  # a pipe or /dev/zero
        data = path.read_bytes()
    except FileNotFoundError:
        raise _unsendable(attachment, "is missing", kept) from None
    except OSError as exc:
        raise _unsendable(attachment, f"cannot be read ({exc.strerror or exc})", kept) from None
    if hashlib.sha256(data).hexdigest() != attachment.sha256:
        raise _unsendable(attachment, "has changed since it was attached", kept)
    encoded = _b64(data)
    _remember(key, stamp, encoded)
    return encoded


def _unsendable(attachment: Attachment, problem: str, kept: bool) -> AttachmentError:
    what = f"Not sent: the image {attachment.name} {problem} ({attachment.ref})."
    if kept:
        advice = " Your message is kept: restore the file, then retry (ctrl+r)."
    else:
        advice = " Remove it (×) and attach it again."
    return AttachmentError(what + advice, kept=kept)


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _remember(key: tuple[str, str], stamp: tuple[int, int], encoded: str) -> None:
    _cache[key] = (stamp, encoded)
    _cache.move_to_end(key)
    while len(_cache) > 1 and sum(len(v[1]) for v in _cache.values()) > _CACHE_LIMIT:
        _cache.popitem(last=False)


# records


COLUMNS = ("kind", "ref", "sha256", "media_type", "size", "detail")
"""The stored fields, in the order of the `attachments` table (after message_id, position)."""


def as_row(attachment: Attachment) -> dict[str, Any]:
    return {c: getattr(attachment, c) for c in COLUMNS}


def from_row(row: Mapping[str, Any]) -> Attachment:
    """An attachment from a stored or exported row; ValueError for an unknown kind or detail."""
    if row["kind"] not in KINDS:
        raise ValueError(f"unknown attachment kind {row['kind']!r}")
    if row["detail"] not in DETAILS:
        raise ValueError(f"unknown image detail {row['detail']!r}")
    return Attachment(row["kind"], row["ref"], row["media_type"], row["size"], row["sha256"],
                      row["detail"])
