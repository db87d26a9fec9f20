"""Test-wide settings: hypothesis is told that CI machines may be slow and shared.

Generation speed and example deadlines depend on the machine, not on our code, so neither may fail a run;
each test still states its own example count. No example database is kept, so a run never depends on an
earlier one. Examples are derandomized (the same every run, so CI is a seeded sample); the ``explore`` profile
(``pytest --hypothesis-profile=explore``) draws new ones each run.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

sys.path.insert(0, str(Path(__file__).parent))  # tests/samples.py for every test folder

settings.register_profile(
    "kkt",
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
    derandomize=True,  # the same examples every run: CI is a seeded sample, never a lottery
)
# new random examples each run, to look for what the seeded ones miss: --hypothesis-profile=explore
settings.register_profile("explore", parent=settings.get_profile("kkt"), derandomize=False)
settings.load_profile("kkt")


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--reliability", choices=("sample", "full"), default="sample",
                     help="reliability suite size: the seeded sample (default, CI) or the full targets")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        if "tests/reliability/" in str(item.path).replace(os.sep, "/"):
            item.add_marker(pytest.mark.slow)
            if config.getoption("--reliability") == "full":
                item.add_marker(pytest.mark.timeout(6 * 3600))
