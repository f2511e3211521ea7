"""The README as a newcomer meets it: every ```bash and ```python block runs as written, from a directory laid out
like a clone (``src/`` and ``examples/``), with the CLI on PATH.

Rules of the runner, so the README stays honest:
- the "Two commands" block (``make demo``, ``make test``) is the harness of this very suite and is not re-run;
- a line that starts a server (``leonet serve``, ``leonet demo``, ``leonet dish serve``) runs in the background until
  its port answers, and is stopped at the end of its block; the README's ports are replaced by free ones;
- ``--attach http://127.0.0.1:8000`` needs a running demo: one is started (``LEONET_ADMIN_KEY=k``) for that line;
- a program the README marks "if … is installed" is skipped when it is not on PATH.
Each other line must exit 0.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")
SERVER = re.compile(r"\bleonet (serve|demo|dish serve)\b")


def _blocks(lang: str) -> list[str]:
    return re.findall(rf"```{lang}\n(.*?)```", README, flags=re.S)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_port(port: int, proc: subprocess.Popen, timeout_s: float = 180.0) -> None:
    end = time.monotonic() + timeout_s
    while time.monotonic() < end:
        if proc.poll() is not None:
            raise AssertionError(f"server exited with {proc.returncode}: {proc.stdout.read()[-2000:]}")
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.3)
    raise AssertionError(f"port {port} never answered")


@pytest.fixture()
def clone(tmp_path):
    (tmp_path / "src").symlink_to(ROOT / "src")
    (tmp_path / "examples").symlink_to(ROOT / "examples")
    return tmp_path


def _env(clone: Path) -> dict[str, str]:
    env = dict(os.environ)
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    env["LEONET_CACHE"] = str(clone / ".cache")
    env.pop("LEONET_DB", None)
    env.pop("LEONET_ADMIN_KEY", None)
    return env


def _lines(block: str) -> list[str]:
    joined = re.sub(r"\\\n\s*", " ", block)
    return [line.strip() for line in joined.splitlines() if line.strip() and not line.strip().startswith("#")]


def _program(line: str) -> str:
    """The program a shell line runs (after any VAR=value prefixes)."""
    words = shlex.split(line, comments=True)
    while words and re.match(r"^[A-Z_][A-Z0-9_]*=", words[0]):
        words.pop(0)
    return words[0] if words else ""


def _start(line: str, clone: Path, env: dict, port: int) -> subprocess.Popen:
    proc = subprocess.Popen(["bash", "-c", line], cwd=clone, env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True, start_new_session=True)
    _wait_port(port, proc)
    return proc


@pytest.mark.slow
@pytest.mark.timeout(1800)  # every README block, servers included: minutes, longer on a loaded machine
def test_every_readme_bash_block_runs_as_written(clone):
    blocks = _blocks("bash")
    assert len(blocks) >= 4
    env = _env(clone)
    ran = []
    for block in blocks:
        if "make demo" in block and "make test" in block:
            continue
        ports = {p: _free_port() for p in sorted(set(re.findall(r"\b(8000|9[0-9]00|9201)\b", block)))}
        for old, new in ports.items():
            block = re.sub(rf"\b{old}\b", str(new), block)
        servers: list[subprocess.Popen] = []
        try:
            for line in _lines(block):
                program = _program(line)
                if "if grpcurl is installed" in line and shutil.which(program) is None:
                    continue
                attach = re.search(r"--attach http://127\.0\.0\.1:(\d+)", line)
                if attach:
                    demo_env = dict(env, LEONET_ADMIN_KEY=line.split("=", 1)[1].split()[0])
                    servers.append(_start(f"leonet demo --port {attach.group(1)} --no-browser --db "
                                          f"sqlite:///{clone}/attach.sqlite", clone, demo_env, int(attach.group(1))))
                if SERVER.search(line):
                    port = int(re.search(r"--port (\d+)", line).group(1))
                    servers.append(_start(line, clone, env, port))
                    ran.append(line)
                    continue
                done = subprocess.run(["bash", "-c", line], cwd=clone, env=env, capture_output=True, text=True,
                                      timeout=600)
                assert done.returncode == 0, f"README line failed: {line}\n{done.stdout[-2000:]}{done.stderr[-2000:]}"
                ran.append(line)
        finally:
            for proc in servers:
                os.killpg(proc.pid, 15)
                proc.wait(timeout=30)
    assert any(line.startswith("leonet routes") for line in ran)
    assert (clone / "rtt.png").stat().st_size > 0 and (clone / "out.csv").exists()
    assert (clone / "rtt.png").stat().st_mode & 0o077 == 0o644 & ~_umask() & 0o077  # written with the umask


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def test_readme_python_example_runs(clone, monkeypatch, capsys):
    blocks = _blocks("python")
    assert blocks
    monkeypatch.chdir(clone)
    for block in blocks:
        exec(compile(block, "README.md", "exec"), {})
    out = capsys.readouterr().out
    assert "'src': 'Kyiv'" in out and "'rtt_ms'" in out
