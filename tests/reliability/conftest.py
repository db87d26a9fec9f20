"""The reliability suite (marker ``slow``): a seeded fault matrix, kill -9 of the emulator, threads and
processes, and long fuzzing — each with a sample size (what CI runs) and the full size of the targets.

    pytest tests/reliability                                   # the seeded sample (CI)
    pytest tests/reliability --reliability=full -p no:randomly  # the targets (protocol-notes/reliability.md)
    KKT_RELIABILITY_SEED=7 pytest tests/reliability             # another seed

Each test prints its counts (``-s`` shows them); the full run writes them to ``$KKT_RELIABILITY_REPORT``
(JSON lines) when that is set.
"""

from __future__ import annotations

import os

import pytest
from reliability_kit import Scale


@pytest.fixture
def scale(request: pytest.FixtureRequest) -> Scale:
    return Scale(request.config.getoption("--reliability") == "full",
                 int(os.environ.get("KKT_RELIABILITY_SEED", "20261202")))
