"""chattui: a terminal chat client that shows what every LLM turn costs."""

from chattui import lazy_types

__version__ = "0.1.0"

lazy_types.install()  # before anything imports the OpenAI SDK: see the module
