"""A faithful local stand-in for the OpenAI, Anthropic and Gemini-compatible APIs.

The real `openai` and `anthropic` SDKs talk to it over HTTP on 127.0.0.1:

    with Emulator() as emu:
        client = openai.OpenAI(api_key="any", base_url=emu.openai_base_url)
        anthropic.Anthropic(api_key="any", base_url=emu.base_url)
        genai.Client(api_key="any", http_options={"base_url": emu.base_url,
                                                  "api_version": "v1beta"})  # cachedContents

Standalone: `python -m chattui.emulator --port 8089`. Uses only the standard library
(and `chattui.core.tokens` for counting); it never imports textual.
"""

from chattui.emulator.cache import AnthropicRules, GeminiRules, OpenAIRules, Rules
from chattui.emulator.script import Fault, Reply, ToolCall
from chattui.emulator.server import Emulator
from chattui.emulator.wire import RequestRecord

__all__ = ["AnthropicRules", "Emulator", "Fault", "GeminiRules", "OpenAIRules", "Reply",
           "RequestRecord", "Rules", "ToolCall"]
