"""A throwaway PostgreSQL server for the tests: Debian's binaries, a cluster in a temporary
folder, listening on a free loopback port and a Unix socket in that folder, stopped at the end.

initdb and postgres refuse to run as root, and CI may run the tests as root; then the
cluster belongs to ``nobody`` and every command runs through ``runuser -u nobody``. The
folder is made with ``tempfile.mkdtemp`` (not under pytest's tmp_path, whose parents are
private to the user running the tests, so nobody could not enter them).
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from support.ports import free_port

START_SECONDS = 60
PG_USER = "kb"
UNPRIVILEGED = "nobody"


def binaries() -> Path | None:
    """The newest ``/usr/lib/postgresql/<version>/bin`` with initdb (Debian's layout), or None."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(Path(p).parent.parent.name))
    return Path(found[-1]).parent if found else None


def _as_owner(command: list[str]) -> list[str]:
    return ["runuser", "-u", UNPRIVILEGED, "--", *command] if os.geteuid() == 0 else command


def _run(command: list[str], cwd: Path, **kwargs) -> subprocess.CompletedProcess:
    # In the cluster's own folder: the user running it may not be allowed into the current one.
    result = subprocess.run(_as_owner(command), capture_output=True, text=True, cwd=cwd, **kwargs)
    if result.returncode:
        raise RuntimeError(f"{' '.join(command)} failed ({result.returncode}):\n{result.stdout}\n{result.stderr}")
    return result


@contextmanager
def postgres_server() -> Iterator[str]:
    """Start a server; yield its SQLAlchemy URL (``postgresql://kb@127.0.0.1:<port>/postgres``)."""
    bin_dir = binaries()
    if bin_dir is None:
        raise RuntimeError("PostgreSQL is not installed: `make system-deps` installs Debian's postgresql package")
    root = Path(tempfile.mkdtemp(prefix="kb-test-pg-"))
    data, log = root / "data", root / "server.log"
    if os.geteuid() == 0:
        shutil.chown(root, UNPRIVILEGED)
    port = free_port()
    try:
        _run([str(bin_dir / "initdb"), "-D", str(data), "-U", PG_USER, "-A", "trust", "-E", "UTF8",
              "--no-sync", "--no-instructions"], root)
        _run([str(bin_dir / "pg_ctl"), "-D", str(data), "-l", str(log), "-w", "-t", str(START_SECONDS), "start",
              "-o", f"-c listen_addresses=127.0.0.1 -p {port} -k {root} -c fsync=off -c full_page_writes=off"],
             root, timeout=START_SECONDS + 10)
        _wait(port)
        yield f"postgresql://{PG_USER}@127.0.0.1:{port}/postgres"
    finally:
        if (data / "postmaster.pid").exists():
            subprocess.run(_as_owner([str(bin_dir / "pg_ctl"), "-D", str(data), "-m", "fast", "-w", "stop"]),
                           capture_output=True, timeout=60, cwd=root)
        shutil.rmtree(root, ignore_errors=True)


def _wait(port: int) -> None:
    deadline = time.monotonic() + START_SECONDS
    while time.monotonic() < deadline:
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    raise RuntimeError(f"PostgreSQL did not listen on port {port}")
