"""The suite's guard: a test that tries to reach a real host fails at once, naming it."""

from __future__ import annotations

import socket

import pytest
import requests


def test_a_connection_beyond_loopback_fails_at_once():
    with pytest.raises(OSError, match="must not reach the network"):
        socket.create_connection(("192.0.2.1", 443), timeout=5)   # TEST-NET-1, never routed


def test_requests_to_a_real_host_fail_too():
    with pytest.raises(requests.exceptions.ConnectionError):
        requests.get("http://192.0.2.1/", timeout=5)


def test_loopback_stays_open():
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen(1)
        with socket.create_connection(server.getsockname(), timeout=5):
            pass
