import subprocess
import sys

import leonet


def test_speed_of_light_is_the_si_value():
    assert leonet.C_KM_S == 299_792.458


def test_cli_help_lists_commands():
    out = subprocess.run([sys.executable, "-m", "leonet", "--help"], capture_output=True, text=True, check=True)
    assert "leonet" in out.stdout


def test_outputs_follow_the_umask(tmp_path):
    """Atomic writes go through mkstemp (mode 0600); the finished file gets 0666 less the umask like open()."""
    import os

    from leonet.io import atomic_path

    old = os.umask(0o027)
    try:
        with atomic_path(tmp_path / "a.csv") as tmp:
            tmp.write_text("x\n")
        with open(tmp_path / "b.csv", "w") as f:
            f.write("x\n")
    finally:
        os.umask(old)
    assert (tmp_path / "a.csv").stat().st_mode & 0o777 == 0o640 == (tmp_path / "b.csv").stat().st_mode & 0o777
