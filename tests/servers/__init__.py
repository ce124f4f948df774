"""Loopback test servers (no network): a fault-injecting OpenAI/Anthropic-compatible server."""
