"""``pip install .`` (not editable) gives a working Vastaus: the wheel holds the code, the
catalogs and the whole plugin, and nothing else; installed in a fresh virtual environment
outside the checkout, ``kb index``, a Finnish ``kb --help`` and ``kb serve`` (the demo page, a
file deep in the plugin, the plugin's Finnish strings) work without the checkout on ``sys.path``.

The wheel is built from a copy of the checkout's files (tracked and untracked, not ignored),
so that the build's own ``build/`` and ``*.egg-info`` never land in the working tree, with
``__pycache__`` folders compiled into the copy as a checkout that has run the tests has them.
Dependencies come from the package index pip is configured for (``pip config list``).
"""

from __future__ import annotations

import compileall
import json
import os
import shutil
import signal
import subprocess
import sys
import time
import urllib.request
import zipfile
from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from conftest import REPO, SAMPLE
from support.api_support import free_port, http

from kb import __version__, i18n

pytestmark = [pytest.mark.live_server, pytest.mark.slow]

DIST_INFO = f"vastaus-{__version__}.dist-info"
DESCRIPTION = "Vastaus: canned replies for customer service."


def run(command: list[str], *, env: dict[str, str], cwd: Path, timeout: float = 600) -> subprocess.CompletedProcess:
    done = subprocess.run(command, env=env, cwd=cwd, capture_output=True, text=True, timeout=timeout)
    assert done.returncode == 0, f"{command} exited with {done.returncode}:\n{done.stdout[-4000:]}\n{done.stderr[-4000:]}"
    return done


def outside(path: Path) -> Path:
    assert not path.resolve().is_relative_to(REPO), f"{path} is inside the checkout"
    return path


def clean_env(bin_dir: Path | None = None, **extra: str) -> dict[str, str]:
    """The environment without anything that points Python at the checkout or a venv, nor any
    Vastaus setting; pip's own configuration (PIP_*) stays."""
    env = {key: value for key, value in os.environ.items()
           if not key.startswith(("PYTHON", "KB_", "VIRTUAL_ENV", "PYTEST_"))}
    if bin_dir is not None:
        env["PATH"] = f"{bin_dir}{os.pathsep}{env.get('PATH', '')}"
        env["VIRTUAL_ENV"] = str(bin_dir.parent)
    env["LANGUAGE"] = "en"
    return {**env, **extra}


def checkout_files() -> list[str]:
    listed = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"], cwd=REPO,
                            check=True, capture_output=True, text=True).stdout
    return sorted(name for name in listed.split("\0") if name and (REPO / name).is_file())


@pytest.fixture(scope="module")
def source(tmp_path_factory) -> tuple[Path, list[str]]:
    """A copy of the checkout, with the ``__pycache__`` folders a test run leaves behind."""
    root = outside(tmp_path_factory.mktemp("checkout"))
    files = checkout_files()
    for name in files:
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(REPO / name, root / name)
    for folder in ("kb", "plugin", "locales"):
        assert compileall.compile_dir(root / folder, quiet=1)
    assert list((root / "plugin").glob("*/__pycache__/*.pyc")), "the copy should have plugin/*/__pycache__"
    return root, files


@pytest.fixture(scope="module")
def wheel(source, tmp_path_factory) -> Path:
    root, _ = source
    out = outside(tmp_path_factory.mktemp("wheelhouse"))
    run([sys.executable, "-m", "pip", "wheel", str(root), "--no-deps", "--quiet", "-w", str(out)], env=clean_env(), cwd=out)
    (built,) = out.glob("vastaus-*.whl")
    return built


@pytest.fixture(scope="module")
def venv(wheel, tmp_path_factory) -> Path:
    """A fresh virtual environment (no system site-packages) with the wheel and its dependencies."""
    root = outside(tmp_path_factory.mktemp("venv"))
    run([sys.executable, "-m", "venv", str(root)], env=clean_env(), cwd=root)
    assert "include-system-site-packages = false" in (root / "pyvenv.cfg").read_text()
    run([str(root / "bin" / "python"), "-m", "pip", "install", "--quiet", str(wheel)], env=clean_env(root / "bin"),
        cwd=root)
    return root


@pytest.fixture(scope="module")
def work(venv, tmp_path_factory) -> Path:
    """A working folder outside the checkout holding a copy of the sample knowledge base."""
    root = outside(tmp_path_factory.mktemp("work"))
    shutil.copytree(SAMPLE, root / "responses")
    return root


def test_the_wheel_holds_the_package_and_nothing_else(wheel, source) -> None:
    _, files = source
    names = set(zipfile.ZipFile(wheel).namelist())
    assert not sorted(name for name in names if "__pycache__" in name or name.endswith((".pyc", ".pyo")))
    assert {name.split("/")[0] for name in names} == {"kb", DIST_INFO}  # no tests/, docs/, plugin/, locales/ beside kb/
    expected = {f"kb/{name[len('kb/'):]}" for name in files if name.startswith("kb/")}
    expected |= {f"kb/plugin/{name[len('plugin/'):]}" for name in files if name.startswith("plugin/")}
    expected |= {f"kb/locales/{name[len('locales/'):]}" for name in files
                 if name.startswith("locales/") and (name.endswith(".po") or name.endswith("__init__.py"))}
    assert any(name.startswith("kb/plugin/freshdesk/app/styles/") for name in expected)  # the deepest plugin folder
    assert any(name.endswith("/LC_MESSAGES/plugin.po") for name in expected)
    assert sorted(expected - names) == []


def test_the_installed_package_is_the_wheel_not_the_checkout(venv, work) -> None:
    done = run([str(venv / "bin" / "python"), "-c",
                "import sys, kb, kb.resources as r; print(kb.__file__); print(r.locales_dir()); print(r.plugin_dir());"
                " print(*sys.path, sep='\\n')"], env=clean_env(venv / "bin"), cwd=work)
    kb_file, locales, plugin, *path = done.stdout.splitlines()
    for found in (kb_file, locales, plugin):
        assert Path(found).resolve().is_relative_to(venv.resolve()), found
    assert [entry for entry in path if entry and Path(entry).resolve().is_relative_to(REPO)] == []
    assert (Path(locales) / "fi" / "LC_MESSAGES" / "messages.po").is_file()
    assert (Path(plugin) / "demo" / "index.html").is_file()


def test_index_and_finnish_help(venv, work) -> None:
    kb = str(venv / "bin" / "kb")
    run([kb, "index", "--responses", str(work / "responses"), "--index", str(work / "index")],
        env=clean_env(venv / "bin"), cwd=work)
    assert (work / "index" / "current").exists()
    with (REPO / "locales" / "fi" / "LC_MESSAGES" / "messages.po").open("rb") as po:
        finnish = read_po(po, locale="fi")[DESCRIPTION].string
    assert finnish and finnish != DESCRIPTION
    done = run([kb, "--help"], env=clean_env(venv / "bin", LANGUAGE="fi"), cwd=work)
    assert finnish in done.stdout and DESCRIPTION not in done.stdout, done.stdout
    assert DESCRIPTION in run([kb, "--help"], env=clean_env(venv / "bin"), cwd=work).stdout


def get(url: str) -> tuple[int, str, bytes]:
    with urllib.request.urlopen(url, timeout=10) as response:  # follows the redirect of /
        return response.status, response.url, response.read()


def test_serve_the_demo_and_the_finnish_strings(venv, work) -> None:
    if not (work / "index" / "current").exists():  # run alone: index first
        run([str(venv / "bin" / "kb"), "index", "--responses", str(work / "responses"), "--index", str(work / "index")],
            env=clean_env(venv / "bin"), cwd=work)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    log_path = work / "serve.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen([str(venv / "bin" / "kb"), "serve", "--port", str(port), "--responses",
                                    str(work / "responses"), "--index", str(work / "index"), "--watch-seconds", "0",
                                    "--workers", "1"], cwd=work, env=clean_env(venv / "bin"), stdout=log,
                                   stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 60
        while True:
            assert process.poll() is None, f"kb serve exited with {process.returncode}:\n{log_path.read_text()}"
            try:
                if http("GET", base + "/api/v1/health", timeout=2)[0] == 200:
                    break
            except OSError:
                pass
            assert time.monotonic() < deadline, f"kb serve did not answer in 60 s:\n{log_path.read_text()}"
            time.sleep(0.2)

        status, url, body = get(base + "/")
        assert (status, url) == (200, base + "/plugin/demo/index.html")
        assert body == (REPO / "plugin" / "demo" / "index.html").read_bytes()
        for name in ("core/panel.js", "freshdesk/app/styles/style.css"):
            status, _, body = get(f"{base}/plugin/{name}")
            assert status == 200 and body == (REPO / "plugin" / name).read_bytes(), name

        status, _, body = get(base + "/api/v1/i18n/fi")
        strings = json.loads(body)
        expected = i18n.plugin_messages(i18n.negotiate(["fi"]))["messages"]  # the checkout's catalog, in process
        assert status == 200 and strings["lang"] == "fi"
        assert strings["messages"] == expected
        assert sum(1 for english, finnish in expected.items() if isinstance(finnish, str) and finnish != english) > 20
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            code = process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
            code = None
    assert code == 0, f"kb serve did not stop cleanly ({code}):\n{log_path.read_text()}"
    assert "Traceback" not in log_path.read_text(), log_path.read_text()
