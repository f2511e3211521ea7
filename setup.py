"""Build hook: wheels and sdists ship the dashboard's built assets (src/leonet/web/dist), built with npm when they
are missing, so `pip install` users get the dashboard without Node. All other metadata is in pyproject.toml."""

import shutil
import subprocess
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

WEB = Path(__file__).resolve().parent / "src" / "leonet" / "web"


class BuildWithDashboard(build_py):
    def run(self):
        if not getattr(self, "editable_mode", False) and not (WEB / "dist" / "index.html").is_file():
            npm = shutil.which("npm")
            if npm and (WEB / "package.json").is_file():
                subprocess.run([npm, "ci", "--no-audit", "--no-fund", "--loglevel=error"], cwd=WEB, check=True)
                subprocess.run([npm, "run", "build"], cwd=WEB, check=True)
            else:
                print("warning: npm not found; building leonet without the web dashboard's assets")
        super().run()


setup(cmdclass={"build_py": BuildWithDashboard})
