"""haproxy in front of the tests' replicas: Debian's ``haproxy`` with the operators' own
configuration file (docs/operators/deploy/haproxy.cfg, used as it is: the addresses come from
the environment), on a free loopback port, its admin socket in a tmp folder.

:func:`server_states` reads what haproxy thinks of each replica (UP, DOWN...) through the
admin socket, so that a test waits for haproxy's own view instead of sleeping.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from support.ports import free_port
from support.processes import stop

CONFIG = Path(__file__).resolve().parents[2] / "docs" / "operators" / "deploy" / "haproxy.cfg"
START_SECONDS = 30


@dataclass
class Haproxy:
    url: str  # http://127.0.0.1:<port>
    socket_path: Path
    log_path: Path

    def command(self, line: str) -> str:
        """One command on the admin socket (``show stat``, ``disable server replicas/replica1``)."""
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
            sock.settimeout(5)
            sock.connect(str(self.socket_path))
            sock.sendall(line.encode() + b"\n")
            chunks = []
            while chunk := sock.recv(65536):
                chunks.append(chunk)
        return b"".join(chunks).decode()

    def server_states(self) -> dict[str, str]:
        """Each replica's status as haproxy sees it: ``{"replica1": "UP", "replica2": "DOWN"}``."""
        lines = self.command("show stat").splitlines()
        header = lines[0].lstrip("# ").split(",")
        states = {}
        for line in lines[1:]:
            row = dict(zip(header, line.split(","), strict=False))
            if row.get("svname") not in (None, "FRONTEND", "BACKEND") and row.get("pxname") == "replicas":
                states[row["svname"]] = row["status"]
        return states

    def wait_for(self, wanted: dict[str, str], seconds: float = 60) -> float:
        """Wait until the replicas' states start with *wanted* (``UP``, ``DOWN``); seconds waited."""
        started = time.monotonic()
        while time.monotonic() - started < seconds:
            states = self.server_states()
            if all(states.get(name, "").startswith(state) for name, state in wanted.items()):
                return time.monotonic() - started
            time.sleep(0.05)
        raise AssertionError(f"haproxy states {self.server_states()} never became {wanted}")

    def log_lines(self) -> list[str]:
        return self.log_path.read_text(errors="replace").splitlines()


@contextmanager
def haproxy(replicas: list[str]) -> Iterator[Haproxy]:
    """Start haproxy in front of *replicas* (``host:port``, two: the configuration names two)."""
    binary = shutil.which("haproxy") or "/usr/sbin/haproxy"
    if not Path(binary).exists():
        raise RuntimeError("haproxy is not installed: `make system-deps` installs Debian's haproxy package")
    root = Path(tempfile.mkdtemp(prefix="kb-test-haproxy-"))
    port = free_port()
    lb = Haproxy(f"http://127.0.0.1:{port}", root / "admin.sock", root / "haproxy.log")
    env = {**os.environ, "KB_LB_BIND": f"127.0.0.1:{port}", "KB_LB_SOCKET": str(lb.socket_path),
           **{f"KB_REPLICA{number}": address for number, address in enumerate(replicas, 1)}}
    check = subprocess.run([binary, "-c", "-q", "-f", str(CONFIG)], env=env, capture_output=True, text=True)
    if check.returncode:
        raise RuntimeError(f"haproxy refused {CONFIG}:\n{check.stdout}{check.stderr}")
    log = lb.log_path.open("wb")
    process = subprocess.Popen([binary, "-db", "-f", str(CONFIG)], env=env, stdout=log, stderr=subprocess.STDOUT,
                               cwd=root)
    try:
        deadline = time.monotonic() + START_SECONDS
        while not lb.socket_path.exists():
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"haproxy did not start:\n{lb.log_path.read_text(errors='replace')}")
            time.sleep(0.05)
        yield lb
    finally:
        stop(process)
        log.close()
        shutil.rmtree(root, ignore_errors=True)
