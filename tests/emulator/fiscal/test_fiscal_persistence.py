"""Virtual ФН: the durable archive — reopening restores everything, failures leave no trace."""

from __future__ import annotations

import sqlite3
from datetime import timedelta
from pathlib import Path

import pytest
from fiscal_testkit import correction, receipt, registered, registration
from kkt_emu.core.clock import DeviceClock
from kkt_emu.core.fiscal import ArchiveError, FiscalCore, FnConfig, FnError

from kkt_drivers.protocols.fn.enums import LifePhase


def _snapshot(fn: FiscalCore) -> tuple[object, ...]:
    return (fn.status(), fn.shift(), fn.ofd_status(), fn.validity(), fn.registration(), fn.shift_totals(),
            fn.config)


@pytest.mark.parametrize("ffd", ["1.05", "1.2"])
def test_reopen_restores_state_and_documents_byte_identical(tmp_path: Path, ffd: str) -> None:
    clock = DeviceClock()
    path = tmp_path / "fn.sqlite"
    fn = registered(FiscalCore(clock, FnConfig(ffd=ffd, ofd_delay=3600, capacity=1000), archive_path=path), ffd)
    for operation in (1, 2, 3, 4):
        fn.receipt(receipt(operation))
    fn.correction(correction())
    clock.advance(3601)  # the OFD confirms FD 1..7
    fn.receipt(receipt())  # FD 8, unconfirmed
    fn.fill_memory(500)
    fn.set_clock(clock.now() + timedelta(minutes=6))  # an unresolved clock jump is remembered too
    before = _snapshot(fn)
    documents = [fn.document(n) for n in range(1, 9)]
    fn.close()

    again = FiscalCore(clock, FnConfig(fn_number="1111111111111111"), archive_path=path)  # the stored drive wins
    assert _snapshot(again) == before
    assert [again.document(n) for n in range(1, 9)] == documents
    assert again.ofd_status().first_unsent_number == 8 and again.document(7).ofd_confirmed
    assert again.status().fn_number == "9999078900012345"
    with pytest.raises(FnError) as err:
        again.receipt(receipt())
    assert err.value.code == 0x17  # the clock jump survived the restart
    again.state_report("")
    nxt = again.receipt(receipt())
    assert (nxt.number, nxt.receipt_number, nxt.shift_number) == (10, 7, 1)
    again.close()


def test_in_memory_archive_and_exclusive_file_lock(tmp_path: Path) -> None:
    clock = DeviceClock()
    memory = registered(FiscalCore(clock))
    assert memory.archive_path is None and memory.receipt(receipt()).number == 3
    path = tmp_path / "fn.sqlite"
    with FiscalCore(clock, archive_path=path) as first:
        registered(first)
        with pytest.raises(ArchiveError):
            FiscalCore(clock, archive_path=path)
    with FiscalCore(clock, archive_path=path) as second:  # released on close
        assert second.status().last_fd_number == 2


def test_replacement_and_reset_persist(tmp_path: Path) -> None:
    clock = DeviceClock()
    path = tmp_path / "fn.sqlite"
    with FiscalCore(clock, archive_path=path) as fn:
        registered(fn)
        old = fn.receipt(receipt())
        fn.close_shift("")
        fn.close_fn("")
        fn.replace_fn("9999078900077777", registration(), "Иванов")
    with FiscalCore(clock, archive_path=path) as fn:
        assert fn.status().fn_number == "9999078900077777" and fn.status().last_fd_number == 1
        assert fn.retired_document("9999078900012345", old.number).tlv == old.tlv
        fn.reset()
    with FiscalCore(clock, archive_path=path) as fn:
        assert fn.status().phase is LifePhase.READY_FOR_FISCAL and fn.status().last_fd_number == 0
        with pytest.raises(FnError):
            fn.retired_document("9999078900012345", old.number)
        assert fn.register(registration(), "Иванов").number == 1


def test_a_failed_write_changes_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    clock = DeviceClock()
    fn = registered(FiscalCore(clock, archive_path=tmp_path / "fn.sqlite"))
    before = (fn.status(), fn.shift(), fn.shift_totals(), fn.ofd_status())

    def broken(*args: object, **kwargs: object) -> None:
        raise sqlite3.OperationalError("disk I/O error")

    monkeypatch.setattr(fn._archive, "commit", broken)
    with pytest.raises(ArchiveError):
        fn.receipt(receipt())
    monkeypatch.undo()
    assert (fn.status(), fn.shift(), fn.shift_totals(), fn.ofd_status()) == before
    assert fn.receipt(receipt()).number == 3


def test_unreadable_or_inconsistent_archive_is_refused(tmp_path: Path) -> None:
    clock = DeviceClock()
    path = tmp_path / "fn.sqlite"
    with FiscalCore(clock, archive_path=path) as fn:
        registered(fn)
    db = sqlite3.connect(path)
    db.execute("DELETE FROM documents WHERE number = 2")
    db.commit()
    db.close()
    with pytest.raises(ArchiveError, match="inconsistent"):
        FiscalCore(clock, archive_path=path)
    db = sqlite3.connect(path)
    db.execute("UPDATE state SET json = '{}'")
    db.commit()
    db.close()
    with pytest.raises(ArchiveError, match="unreadable"):
        FiscalCore(clock, archive_path=path)
