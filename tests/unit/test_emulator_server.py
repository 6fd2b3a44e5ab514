"""The emulator as a server: request log, allow-list, routing, lifecycle, standalone mode."""

import json
import os
import socket
import subprocess
import sys

import anthropic
import httpx2
import openai
import pytest

from chattui.emulator import Emulator, Reply


async def test_request_log_keeps_raw_bytes_and_returned_usage(openai_client, emulator):
    first = [{"role": "system", "content": "Stable prefix."}, {"role": "user", "content": "A"}]
    reply = await openai_client.chat.completions.create(model="gpt-4.1-mini", messages=first)
    second = first + [{"role": "assistant", "content": reply.choices[0].message.content},
                      {"role": "user", "content": "B"}]
    await openai_client.chat.completions.create(model="gpt-4.1-mini", messages=second)

    one, two = emulator.requests
    assert (one.method, one.path, one.provider, one.status) == (
        "POST", "/v1/chat/completions", "openai", 200)
    assert json.loads(one.body) == one.json and one.json["messages"] == first
    assert one.usage == reply.usage.model_dump(exclude_unset=True)
    assert one.headers["authorization"] == "Bearer <redacted>"
    assert "sk-test" not in repr(one.headers)
    # turn 2 repeats turn 1's messages byte for byte (what a prefix-stable client must do)
    prefix = one.body[one.body.index(b'"messages":[') : one.body.index(b"]", one.body.index(
        b'"messages":['))]
    assert prefix in two.body


async def test_queue_is_first_in_first_out_across_endpoints(openai_client, anthropic_client,
                                                            emulator):
    emulator.queue(Reply(text="first"), Reply(text="second"), Reply(text="third"))
    chat = await openai_client.chat.completions.create(
        model="gpt-4.1-mini", messages=[{"role": "user", "content": "x"}])
    message = await anthropic_client.messages.create(
        model="claude-sonnet-5", max_tokens=64, messages=[{"role": "user", "content": "x"}])
    response = await openai_client.responses.create(model="gpt-4.1-mini", input="x")

    assert [chat.choices[0].message.content, message.content[0].text,
            response.output_text] == ["first", "second", "third"]


async def test_a_cleared_queue_leaves_the_default_reply(openai_client, emulator):
    emulator.queue(Reply(text="scripted"))
    emulator.clear_queue()
    chat = await openai_client.chat.completions.create(
        model="gpt-4.1-mini", messages=[{"role": "user", "content": "x"}])
    assert chat.choices[0].message.content.startswith("Emulated reply")


async def test_model_allow_list():
    with Emulator(models={"gpt-4.1-mini", "claude-sonnet-5"}) as emu:
        async with openai.AsyncOpenAI(api_key="k", base_url=emu.openai_base_url,
                                      max_retries=0) as oai, anthropic.AsyncAnthropic(
                api_key="k", base_url=emu.base_url, max_retries=0) as claude:
            with pytest.raises(openai.NotFoundError) as from_openai:
                await oai.chat.completions.create(
                    model="gpt-9", messages=[{"role": "user", "content": "x"}])
            with pytest.raises(anthropic.NotFoundError) as from_anthropic:
                await claude.messages.create(model="claude-9", max_tokens=8,
                                             messages=[{"role": "user", "content": "x"}])
            allowed = await oai.chat.completions.create(
                model="gpt-4.1-mini", messages=[{"role": "user", "content": "x"}])
            openai_models = [m.id async for m in oai.models.list()]
            anthropic_models = [m.id async for m in claude.models.list()]

    assert from_openai.value.code == "model_not_found"
    assert from_anthropic.value.body["error"]["type"] == "not_found_error"
    assert allowed.choices[0].finish_reason == "stop"
    assert openai_models == anthropic_models == ["claude-sonnet-5", "gpt-4.1-mini"]


async def test_unknown_path_and_bad_json_are_provider_shaped(emulator):
    auth = {"authorization": "Bearer k"}
    async with httpx2.AsyncClient(base_url=emulator.base_url) as http:
        missing = await http.post("/v1/embeddings", headers=auth, json={})
        broken = await http.post("/v1/messages", content=b"{not json",
                                 headers={**auth, "anthropic-version": "2023-06-01"})

    assert missing.status_code == 404 and missing.json()["error"]["code"] == "unknown_url"
    assert broken.status_code == 400
    assert broken.json()["error"]["type"] == "invalid_request_error"
    assert broken.headers["request-id"].startswith("req_")


def _http_get(sock: socket.socket, path: str) -> bytes:
    sock.sendall(f"GET {path} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer k\r\n\r\n".encode())
    data = b""
    while b"\r\n\r\n" not in data or not data.rstrip().endswith(b"}"):
        data += sock.recv(65536)
    return data


def test_keep_alive_and_stop_closes_open_connections():
    emu = Emulator().start()
    host, port = emu.base_url[7:].split(":")
    sock = socket.create_connection((host, int(port)), timeout=5)
    first = _http_get(sock, "/v1/models")
    second = _http_get(sock, "/v1/models")  # same connection: HTTP/1.1 keep-alive
    emu.stop()

    assert first.startswith(b"HTTP/1.1 200") and b"Content-Length: " in first
    assert second.startswith(b"HTTP/1.1 200")
    assert sock.recv(1024) == b""  # the idle keep-alive connection was closed by stop()
    sock.close()
    with pytest.raises(OSError):
        socket.create_connection((host, int(port)), timeout=1)


def test_standalone_prints_urls_and_how_to_use_it():
    env = {**os.environ, "CHATTUI_TOKENIZER": "approx"}
    with subprocess.Popen([sys.executable, "-m", "chattui.emulator", "--port", "0"],
                          stdout=subprocess.PIPE, text=True, env=env) as process:
        lines = [process.stdout.readline() for _ in range(6)]
        process.terminate()
        assert process.wait(timeout=5) == 0

    text = "".join(lines)
    assert "listening on http://127.0.0.1:" in text
    assert "chattui --base-url http://127.0.0.1:" in text and "/v1" in text
    assert "Any API key works." in text


def test_emulator_does_not_import_textual():
    code = "import sys, chattui.emulator; sys.exit('textual' in sys.modules)"
    assert subprocess.run([sys.executable, "-c", code], check=False).returncode == 0
