"""Shared data for the fiscal contract tests."""

from __future__ import annotations

import pytest
from samples import REGISTRATION

from kkt_drivers.types import Registration


@pytest.fixture
def registration() -> Registration:
    return REGISTRATION
