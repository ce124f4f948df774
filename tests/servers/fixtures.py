"""Pytest fixtures for the loopback fault server (exposed through `pytest_plugins` in tests/conftest.py)."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator

import pytest

from tests.servers.fault_server import FaultServer


@pytest.fixture(scope="session")
def fault_server() -> Iterator[FaultServer]:
    """One server for the session; tests stay independent by putting a nonce in their FAULT= markers.

    `FAULT=timeout` sleeps 3 s, so client timeouts in timeout tests should be well under that.
    """
    server = FaultServer(timeout_sleep=3.0)
    server.start()
    yield server
    server.stop()


@pytest.fixture
def make_fault_server() -> Iterator[Callable[..., FaultServer]]:
    """A factory for servers with their own settings (latency, timeout_sleep...), stopped after the test."""
    started: list[FaultServer] = []

    def make(**kwargs: object) -> FaultServer:
        server = FaultServer(**kwargs)  # type: ignore[arg-type]
        server.start()
        started.append(server)
        return server

    yield make
    for server in started:
        server.stop()


@pytest.fixture
def nonce() -> str:
    return uuid.uuid4().hex[:10]
