"""A throwaway Redis server for the tests: Debian's ``redis-server``, its folder in tmp,
listening on a free loopback port only, nothing saved to disk, stopped at the end."""

from __future__ import annotations

import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from support.ports import free_port
from support.processes import stop

START_SECONDS = 30
BINARY = "/usr/bin/redis-server"


@contextmanager
def redis_server() -> Iterator[str]:
    """Start a server; yield its URL (``redis://127.0.0.1:<port>/0``)."""
    binary = shutil.which("redis-server") or (BINARY if Path(BINARY).exists() else None)
    if binary is None:
        raise RuntimeError("Redis is not installed: `make system-deps` installs Debian's redis-server package")
    root = Path(tempfile.mkdtemp(prefix="kb-test-redis-"))
    port = free_port()
    log = (root / "server.log").open("wb")
    process = subprocess.Popen(
        [binary, "--bind", "127.0.0.1", "--port", str(port), "--dir", str(root), "--save", "", "--appendonly", "no",
         "--protected-mode", "yes", "--daemonize", "no", "--logfile", ""],
        stdout=log, stderr=subprocess.STDOUT, cwd=root)
    try:
        _wait(port, process)
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        stop(process)
        log.close()
        shutil.rmtree(root, ignore_errors=True)


def ping(port: int) -> bool:
    """True when a Redis answers PING on *port* (spoken by hand: no client needed to tell)."""
    import socket

    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1) as sock:
            sock.sendall(b"PING\r\n")
            return sock.recv(16).startswith(b"+PONG")
    except OSError:
        return False


def _wait(port: int, process: subprocess.Popen) -> None:
    deadline = time.monotonic() + START_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"redis-server exited with {process.returncode}")
        if ping(port):
            return
        time.sleep(0.05)
    raise RuntimeError(f"Redis did not answer on port {port}")
