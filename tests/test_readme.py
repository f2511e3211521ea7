"""The README's Python example runs as written (on a small ground-station file)."""

from __future__ import annotations

import re
from pathlib import Path


def test_readme_python_example_runs(tmp_path, monkeypatch, capsys):
    text = (Path(__file__).resolve().parents[1] / "README.md").read_text()
    blocks = re.findall(r"```python\n(.*?)```", text, flags=re.S)
    assert blocks
    (tmp_path / "gs.csv").write_text("name,lat_deg,lon_deg,alt_m\nKyiv,50.45,30.52,0\nWarsaw,52.23,21.01,0\n")
    monkeypatch.chdir(tmp_path)
    for block in blocks:
        exec(compile(block, "README.md", "exec"), {})
    out = capsys.readouterr().out
    assert "'src': 'Kyiv'" in out and "'rtt_ms'" in out
