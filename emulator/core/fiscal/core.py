"""The virtual fiscal drive (ФН) shared by every emulated KKT family.

A family personality gathers a document from its host commands and calls ONE method here
(``receipt``, ``open_shift``…). Each such call forms at most one fiscal document, atomically: the
checks run first, the document is built and signed, and the document row, any OFD confirmations
and the new state are committed to the archive in one transaction before the in-memory state is
replaced. A refused call (:class:`~.errors.FnError`) changes nothing.

Life cycle (v1.2.06 §3.6, Table 8 codes): 1 ready for registration → ``register`` → 3 fiscal mode
→ ``close_fn`` → 7 post-fiscal (documents still go to the OFD) → 15 archive once the OFD has
confirmed everything (an autonomous drive goes from 3 straight to 15).

ФН replacement (:meth:`FiscalCore.replace_fn`), as v1.2.06 §3.5/§3.6/§4.4.1 describe it:

1. the old drive is closed (``close_fn``) and, once the OFD has confirmed the closing report, it is
   in the archive phase (15) — only then may it leave the KKT (the user keeps it for five years);
2. a new drive is installed: new number (1041), fresh counters, FD numbering from 1, phase 1,
   same device configuration (FFD mode, validity term, capacity, key);
3. the KKT forms on the new drive the «отчёт об изменении параметров регистрации в связи с заменой
   ФН» (document type 11, FD 1): same INN and RNM as before (else 09h), reason «замена ФН» set by
   the drive (1101 = 1 in FFD 1.05, 1205 bit 0 in FFD 1.2 [inferred bit]); the new drive enters
   phase 3. The old drive's documents move to the ``retired_documents`` table of the same archive
   file and stay readable with :meth:`FiscalCore.retired_document`.

Time comes from the injected clock (``now()`` → naive local datetime; microseconds are dropped as
FFD time has whole seconds). See :mod:`.rules` for the time rules and the 5-minute-rule model.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Callable, Mapping
from dataclasses import replace
from datetime import datetime
from pathlib import Path
from types import TracebackType
from typing import Any, Protocol

from kkt_drivers.ffd import DocumentType, Tlv
from kkt_drivers.protocols.fn.enums import CurrentDocument, LifePhase, WarningFlags

from . import rules
from .archive import Archive, DocumentRow, Synchronous
from .documents import Body, as_datetime, assemble, counters_stlv, encode_item, receipt_vat_totals, vat_totals_of
from .errors import ArchiveError, Code, FnError
from .model import (
    CorrectionData,
    DocumentResult,
    FnConfig,
    FnStatus,
    OfdInfo,
    OperationTotals,
    ReceiptData,
    Registration,
    ShiftInfo,
    ShiftTotals,
    Validity,
)
from .ofd import OfdQueue, Queued
from .registration import (
    FFD_CODES,
    REASON_FN_REPLACEMENT_1101,
    REASON_FN_REPLACEMENT_1205,
    check_reasons,
    check_registration,
    registration_body,
)
from .sign import verify_document
from .state import FnState, Totals, state_from_json, state_to_json

__all__ = ["Clock", "FiscalCore"]

#: Requisites the drive forms in every document; a caller's extra TLV must not carry them.
_DRIVE_TAGS = frozenset({1209, 1040, 1041, 1012, 1077})
_SALE_TAGS = _DRIVE_TAGS | {1018, 1037, 1038, 1042, 1054, 1020}


class Clock(Protocol):
    """What the drive needs from a clock (``kkt_emu.core.clock.DeviceClock`` fits)."""

    def now(self) -> datetime: ...


_Action = Callable[[FnState, OfdQueue, datetime], DocumentRow]


def _result(row: DocumentRow, confirmed: bool | None = None) -> DocumentResult:
    return DocumentResult(
        number=row.number,
        fiscal_sign=row.fiscal_sign,
        datetime=row.datetime,
        document_type=row.type,
        shift_number=row.shift,
        receipt_number=row.receipt_number,
        tlv=row.tlv,
        ofd_confirmed=row.confirmed_at is not None if confirmed is None else confirmed,
    )


def _encode_values(values: Mapping[str, Any] | None) -> dict[str, str]:
    return {key: json.dumps(value, sort_keys=True) for key, value in (values or {}).items()}


def _decode_values(stored: Mapping[str, str]) -> dict[str, Any]:
    decoded: dict[str, Any] = {}
    for key, text in stored.items():
        try:
            decoded[key] = json.loads(text)
        except ValueError:  # an unreadable value is dropped: the device falls back to its default
            continue
    return decoded


def _single_bit(value: int) -> bool:
    return value > 0 and value & (value - 1) == 0


class FiscalCore:
    """The virtual ФН. ``archive_path=None`` keeps the archive in memory.

    On a new archive file (or in memory) the drive starts factory-new from ``config``. When the
    file already holds a drive, the stored state wins — drive number, FFD mode, validity term,
    capacity, key and OFD delay are properties of that drive — and ``config`` is ignored.
    ``synchronous`` selects SQLite's ``FULL`` (default) or ``NORMAL`` durability (see :mod:`.archive`).
    """

    def __init__(
        self,
        clock: Clock,
        config: FnConfig | None = None,
        *,
        archive_path: str | Path | None = None,
        synchronous: Synchronous = "FULL",
    ) -> None:
        self._clock = clock
        self._lock = threading.RLock()
        self._archive = Archive(archive_path, synchronous=synchronous)
        try:
            text = self._archive.load_state()
            if text is None:
                self._state = FnState.fresh(config or FnConfig())
                self._archive.commit(state_to_json(self._state))
            else:
                try:
                    self._state = state_from_json(text)
                except (ValueError, KeyError, TypeError) as exc:
                    raise ArchiveError(f"the fiscal archive holds an unreadable state: {exc}") from exc
                stored = self._archive.max_number()
                if stored != self._state.last_fd:
                    raise ArchiveError(f"archive inconsistent: state says FD {self._state.last_fd}, "
                                       f"documents end at {stored}")
            self._queue = OfdQueue(Queued(n, w) for n, w in self._archive.unconfirmed())
            self._device = _decode_values(self._archive.load_device_state())
        except BaseException:
            self._archive.close()
            raise

    # --- plumbing ------------------------------------------------------------------------------

    def close(self) -> None:
        """Close the archive (the object is unusable afterwards)."""
        self._archive.close()

    def __enter__(self) -> FiscalCore:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()

    @property
    def config(self) -> FnConfig:
        """The effective configuration (the installed drive's number, the current OFD delay)."""
        return self._state.config()

    @property
    def archive_path(self) -> Path | None:
        return self._archive.path

    def _now(self) -> datetime:
        return self._clock.now().replace(microsecond=0, tzinfo=None)

    def _commit(self, state: FnState, queue: OfdQueue, now: datetime, new: list[DocumentRow],
                *, retire: str | None = None, device: Mapping[str, Any] | None = None) -> list[int]:
        """Let the OFD confirm what is due, then store documents + confirmations + state at once."""
        done = queue.pop_due(now, state.ofd_delay)
        if state.phase == LifePhase.POST_FISCAL and not len(queue):
            state.phase = int(LifePhase.ARCHIVE)
        text = state_to_json(state)
        try:
            if retire is not None:
                self._archive.retire_and_commit(retire, text, new, done, now)
            else:
                self._archive.commit(text, new, done, now, _encode_values(device))
        except sqlite3.Error as exc:
            raise ArchiveError(f"the fiscal archive could not be written: {exc}") from exc
        self._state, self._queue = state, queue
        if device:
            self._device.update(device)
        return done

    def _tick(self, now: datetime) -> int:
        state = self._state
        if not self._queue.has_due(now, state.ofd_delay):
            return 0
        return len(self._commit(state.clone(), self._queue.copy(), now, []))

    def _run(self, action: _Action, device: Mapping[str, Any] | None = None) -> DocumentResult:
        with self._lock:
            now = self._now()
            self._tick(now)
            state, queue = self._state.clone(), self._queue.copy()
            row = action(state, queue, now)
            done = self._commit(state, queue, now, [row], device=device)
            return _result(row, confirmed=row.number in done)

    # --- the device's own values, kept in the same archive -------------------------------------

    def device_value(self, key: str, default: Any = None) -> Any:
        """A value the device keeps beside its ФН (the cash drawer, settings, the clock offset)."""
        return self._device.get(key, default)

    def store_device_values(self, values: Mapping[str, Any]) -> None:
        """Store device values durably now (JSON-serialisable; one transaction)."""
        with self._lock:
            try:
                self._archive.save_device_state(_encode_values(values))
            except sqlite3.Error as exc:
                raise ArchiveError(f"the device state could not be written: {exc}") from exc
            self._device.update(values)

    def _finish(self, st: FnState, q: OfdQueue, now: datetime, doc_type: DocumentType, body: Body,
                *, receipt_number: int = 0) -> DocumentRow:
        """Add the drive-formed requisites, sign, and account for the new document."""
        number = st.last_fd + 1
        body.add(1209, FFD_CODES[st.ffd])
        body.add(1040, number)
        body.add(1041, st.fn_number)
        body.add(1012, now)
        tlv, sign = assemble(doc_type, body, key=st.sign_key, fn_number=st.fn_number, number=number, when=now)
        st.last_fd = number
        st.last_doc_time = now
        st.clock_skew = 0.0
        if st.shift_open:
            st.shift_fd_count += 1
        queued = not (st.registration is not None and st.registration.autonomous)
        if queued:
            q.push(number, now)
        return DocumentRow(number, int(doc_type), now, st.shift_number, receipt_number, sign, tlv, queued, None)

    @staticmethod
    def _flags(body: Body, warnings: WarningFlags) -> None:
        body.add(1050, int(bool(warnings & WarningFlags.RESOURCE_EXHAUSTION)))
        body.add(1051, int(bool(warnings & WarningFlags.URGENT_REPLACEMENT)))
        body.add(1052, int(bool(warnings & WarningFlags.MEMORY_OVERFLOW)))
        body.add(1053, int(bool(warnings & WarningFlags.OFD_TIMEOUT)))

    @staticmethod
    def _reg(st: FnState) -> Registration:
        assert st.registration is not None  # phase 3 and later always have one
        return st.registration

    # --- queries -------------------------------------------------------------------------------

    def status(self) -> FnStatus:
        """30h: phase, open document (always none: operations are atomic), shift, warnings, last FD."""
        with self._lock:
            now = self._now()
            self._tick(now)
            st = self._state
            return FnStatus(
                phase=LifePhase(st.phase),
                current_document=CurrentDocument.NONE,
                shift_open=st.shift_open,
                warnings=rules.warnings(st, self._queue, now),
                last_document_datetime=st.last_doc_time,
                fn_number=st.fn_number,
                last_fd_number=st.last_fd,
            )

    def shift(self) -> ShiftInfo:
        """10h: the current shift, or the last closed one."""
        with self._lock:
            now = self._now()
            self._tick(now)
            st = self._state
            opened = st.shift_opened_at if st.shift_open else None
            return ShiftInfo(
                open=st.shift_open,
                number=st.shift_number,
                next_receipt_number=st.receipt_number + 1 if st.shift_open else 1,
                opened_at=opened,
                expired=opened is not None and now - opened > rules.SHIFT_LENGTH,
                receipts_count=st.receipt_number,
            )

    def ofd_status(self) -> OfdInfo:
        """20h: the OFD queue."""
        with self._lock:
            self._tick(self._now())
            first = self._queue.first
            return OfdInfo(
                unsent_count=len(self._queue),
                first_unsent_number=first.number if first else 0,
                first_unsent_datetime=first.when if first else None,
            )

    def validity(self) -> Validity:
        """32h: last valid day, registrations left and done."""
        with self._lock:
            now = self._now()
            self._tick(now)
            st = self._state
            return Validity(
                valid_until=rules.valid_until(st, now),
                registrations_left=max(0, rules.MAX_REGISTRATIONS - st.registrations_done),
                registrations_done=st.registrations_done,
            )

    def registration(self) -> Registration | None:
        """The parameters of the last (re)registration of the installed drive."""
        with self._lock:
            self._tick(self._now())
            return self._state.registration

    def document(self, number: int) -> DocumentResult:
        """A document of the installed drive by FD number (08h if there is none)."""
        with self._lock:
            self._tick(self._now())
            row = self._archive.document(number) if isinstance(number, int) and number > 0 else None
            if row is None:
                raise FnError(Code.NO_DATA, f"no document {number}", command="document")
            return _result(row)

    def last_document(self) -> DocumentResult:
        """The newest document (08h before the first one)."""
        with self._lock:
            return self.document(self._state.last_fd) if self._state.last_fd else self.document(0)

    def retired_document(self, fn_number: str, number: int) -> DocumentResult:
        """A document of a drive this device used before a replacement (08h if there is none)."""
        with self._lock:
            row = self._archive.retired_document(fn_number, number)
            if row is None:
                raise FnError(Code.NO_DATA, f"no document {number} of drive {fn_number}", command="retired_document")
            return _result(row)

    def verify(self, doc: DocumentResult, fn_number: str | None = None) -> bool:
        """True if the document's 1077 is the substitute sign of its bytes (see :mod:`.sign`)."""
        with self._lock:
            number = fn_number or self._state.fn_number
            return verify_document(self._state.sign_key, number, doc.number, doc.datetime, doc.tlv)

    def shift_totals(self) -> ShiftTotals:
        """Per-operation sums and counts of the current (or last) shift — the X-report data."""
        with self._lock:
            self._tick(self._now())
            st = self._state
            return ShiftTotals(
                shift_number=st.shift_number,
                open=st.shift_open,
                receipts=dict(st.shift_totals.receipts),
                corrections=dict(st.shift_totals.corrections),
                receipts_count=st.shift_totals.receipts_count,
                corrections_count=st.shift_totals.corrections_count,
                documents_count=st.shift_fd_count,
            )

    # --- activation and closing ------------------------------------------------------------------

    def register(self, reg: Registration, cashier: str) -> DocumentResult:
        """Registration report (document 1, FD 1): phase 1 → 3."""
        def action(st: FnState, q: OfdQueue, now: datetime) -> DocumentRow:
            rules.check_phase(st, "register", LifePhase.READY_FOR_FISCAL)
            check_registration(reg, st.ffd, "register")
            rules.check_time(st, now, "register")
            st.registration, st.activated_at = reg, now
            st.registrations_done += 1
            st.phase = int(LifePhase.FISCAL_MODE)
            body = Body(st.ffd, "register")
            registration_body(body, reg, cashier, key_days=st.validity_days, reason=None)
            return self._finish(st, q, now, DocumentType.REGISTRATION, body)
        return self._run(action)

    def reregister(self, reg: Registration, reasons: int, cashier: str) -> DocumentResult:
        """Re-registration report (document 11) without drive replacement; the shift must be closed.

        ``reasons``: FFD 1.05 — one 1101 code (2, 3 or 4); FFD 1.2 — the 1205 bit mask.
        """
        def action(st: FnState, q: OfdQueue, now: datetime) -> DocumentRow:
            rules.check_phase(st, "reregister", LifePhase.FISCAL_MODE)
            if st.shift_open:
                raise FnError(Code.STATE, "the shift must be closed", command="reregister")
            if st.registrations_done >= rules.MAX_REGISTRATIONS:
                raise FnError(Code.STATE, "no registrations left on this drive", command="reregister")
            check_registration(reg, st.ffd, "reregister")
            check_reasons(reasons, st.ffd, "reregister")
            rules.check_memory(st, "reregister")
            rules.check_time(st, now, "reregister")
            key_days = rules.days_left(st, now)
            st.registration = reg
            st.registrations_done += 1
            body = Body(st.ffd, "reregister")
            registration_body(body, reg, cashier, key_days=key_days, reason=reasons)
            return self._finish(st, q, now, DocumentType.REREGISTRATION, body)
        return self._run(action)

    def close_fn(self, cashier: str) -> DocumentResult:
        """Report on closing the drive (document 6): phase 3 → 7 (or → 15 when autonomous).

        The shift must be closed (02h). With ``FnConfig.close_requires_ofd_sent`` (default, v1.2.06
        §4.4.3) a drive working with an OFD refuses (09h) while documents are unconfirmed.
        """
        def action(st: FnState, q: OfdQueue, now: datetime) -> DocumentRow:
            rules.check_phase(st, "close_fn", LifePhase.FISCAL_MODE)
            if st.shift_open:
                raise FnError(Code.STATE, "the shift must be closed", command="close_fn")
            reg = self._reg(st)
            if not reg.autonomous and st.close_requires_ofd_sent and len(q):
                raise FnError(Code.BAD_PARAMETER, f"{len(q)} document(s) not yet confirmed by the OFD",
                              command="close_fn")
            rules.check_time(st, now, "close_fn")
            body = Body(st.ffd, "close_fn")
            body.add(1048, reg.user_name)
            body.add(1018, reg.inn.strip())
            body.add(1037, reg.rnm.strip())
            body.add(1038, st.shift_number)
            body.add(1009, reg.address)
            body.add(1187, reg.place)
            body.add_if(1021, cashier)
            if st.ffd == "1.2":
                body.add(1157, counters_stlv(1157, st.fn_totals, st.ffd).value)
            row = self._finish(st, q, now, DocumentType.CLOSE_FN, body)
            st.phase = int(LifePhase.ARCHIVE if reg.autonomous else LifePhase.POST_FISCAL)
            return row
        return self._run(action)

    def replace_fn(self, new_fn_number: str, reg: Registration, cashier: str) -> DocumentResult:
        """Install a new drive and form its «перерегистрация в связи с заменой ФН» (see the module doc)."""
        with self._lock:
            now = self._now()
            self._tick(now)
            old = self._state
            rules.check_phase(old, "replace_fn", LifePhase.ARCHIVE)
            if old.registration is None:
                raise FnError(Code.STATE, "the old drive was never registered", command="replace_fn")
            if (len(new_fn_number) != 16 or not new_fn_number.isdigit() or new_fn_number == old.fn_number
                    or new_fn_number in old.retired):
                raise FnError(Code.BAD_PARAMETER, f"{new_fn_number!r} is not a new 16-digit drive number",
                              tag=1041, command="replace_fn")
            check_registration(reg, old.ffd, "replace_fn")
            if reg.inn.strip() != old.registration.inn.strip() or reg.rnm.strip() != old.registration.rnm.strip():
                raise FnError(Code.BAD_PARAMETER, "a replacement keeps the INN and RNM of the registration",
                              command="replace_fn")
            st = FnState.fresh(replace(old.config(), fn_number=new_fn_number))
            st.retired = [*old.retired, old.fn_number]
            st.registration, st.activated_at, st.registrations_done = reg, now, 1
            st.phase = int(LifePhase.FISCAL_MODE)
            body = Body(st.ffd, "replace_fn")
            reason = REASON_FN_REPLACEMENT_1101 if st.ffd == "1.05" else REASON_FN_REPLACEMENT_1205
            registration_body(body, reg, cashier, key_days=st.validity_days, reason=reason)
            queue = OfdQueue()
            row = self._finish(st, queue, now, DocumentType.REREGISTRATION, body)
            done = self._commit(st, queue, now, [row], retire=old.fn_number)
            return _result(row, confirmed=row.number in done)

    # --- shifts ------------------------------------------------------------------------------------

    def open_shift(self, cashier: str) -> DocumentResult:
        """Report on opening a shift (document 2)."""
        def action(st: FnState, q: OfdQueue, now: datetime) -> DocumentRow:
            rules.check_phase(st, "open_shift", LifePhase.FISCAL_MODE)
            if st.shift_open:
                raise FnError(Code.STATE, "the shift is already open", command="open_shift")
            rules.check_validity(st, now, "open_shift")
            rules.check_memory(st, "open_shift")
            rules.check_ofd_block(st, q, now, "open_shift")
            rules.check_time(st, now, "open_shift")
            reg = self._reg(st)
            warnings = rules.warnings(st, q, now)
            st.shift_number += 1
            st.shift_open, st.shift_opened_at = True, now
            st.receipt_number, st.shift_fd_count, st.shift_totals = 0, 0, Totals()
            body = Body(st.ffd, "open_shift")
            body.add(1018, reg.inn.strip())
            body.add(1037, reg.rnm.strip())
            body.add(1038, st.shift_number)
            body.add(1188, reg.kkt_version)
            body.add(1189, reg.ffd_version)
            body.add_if(1021, cashier)
            self._flags(body, warnings)
            return self._finish(st, q, now, DocumentType.OPEN_SHIFT, body)
        return self._run(action)

    def close_shift(self, cashier: str) -> DocumentResult:
        """Report on closing the shift (document 5); allowed after 24 h."""
        def action(st: FnState, q: OfdQueue, now: datetime) -> DocumentRow:
            rules.check_phase(st, "close_shift", LifePhase.FISCAL_MODE)
            if not st.shift_open:
                raise FnError(Code.STATE, "the shift is not open", command="close_shift")
            rules.check_ofd_block(st, q, now, "close_shift")
            rules.check_time(st, now, "close_shift")
            reg = self._reg(st)
            body = Body(st.ffd, "close_shift")
            body.add(1018, reg.inn.strip())
            body.add(1037, reg.rnm.strip())
            body.add(1038, st.shift_number)
            body.add(1118, st.receipt_number)
            body.add(1111, st.shift_fd_count + 1)  # this report included [inferred]
            body.add(1097, len(q))
            if q.first is not None:
                body.add(1098, q.first.when)
            self._flags(body, rules.warnings(st, q, now))
            body.add_if(1021, cashier)
            if st.ffd == "1.2":
                body.add(1194, counters_stlv(1194, st.shift_totals, st.ffd).value)
                body.add(1157, counters_stlv(1157, st.fn_totals, st.ffd).value)
                body.add(1213, max(0, rules.days_left(st, now)))
            row = self._finish(st, q, now, DocumentType.CLOSE_SHIFT, body)
            st.shift_open, st.shift_opened_at = False, None
            return row
        return self._run(action)

    def state_report(self, cashier: str) -> DocumentResult:
        """Отчёт о текущем состоянии расчётов (document 21); shift open or closed."""
        def action(st: FnState, q: OfdQueue, now: datetime) -> DocumentRow:
            rules.check_phase(st, "state_report", LifePhase.FISCAL_MODE)
            rules.check_validity(st, now, "state_report")
            rules.check_memory(st, "state_report")
            rules.check_ofd_block(st, q, now, "state_report")
            rules.check_time(st, now, "state_report")
            reg = self._reg(st)
            body = Body(st.ffd, "state_report")
            body.add(1018, reg.inn.strip())
            body.add(1037, reg.rnm.strip())
            if st.shift_number:
                body.add(1038, st.shift_number)
            body.add(1097, len(q))
            if q.first is not None:
                body.add(1116, q.first.number)
                body.add(1098, q.first.when)
            body.add_if(1021, cashier)
            if st.ffd == "1.2":
                body.add(1213, max(0, rules.days_left(st, now)))
                body.add(1157, counters_stlv(1157, st.fn_totals, st.ffd).value)
            return self._finish(st, q, now, DocumentType.CURRENT_STATE, body)
        return self._run(action)

    # --- receipts ----------------------------------------------------------------------------------

    def _check_sale(self, st: FnState, q: OfdQueue, now: datetime, command: str) -> Registration:
        rules.check_phase(st, command, LifePhase.FISCAL_MODE)
        if not st.shift_open:
            raise FnError(Code.STATE, "the shift is not open", command=command)
        rules.check_validity(st, now, command)
        rules.check_memory(st, command)
        rules.check_ofd_block(st, q, now, command)
        rules.check_time(st, now, command)
        rules.check_shift_age(st, now, command)
        rules.check_gap(st, command)
        return self._reg(st)

    @staticmethod
    def _check_payment(body: Body, reg: Registration, operation: int, taxation: int, total: int,
                       payments: tuple[int, ...]) -> None:
        if operation not in (1, 2, 3, 4):
            raise body.error(Code.BAD_PARAMETER, f"operation type must be 1..4, got {operation}", 1054)
        if not _single_bit(taxation):
            raise body.error(Code.BAD_REQUISITE, f"1055 must have exactly one bit, got {taxation:#x}", 1055)
        if not taxation & reg.taxation:
            raise body.error(Code.REGISTRATION_MISMATCH, f"tax system {taxation:#x} was not registered "
                             f"(registered {reg.taxation:#x})", 1055)
        if any(p < 0 for p in payments) or total < 0:
            raise body.error(Code.BAD_REQUISITE, "sums cannot be negative", 1020)
        if sum(payments) != total:
            raise body.error(Code.BAD_PARAMETER, f"payments {sum(payments)} differ from the total {total} "
                             "[inferred code]", 1020)

    @staticmethod
    def _payments(body: Body, payments: tuple[int, ...]) -> None:
        for tag, value in zip((1031, 1081, 1215, 1216, 1217), payments, strict=True):
            body.add(tag, value)

    def receipt(self, data: ReceiptData, device: Mapping[str, Any] | None = None) -> DocumentResult:
        """Кассовый чек (document 3), numbered in the shift (1042 shared with corrections)."""
        def action(st: FnState, q: OfdQueue, now: datetime) -> DocumentRow:
            reg = self._check_sale(st, q, now, "receipt")
            body = Body(st.ffd, "receipt")
            payments = (data.cash, data.electronic, data.prepaid, data.credit, data.other)
            self._check_payment(body, reg, data.operation, data.taxation, data.total, payments)
            if not data.items:
                raise body.error(Code.MISSING_REQUISITES, "a receipt needs at least one item", 1059)
            if sum(item.amount for item in data.items) != data.total:
                raise body.error(Code.BAD_PARAMETER, "item amounts do not add up to the total [inferred code]", 1020)
            number = self._sale_head(body, reg, st, data.operation, data.taxation)
            body.add(1048, reg.user_name)
            body.add(1009, reg.address)
            body.add(1187, reg.place)
            body.add_if(1021, data.cashier)
            body.add_if(1203, data.cashier_inn)
            body.add_if(1008, data.buyer_contact)
            body.add_if(1117, reg.sender_email)
            body.add_if(1036, reg.machine_number)
            if st.ffd == "1.2" and reg.internet:
                body.add(1108, 1)
            for item in data.items:
                body.add_encoded(1059, encode_item(item, st.ffd, "receipt", excise_registered=reg.excise))
            body.add(1020, data.total)
            self._payments(body, payments)
            vat = receipt_vat_totals(data.items)
            given = {tag for tag, _ in data.extra}
            for tag, value in vat.items():
                if tag not in given:
                    body.add(tag, value)
            body.add_extra(data.extra, reserved=_SALE_TAGS)
            return self._sale_tail(st, q, now, DocumentType.RECEIPT, body, number, data.operation, data.total,
                                   payments, vat)
        return self._run(action, device)

    def correction(self, data: CorrectionData, device: Mapping[str, Any] | None = None) -> DocumentResult:
        """Кассовый чек коррекции (document 31); shares the shift's receipt numbering."""
        def action(st: FnState, q: OfdQueue, now: datetime) -> DocumentRow:
            reg = self._check_sale(st, q, now, "correction")
            body = Body(st.ffd, "correction")
            payments = (data.cash, data.electronic, data.prepaid, data.credit, data.other)
            self._check_payment(body, reg, data.operation, data.taxation, data.total, payments)
            if data.correction_type not in (0, 1):
                raise body.error(Code.BAD_REQUISITE, f"1173 must be 0 or 1, got {data.correction_type}", 1173)
            if st.ffd == "1.2" and not data.items:  # Табл.120 makes 1059 mandatory in a 1.2 correction
                raise body.error(Code.MISSING_REQUISITES, "an FFD 1.2 correction needs at least one item", 1059)
            if data.items and sum(item.amount for item in data.items) != data.total:
                raise body.error(Code.BAD_PARAMETER, "item amounts do not add up to the total [inferred code]", 1020)
            number = self._sale_head(body, reg, st, data.operation, data.taxation)
            body.add(1173, data.correction_type)
            basis = [Tlv(1178, as_datetime(data.basis_date)), Tlv(1179, data.basis_number)]
            if st.ffd == "1.05" and data.description:
                basis.insert(0, Tlv(1177, data.description))
            body.add(1174, basis)
            body.add(1048, reg.user_name)
            body.add(1009, reg.address)
            body.add(1187, reg.place)
            body.add_if(1021, data.cashier)
            for item in data.items:
                body.add_encoded(1059, encode_item(item, st.ffd, "correction", excise_registered=reg.excise))
            body.add(1020, data.total)
            self._payments(body, payments)
            vat = {1102: data.vat_20, 1103: data.vat_10, 1104: data.sum_vat_0, 1105: data.sum_no_vat,
                   1106: data.vat_20_120, 1107: data.vat_10_110}
            vat = {tag: value for tag, value in vat.items() if value}
            for tag, value in vat.items():
                body.add(tag, value)
            body.add_extra(data.extra, reserved=_SALE_TAGS)
            return self._sale_tail(st, q, now, DocumentType.CORRECTION_RECEIPT, body, number, data.operation,
                                   data.total, payments, vat)
        return self._run(action, device)

    @staticmethod
    def _sale_head(body: Body, reg: Registration, st: FnState, operation: int, taxation: int) -> int:
        """Requisites every receipt and correction starts with; returns its number in the shift (1042)."""
        number = st.receipt_number + 1
        body.add(1018, reg.inn.strip())
        body.add(1037, reg.rnm.strip())
        body.add(1038, st.shift_number)
        body.add(1042, number)
        body.add(1054, operation)
        body.add(1055, taxation)
        return number

    def _sale_tail(self, st: FnState, q: OfdQueue, now: datetime, doc_type: DocumentType, body: Body, number: int,
                   operation: int, total: int, payments: tuple[int, int, int, int, int],
                   vat: dict[int, int]) -> DocumentRow:
        """Seal a receipt or correction and add it to the shift and ФН totals."""
        row = self._finish(st, q, now, doc_type, body, receipt_number=number)
        st.receipt_number = number
        delta = OperationTotals(1, total, *payments, **vat_totals_of(vat))
        correction = doc_type is DocumentType.CORRECTION_RECEIPT
        st.shift_totals.add(operation, delta, correction=correction)
        st.fn_totals.add(operation, delta, correction=correction)
        return row

    # --- clock -------------------------------------------------------------------------------------

    def set_clock(self, value: datetime) -> None:
        """The host sets the KKT clock: set the injected clock and record the jump (5-minute rule).

        The clock must have ``set(datetime)`` (``DeviceClock`` does). Personalities route their
        «set date/time» commands here; moving the clock any other way counts as time passing.
        """
        with self._lock:
            before = self._clock.now()
            setter = getattr(self._clock, "set", None)
            if setter is None:
                raise TypeError("the injected clock cannot be set")
            setter(value)
            self.clock_jump((value - before).total_seconds())

    def clock_jump(self, seconds: float) -> None:
        """Record that the host moved the KKT clock by ``seconds`` (when it set the clock itself)."""
        with self._lock:
            st = self._state.clone()
            st.clock_skew += seconds
            self._commit(st, self._queue.copy(), self._now(), [])

    # --- control (tests / emulator control API) ----------------------------------------------------

    def set_ofd(self, delay: float | None) -> None:
        """Change the simulated OFD's confirmation delay (``None`` = the OFD never confirms)."""
        if delay is not None and delay < 0:
            raise ValueError("delay must be >= 0 or None")
        with self._lock:
            st = self._state.clone()
            st.ofd_delay = delay
            self._commit(st, self._queue.copy(), self._now(), [])

    def ofd_tick(self) -> int:
        """Let the simulated OFD confirm every due document; returns how many it confirmed."""
        with self._lock:
            return self._tick(self._now())

    def fill_memory(self, to: int) -> None:
        """Pretend the archive holds ``to`` documents (memory-exhaustion tests); never below the real count."""
        with self._lock:
            st = self._state.clone()
            st.phantom = max(0, to - st.last_fd)
            self._commit(st, self._queue.copy(), self._now(), [])

    def reset(self) -> None:
        """Factory-new drive (same number and configuration); the whole archive is wiped."""
        with self._lock:
            st = FnState.fresh(self._state.config())
            try:
                self._archive.wipe(state_to_json(st))
            except sqlite3.Error as exc:
                raise ArchiveError(f"the fiscal archive could not be written: {exc}") from exc
            self._state, self._queue = st, OfdQueue()
            self._device = {}
