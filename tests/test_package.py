import subprocess
import sys

import leonet


def test_speed_of_light_is_the_si_value():
    assert leonet.C_KM_S == 299_792.458


def test_cli_help_lists_commands():
    out = subprocess.run([sys.executable, "-m", "leonet", "--help"], capture_output=True, text=True, check=True)
    assert "leonet" in out.stdout
