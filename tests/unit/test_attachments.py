"""core.attachments: attaching (hash, type check, size limit), URLs, the `/image` command,
and re-reading files before each request (missing or changed files stop the turn)."""

from __future__ import annotations

import base64
import hashlib
import os

import pytest

from chattui import config, config_sources
from chattui.core import attachments as images
from chattui.core.attachments import Attachment, AttachmentError
from chattui.core.request import ChatMessage, ChatRequest

from tests.image_files import png, write

GIF = b"GIF89a" + b"\x01\x00\x01\x00\x00\x00\x00;"
WEBP = b"RIFF\x1a\x00\x00\x00WEBPVP8L" + b"\x00" * 14
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 20


def test_attaching_a_file_records_its_absolute_path_hash_type_size_and_detail(tmp_path):
    data = png()
    write(tmp_path / "cat.png", data)
    attachment = images.attach("cat.png", "low", cwd=tmp_path)
    assert attachment == Attachment("path", str(tmp_path / "cat.png"), "image/png", len(data),
                                    hashlib.sha256(data).hexdigest(), "low")
    assert attachment.name == "cat.png" and attachment.label == f"🖼 cat.png {len(data)} B"


@pytest.mark.parametrize("name, data, media_type", [
    ("a.gif", GIF, "image/gif"), ("b.webp", WEBP, "image/webp"), ("c.jpg", JPEG, "image/jpeg"),
    ("misnamed.txt", png(), "image/png"),  # the bytes decide, not the name
])
def test_the_image_type_comes_from_the_bytes(tmp_path, name, data, media_type):
    write(tmp_path / name, data)
    assert images.attach(str(tmp_path / name)).media_type == media_type


def test_a_file_that_is_not_an_image_is_refused_by_name(tmp_path):
    write(tmp_path / "notes.png", b"just some text, not a picture")
    with pytest.raises(AttachmentError, match=r"notes\.png is not a PNG, JPEG, GIF or WebP image"):
        images.attach(str(tmp_path / "notes.png"))


def test_a_file_over_20_mb_is_refused_without_reading_it(tmp_path):
    big = tmp_path / "huge.png"
    with open(big, "wb") as handle:  # sparse: the size check must come before any read
        handle.truncate(images.MAX_BYTES + 1)
    with pytest.raises(AttachmentError, match=r"huge\.png is 20\.0 MB; images may be at most 20\.0 MB"):
        images.attach(str(big))


def test_missing_files_folders_and_empty_refs_say_what_is_wrong(tmp_path):
    with pytest.raises(AttachmentError, match="No such file: .*nope.png"):
        images.attach("nope.png", cwd=tmp_path)
    with pytest.raises(AttachmentError, match="is a folder"):
        images.attach(str(tmp_path))
    with pytest.raises(AttachmentError, match="Attach what"):
        images.attach("  ")
    with pytest.raises(AttachmentError, match="data: URLs are not attached"):
        images.attach("data:image/png;base64,AAAA")
    with pytest.raises(AttachmentError, match="image_detail must be one of"):
        images.attach(str(tmp_path), detail="medium")


def test_a_pipe_a_device_or_a_url_that_does_not_parse_is_refused_without_reading(tmp_path):
    os.mkfifo(tmp_path / "pipe.png")  # read_bytes would wait for a writer, the UI with it
    with pytest.raises(AttachmentError, match=r"pipe\.png is not a file \(a pipe or a device\?\)"):
        images.attach(str(tmp_path / "pipe.png"))
    with pytest.raises(AttachmentError, match="/dev/zero is not a file"):  # would never end
        images.attach("/dev/zero")
    with pytest.raises(AttachmentError, match=r"Not a usable image URL: http://\[x/cat\.png"):
        images.attach("http://[x/cat.png")  # urlsplit raised ValueError: the app stopped


@pytest.mark.parametrize("ref", ["pipe", "/dev/zero"])
def test_a_stored_path_naming_a_pipe_or_a_device_is_not_read_before_sending(tmp_path, ref):
    if ref == "pipe":
        os.mkfifo(ref := str(tmp_path / "pipe.png"))
    stored = Attachment("path", ref, "image/png", 10, "0" * 64)  # e.g. from an imported file
    with pytest.raises(AttachmentError, match=r"is not an image file"):
        images.load(request_with(stored))
    assert Attachment("url", "http://[x/cat.png").name == "http://[x/cat.png"  # drawn as stored


def test_quotes_tilde_and_file_urls_name_the_same_file(tmp_path, monkeypatch):
    write(tmp_path / "my cat.png")
    monkeypatch.setenv("HOME", str(tmp_path))
    expected = str(tmp_path / "my cat.png")
    for ref in ('"my cat.png"', "~/my cat.png", f"file://{tmp_path}/my%20cat.png"):
        assert images.attach(ref, cwd=tmp_path).ref == expected


def test_a_url_is_stored_as_a_url_and_never_fetched():
    attachment = images.attach("https://example.com/pics/cat.webp?size=2", "high")
    assert attachment == Attachment("url", "https://example.com/pics/cat.webp?size=2",
                                    "image/webp", None, None, "high")
    assert attachment.url() == attachment.ref and attachment.label == "🖼 cat.webp (URL)"


def test_the_image_command_is_recognised_only_as_the_first_word():
    assert images.command_ref("/image cat.png") == "cat.png"
    assert images.command_ref("  /image   my cat.png \n") == "my cat.png"
    assert images.command_ref("/image") == ""
    assert images.command_ref("/images cat.png") is None
    assert images.command_ref("look at /image x") is None


def test_the_config_offers_the_same_detail_levels(tmp_path):
    assert config_sources.IMAGE_DETAILS == images.DETAILS
    settings = config.load_settings({}, environ={"CHATTUI_IMAGE_DETAIL": "low"}, cwd=tmp_path)
    assert settings.image_detail == "low"
    bad = config.load_settings({}, environ={"CHATTUI_IMAGE_DETAIL": "huge"}, cwd=tmp_path)
    assert bad.image_detail == "auto" and "'huge' is not one of" in str(bad.problems[0])


# before each request


def request_with(*attachments: Attachment) -> ChatRequest:
    return ChatRequest("gpt-4.1-mini", (ChatMessage("user", "what is this?", attachments=attachments),))


def test_load_fills_in_the_base64_of_each_file_and_leaves_urls_alone(tmp_path):
    data = png((1, 2, 3))
    file = images.attach(str(write(tmp_path / "a.png", data)))
    url = images.attach("https://example.com/b.png")
    loaded = images.load(request_with(file, url)).messages[0].attachments
    assert loaded[0].data == base64.b64encode(data).decode()
    assert loaded[0].url() == "data:image/png;base64," + loaded[0].data
    assert loaded[1] == url and loaded[1].data is None
    assert loaded == (file, url)  # the data is not part of the record's identity
    plain = ChatRequest("m", (ChatMessage("user", "hi"),))
    assert images.load(plain) is plain


def test_a_missing_file_stops_the_request_naming_it(tmp_path):
    path = write(tmp_path / "cat.png")
    attachment = images.attach(str(path))
    path.unlink()
    with pytest.raises(AttachmentError) as failure:
        images.load(request_with(attachment))
    assert failure.value.kept and failure.value.kind == "attachment"
    assert str(failure.value) == (f"Not sent: the image cat.png is missing ({path}). Your message "
                                  "is kept: restore the file, then retry (ctrl+r).")
    path.write_bytes(png())  # restored: it goes out again
    assert images.load(request_with(attachment)).messages[0].attachments[0].data


def test_a_changed_file_stops_the_request_even_with_the_same_size_and_mtime(tmp_path):
    path = write(tmp_path / "cat.png", png((10, 10, 10)))
    attachment = images.attach(str(path))
    stat = path.stat()
    path.write_bytes(png((20, 20, 20)))  # same length, other bytes
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1))
    with pytest.raises(AttachmentError, match="cat.png has changed since it was attached"):
        images.load(request_with(attachment))
    with pytest.raises(AttachmentError, match=r"Remove it \(×\) and attach it again") as pending:
        images.check([attachment])
    assert not pending.value.kept


def test_an_unchanged_file_is_not_read_again(tmp_path, monkeypatch):
    attachment = images.attach(str(write(tmp_path / "cat.png")))
    reads = []
    original = type(tmp_path).read_bytes
    monkeypatch.setattr(type(tmp_path), "read_bytes", lambda self: reads.append(self) or original(self))
    for _ in range(3):
        images.load(request_with(attachment))
    assert reads == []


def test_a_rejected_request_with_images_says_the_model_may_not_take_them():
    from chattui.core.provider import ProviderError

    error = ProviderError("The request was rejected: Invalid content type.", 400, "bad_request")
    explained = images.explain(error, request_with(images.attach("https://x.test/a.png")))
    assert explained.message.endswith("(this request carries images: gpt-4.1-mini may not accept them)")
    assert images.explain(error, ChatRequest("m", ())) is error
