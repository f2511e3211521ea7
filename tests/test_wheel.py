"""A wheel that works without the source tree: `python -m build` makes it (dashboard assets, protos, package data
and migrations inside), a fresh virtualenv installs it from PyPI's dependencies, and `leonet demo` run from an
empty directory serves the dashboard's HTML and the API."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
import venv
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.slow
@pytest.mark.timeout(1800)
def test_wheel_installs_and_serves_the_dashboard_outside_the_source_tree(tmp_path):
    if not (ROOT / "src/leonet/web/dist/index.html").is_file():
        pytest.fail("the dashboard is not built (scripts/setup.sh builds it with npm)")
    dist = tmp_path / "dist"
    subprocess.run([sys.executable, "-m", "build", "--wheel", "--no-isolation", "--outdir", str(dist), str(ROOT)],
                   check=True, capture_output=True, text=True)
    wheel = next(dist.glob("leonet-*.whl"))
    names = zipfile.ZipFile(wheel).namelist()
    for needed in ("leonet/web/dist/index.html", "leonet/data/cities_top100.csv", "leonet/data/licensing.csv",
                   "leonet/store/migrations/env.py"):
        assert needed in names, needed
    assert any(n.startswith("leonet/dish/protos/") and n.endswith((".proto", ".protoset")) for n in names)
    assert any(n.startswith("leonet/web/dist/assets/") and n.endswith(".js") for n in names)

    env_dir = tmp_path / "venv"
    venv.EnvBuilder(with_pip=True, system_site_packages=False).create(env_dir)
    clean = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV")}
    pip = subprocess.run([str(env_dir / "bin/pip"), "install", "--quiet", str(wheel)], capture_output=True,
                         text=True, timeout=800, env=clean)
    assert pip.returncode == 0, pip.stderr[-3000:]

    work = tmp_path / "elsewhere"
    work.mkdir()
    port = _free_port()
    env = {"PATH": f"{env_dir / 'bin'}:/usr/bin:/bin", "HOME": str(tmp_path), "LEONET_CACHE": str(tmp_path / "c")}
    assert (env_dir / "bin/leonet").is_file(), pip.stdout[-2000:]
    proc = subprocess.Popen([str(env_dir / "bin/leonet"), "demo", "--no-browser", "--port", str(port), "--db",
                             f"sqlite:///{work}/demo.sqlite"], cwd=work, env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True)
    try:
        html = None
        end = time.monotonic() + 900  # first start builds the border cache: minutes on a loaded 2-core machine
        while time.monotonic() < end and proc.poll() is None:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=5) as resp:
                    html = resp.read().decode()
                break
            except OSError:
                time.sleep(0.5)
        assert html is not None, proc.stdout.read()[-3000:] if proc.poll() is not None else "no answer"
        assert "<html" in html.lower() and "/assets/" in html
        script = html.split('src="', 1)[1].split('"', 1)[0]
        with urllib.request.urlopen(f"http://127.0.0.1:{port}{script}", timeout=10) as resp:
            assert resp.status == 200 and len(resp.read()) > 1000
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/v1/health", timeout=10) as resp:
            assert resp.status == 200
    finally:
        proc.terminate()
        proc.wait(timeout=30)


@pytest.mark.slow
@pytest.mark.timeout(900)
def test_python_m_build_on_a_clone_without_built_assets_ships_the_dashboard(tmp_path):
    """`python -m build` (no flags) makes the sdist, then the wheel from the unpacked sdist. On a fresh clone the
    dashboard was never built: the sdist step must build it, or neither file carries it."""
    node_modules = ROOT / "src/leonet/web/node_modules"
    if not node_modules.is_dir():
        pytest.fail("the dashboard's npm packages are not installed (scripts/setup.sh runs npm ci)")
    clone = tmp_path / "clone"
    shutil.copytree(ROOT / "src", clone / "src", ignore=shutil.ignore_patterns(
        "node_modules", "dist", "__pycache__", "*.egg-info"))
    for name in ("pyproject.toml", "setup.py", "MANIFEST.in", "README.md"):
        shutil.copy2(ROOT / name, clone / name)
    (clone / "src/leonet/web/node_modules").symlink_to(node_modules)  # npm ci's result, without the network
    dist = tmp_path / "dist"
    done = subprocess.run([sys.executable, "-m", "build", "--no-isolation", "--outdir", str(dist), str(clone)],
                          capture_output=True, text=True, timeout=800)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    sdist = next(dist.glob("leonet-*.tar.gz"))
    wheel = next(dist.glob("leonet-*.whl"))
    import tarfile

    with tarfile.open(sdist) as tar:
        assert any(n.endswith("src/leonet/web/dist/index.html") for n in tar.getnames())
    names = zipfile.ZipFile(wheel).namelist()
    assert "leonet/web/dist/index.html" in names
    assert any(n.startswith("leonet/web/dist/assets/") and n.endswith(".js") for n in names)
