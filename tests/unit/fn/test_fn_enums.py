"""Enumerations against the tables of v1.2.06."""

from __future__ import annotations

import itertools

from kkt_drivers.protocols.fn.enums import (
    GROUP_PHASES,
    REPORT_DOCUMENT,
    CommandGroup,
    CurrentDocument,
    DocumentType,
    LifePhase,
    ReportType,
    WarningFlags,
)


def test_life_phases_table_8() -> None:
    assert [p.value for p in LifePhase] == [0, 1, 3, 7, 15]
    # each stage adds one bit to the previous one, so transitions are one-way
    stages = [LifePhase.READY_FOR_FISCAL, LifePhase.FISCAL_MODE, LifePhase.POST_FISCAL, LifePhase.ARCHIVE]
    for before, after in itertools.pairwise(stages):
        assert after & before == before and bin(after).count("1") == bin(before).count("1") + 1


def test_warning_flags_table_9() -> None:
    assert [f.value for f in WarningFlags if f.value] == [1, 2, 4, 8, 16, 32, 64, 128]
    combined = WarningFlags(0x0A)
    assert WarningFlags.OFD_TIMEOUT in combined and WarningFlags.RESOURCE_EXHAUSTION in combined


def test_current_document_table_7() -> None:
    assert {d.value for d in CurrentDocument} == {0x00, 0x01, 0x02, 0x04, 0x08, 0x10, 0x11, 0x12, 0x13,
                                                  0x14, 0x15, 0x17}
    assert REPORT_DOCUMENT[ReportType.REREGISTRATION] is CurrentDocument.REREGISTRATION


def test_document_types() -> None:
    assert DocumentType.RECEIPT == 3 and DocumentType.CORRECTION_RECEIPT == 31
    assert DocumentType.REREGISTRATION_REPORT == 11 and DocumentType.STATE_REPORT == 21


def test_table_6() -> None:
    s1, s2, s3, s4 = LifePhase.READY_FOR_FISCAL, LifePhase.FISCAL_MODE, LifePhase.POST_FISCAL, LifePhase.ARCHIVE
    assert GROUP_PHASES[CommandGroup.STATUS] == {s1, s2, s3, s4}
    assert GROUP_PHASES[CommandGroup.ACTIVATION] == {s1}
    assert GROUP_PHASES[CommandGroup.DOCUMENTS] == {s2}
    assert GROUP_PHASES[CommandGroup.FN_CLOSE] == {s2}
    assert GROUP_PHASES[CommandGroup.OFD_EXCHANGE] == {s2, s3}
    assert GROUP_PHASES[CommandGroup.ARCHIVE] == {s1, s2, s3, s4}
