"""leonet: an open, fast digital twin of a LEO satellite internet system.

The physics half (``orbits``, ``ground``, ``network``, ``scheduler``) is pure and vectorised; the control plane
(``access``) is the system of record for who may be served where; ``sim`` joins them in 15-second slots.
"""

__version__ = "0.1.0"

C_KM_S = 299_792.458
"""Speed of light in vacuum, km/s (exact, SI definition)."""
