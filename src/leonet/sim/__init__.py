"""The living system: scenario → 15-second slots → telemetry, incidents. See docs/sim.md."""

from leonet.scenario import Scenario, default_scenario_path, load_scenario
from leonet.sim.engine import Simulation
from leonet.sim.state import TerminalHistory, TerminalState

__all__ = ["Scenario", "Simulation", "TerminalHistory", "TerminalState", "default_scenario_path", "load_scenario"]
