"""Slot timing: Starlink's global scheduler reconfigures every 15 s, at seconds 12, 27, 42 and 57 of each UTC
minute (Tanveer et al., "Making Sense of Constellations: Methodologies for Understanding Starlink's Scheduling
Algorithms", CoNEXT'23 companion, arXiv 2307.00402, https://arxiv.org/abs/2307.00402 , 2023 [uncertain: the exact
seconds are attributed to that study by secondary sources]; the 15-s period: Mohan et al., WWW'24, arXiv 2310.09242).
References: docs/references.md."""

from __future__ import annotations

import math
from datetime import UTC, datetime

SLOT_PHASE_S = 12.0  # a slot boundary falls 12 s after every UTC minute (arXiv 2307.00402)


def first_slot_start(start: datetime, slot_s: float) -> datetime:
    """The first slot boundary at or after ``start``: UNIX seconds ≡ 12 (mod ``slot_s``) for a 15-s slot, which
    is :12, :27, :42, :57 of each minute."""
    t = start.timestamp()
    k = math.ceil(round((t - SLOT_PHASE_S) / slot_s, 9))
    return datetime.fromtimestamp(SLOT_PHASE_S + k * slot_s, UTC)
