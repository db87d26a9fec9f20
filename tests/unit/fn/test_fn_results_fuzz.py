"""Property round trips of the typed answers and the variable-layout commands."""

from __future__ import annotations

import datetime as dt

from hypothesis import given, settings
from hypothesis import strategies as st

from kkt_drivers.protocols import fn
from kkt_drivers.protocols.fn.enums import CurrentDocument, LifePhase, OfdExchangeFlags, WarningFlags

SETTINGS = settings(max_examples=200, deadline=None, database=None)

u16 = st.integers(0, 0xFFFF)
u32 = st.integers(0, 0xFFFF_FFFF)
minutes = st.datetimes(dt.datetime(2000, 1, 1, 0, 1), dt.datetime(2255, 12, 31, 23, 59)).map(
    lambda d: d.replace(second=0, microsecond=0))
maybe_minutes = st.none() | minutes
digits = st.text("0123456789", min_size=1, max_size=16)


def round_trip(code: int, result: object) -> object:
    return fn.decode_answer(code, fn.encode_answer(code, result)).result


@SETTINGS
@given(st.sampled_from(list(LifePhase)), st.sampled_from(list(CurrentDocument)), st.booleans(), st.booleans(),
       st.integers(0, 255), maybe_minutes, digits, u32)
def test_status(phase: LifePhase, document: CurrentDocument, data: bool, shift: bool, warnings: int,
                when: dt.datetime | None, number: str, last: int) -> None:
    status = fn.FnStatus(phase, document, data, shift, WarningFlags(warnings), when, number, last)
    assert round_trip(0x30, status) == status


@SETTINGS
@given(st.integers(0, 0x3F), st.booleans(), u16, u32, maybe_minutes)
def test_ofd_status(flags: int, reading: bool, queue: int, first: int, when: dt.datetime | None) -> None:
    status = fn.OfdExchangeStatus(OfdExchangeFlags(flags), reading, queue, first, when)
    assert round_trip(0x20, status) == status


@SETTINGS
@given(u16, u32, u32, st.none() | st.integers(0, 255).map(WarningFlags))
def test_shift_result(shift: int, fd: int, sign: int, warnings: WarningFlags | None) -> None:
    result = fn.ShiftResult(shift, fd, sign, warnings)
    assert round_trip(0x14, result) == result


@SETTINGS
@given(maybe_minutes, digits, digits, st.integers(0, 63), st.integers(0, 255), u32, u32,
       st.booleans(), st.booleans(), st.integers(0, 255), u32)
def test_registration_totals_all_variants(when: dt.datetime | None, inn: str, rnm: str, tax: int, mode: int,
                                          fd: int, sign: int, ffd11: bool, variant2: bool, ext: int,
                                          reason: int) -> None:
    totals = fn.RegistrationTotals(
        when, inn[:12], rnm, fn.enums.TaxSystem(tax), fn.enums.WorkMode(mode), fd, sign,
        extended_flags=ext if ffd11 else None, ofd_inn="7704358518" if ffd11 else None,
        reason=(reason if ffd11 else reason & 0xFF) if variant2 else None,
    )
    assert round_trip(0x43, totals) == totals


@SETTINGS
@given(minutes, st.sampled_from([1, 2, 3, 4]), st.integers(0, (1 << 40) - 1))
def test_finish_receipt_request(when: dt.datetime, operation: int, total: int) -> None:
    fields = {"datetime": when, "operation": operation, "total": total}
    assert fn.decode_request(fn.encode_request(0x16, fields)).fields == fields
