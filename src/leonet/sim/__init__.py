"""The living system: scenario → 15-second slots → telemetry, incidents. See docs/sim.md; views read
``leonet.sim.interface``."""

from leonet.scenario import Scenario, default_scenario_path, load_scenario
from leonet.sim.engine import Simulation
from leonet.sim.interface import NetworkView, SecondSamples, SimulationView, SlotState, TerminalView

__all__ = ["NetworkView", "Scenario", "SecondSamples", "Simulation", "SimulationView", "SlotState", "TerminalView",
           "default_scenario_path", "load_scenario"]
