"""Free loopback ports for the servers the tests start (kb serve, PostgreSQL, Redis, haproxy)."""

from __future__ import annotations

import socket

_handed_out: set[int] = set()


def free_port() -> int:
    """A loopback port nobody listens on now, and never one this test process handed out before.

    The socket is closed before the port is used, so the kernel may offer the same port again
    to the next caller: two servers of one test (kb serve and its database) were once given the
    same port. Remembering what was handed out rules that out within the test run.
    """
    while True:
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            port = sock.getsockname()[1]
        if port not in _handed_out:
            _handed_out.add(port)
            return port
