"""A tiny stdlib server that answers Chat Completions with real-world usage shapes, to see
what chattui's status bar and `chattui export` make of each (issue 14).

    python bench/usage_stub.py [PORT]

The usage sent depends on the model asked for (MODEL → payload below); any path ending in
/chat/completions works (/v1, /v1beta/openai, /api/v1). Streams the way OpenAI does:
`data:` chunks, a usage chunk with `choices: []`, then `data: [DONE]`.
"""

from __future__ import annotations

import json
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

PAYLOADS = {
    # a gateway that reports more cached tokens than prompt tokens
    "gpt-4.1-mini": {"prompt_tokens": 1000, "completion_tokens": 50, "total_tokens": 1050,
                     "prompt_tokens_details": {"cached_tokens": 1200}},
    # Gemini's compatible endpoint: thinking only in total_tokens
    "gemini-2.5-flash": {"prompt_tokens": 21, "completion_tokens": 10, "total_tokens": 91},
    # OpenRouter BYOK: cost is the gateway's fee, the provider's bill is upstream
    "anthropic/claude-sonnet-4.5": {
        "prompt_tokens": 194, "completion_tokens": 2, "total_tokens": 196, "cost": 0.0005,
        "is_byok": True, "cost_details": {"upstream_inference_cost": 0.01}},
    # a local model: no price anywhere
    "deepseek-r1:8b": {"prompt_tokens": 1000, "completion_tokens": 100, "total_tokens": 1100},
}


class Handler(BaseHTTPRequestHandler):
    def log_message(self, *args) -> None:
        pass

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers.get("content-length") or 0)))
        model = body.get("model", "")
        usage = PAYLOADS.get(model, PAYLOADS["deepseek-r1:8b"])
        head = {"id": "chatcmpl-stub", "object": "chat.completion.chunk", "created": 0,
                "model": model}
        chunks = [
            {**head, "choices": [{"index": 0, "delta": {"role": "assistant", "content": ""},
                                  "finish_reason": None}]},
            {**head, "choices": [{"index": 0, "delta": {"content": f"Stub reply for {model}."},
                                  "finish_reason": None}]},
            {**head, "choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]},
            {**head, "choices": [], "usage": usage},
        ]
        self.send_response(200)
        self.send_header("content-type", "text/event-stream")
        self.end_headers()
        for chunk in chunks:
            self.wfile.write(f"data: {json.dumps(chunk)}\n\n".encode())
        self.wfile.write(b"data: [DONE]\n\n")


if __name__ == "__main__":
    port = int(sys.argv[1]) if len(sys.argv) > 1 else 8791
    ThreadingHTTPServer(("127.0.0.1", port), Handler).serve_forever()
