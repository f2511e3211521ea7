"""Build hook: wheels and sdists ship the dashboard's built assets (src/leonet/web/dist), built with npm when they
are missing, so `pip install` users get the dashboard without Node. `python -m build` makes the sdist first and the
wheel from the unpacked sdist, which holds only the built assets (not the TypeScript sources): the sdist step must
therefore build them. All other metadata is in pyproject.toml."""

import shutil
import subprocess
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py
from setuptools.command.sdist import sdist

WEB = Path(__file__).resolve().parent / "src" / "leonet" / "web"


def build_dashboard() -> None:
    """Build src/leonet/web/dist with npm unless it is there (`npm ci` first when node_modules is missing)."""
    if (WEB / "dist" / "index.html").is_file():
        return
    if not (WEB / "package.json").is_file():
        print("warning: the dashboard's sources are not in this tree; building leonet without its assets")
        return
    npm = shutil.which("npm")
    if npm is None:
        print("warning: npm not found; building leonet without the web dashboard's assets")
        return
    if not (WEB / "node_modules").is_dir():
        subprocess.run([npm, "ci", "--no-audit", "--no-fund", "--loglevel=error"], cwd=WEB, check=True)
    subprocess.run([npm, "run", "build"], cwd=WEB, check=True)


class BuildWithDashboard(build_py):
    def run(self):
        if not getattr(self, "editable_mode", False):
            build_dashboard()
        super().run()


class SdistWithDashboard(sdist):
    def run(self):
        build_dashboard()  # before the file list is made (MANIFEST.in grafts src/leonet/web/dist)
        super().run()


setup(cmdclass={"build_py": BuildWithDashboard, "sdist": SdistWithDashboard})
