"""Shared data for the fiscal contract tests."""

from __future__ import annotations

import pytest

from kkt_drivers.types import (
    Registration,
    TaxationSystem,
)


@pytest.fixture
def registration() -> Registration:
    return Registration(user_name='ООО "Ромашка"', inn="7701234567", rnm="0000000001033619",
                        address="г. Москва, ул. Тверская, 1", place="Магазин №1",
                        taxation=TaxationSystem.OSN | TaxationSystem.USN_INCOME,
                        ofd_inn="7704358518", ofd_name='ООО "Ярус"', sender_email="shop@example.com")
