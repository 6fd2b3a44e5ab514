"""chattui: a terminal chat client that shows what every LLM turn costs."""

__version__ = "0.1.0"
