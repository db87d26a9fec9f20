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

Time comes from the injected clock (``now()`` → naive local datetime). A document's 1012 is that time to
the minute: the ФН takes it from the DATE_TIME parameter of the KKT's command (v1.2.06 Table 190: YY MM DD
hh mm), so a document's 1012 and the date-time the archive (40h) answers for it agree. The OFD queue keeps
the exact time for its own timers. See :mod:`.rules` for the time rules and the 5-minute-rule model.

Marked goods (FFD 1.2, v1.2.06 §4.10): :meth:`FiscalCore.check_marking_code` (B1h),
:meth:`~FiscalCore.marking_request` (B5h), :meth:`~FiscalCore.marking_response` (B6h),
:meth:`~FiscalCore.save_marking_result` (B2h), :meth:`~FiscalCore.clear_marking_results` (B3h),
:meth:`~FiscalCore.marking_status` (B0h); a position with ``ItemData.marking_code`` is refused (3Eh)
unless that code was kept with B2h since the last receipt. How a personality uses them:
``protocol-notes/fn/marking.md``.
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
from kkt_drivers.ffd.marking import MAX_CODE_BYTES, MarkingCodeError, parse_marking_code
from kkt_drivers.ffd.vat import rate_in_force
from kkt_drivers.protocols.fn.datatypes import iter_tlv
from kkt_drivers.protocols.fn.enums import CurrentDocument, LifePhase, MarkingCheckState, MarkingCommands, WarningFlags

from . import rules
from .archive import Archive, DocumentRow, Synchronous
from .documents import (
    VAT_SUM_TAGS,
    VAT_TOTAL_FIELDS,
    Body,
    as_datetime,
    assemble,
    counters_stlv,
    encode_item,
    receipt_vat_tlvs,
    vat_by_rate,
    vat_totals_of,
)
from .errors import ArchiveError, Code, FnError
from .marking import MAX_KEPT, MarkingTable, Pending, oism_answer, product_check, read_block, write_block
from .model import (
    CorrectionData,
    DocumentResult,
    FnConfig,
    FnStatus,
    ItemData,
    MarkingAnswer,
    MarkingCheck,
    MarkingStatus,
    OfdInfo,
    OperationTotals,
    RawTlvs,
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
#: 1098 when no document is waiting for the OFD: zero seconds, as the ФН's all-zero DATE_TIME [inferred]
_NO_DATE = datetime(1970, 1, 1)
#: B5h: the requisites the KKT may send for the marking request (v1.2.06 §4.10.5) …
_REQUEST_TAGS = frozenset({2003, 2102, 1023, 2108, 1291})
#: … and those the drive forms itself in it (§5.4): 0Bh when the KKT sends one
_REQUEST_DRIVE_TAGS = frozenset({2001, 1018, 2114, 1041, 2004, 2100, 2000})


def document_time(now: datetime) -> datetime:
    """A document's 1012: the clock to the minute (DATE_TIME of the ФН protocol has no seconds)."""
    return now.replace(second=0, microsecond=0)


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
        self._marking = MarkingTable()
        #: marking codes the emulated drive and marking system judge negative (tests / control API)
        self.marking_rejects: set[str] = set()
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
        when = document_time(now)
        body.add(1209, FFD_CODES[st.ffd])
        body.add(1040, number)
        body.add(1041, st.fn_number)
        body.add(1012, when)
        tlv, sign = assemble(doc_type, body, key=st.sign_key, fn_number=st.fn_number, number=number, when=when)
        st.last_fd = number
        st.last_doc_time = when
        st.clock_skew = 0.0
        if st.shift_open:
            st.shift_fd_count += 1
        queued = not (st.registration is not None and st.registration.autonomous)
        if queued:
            q.push(number, now)  # the simulated OFD's timer runs on the exact time
        return DocumentRow(number, int(doc_type), when, st.shift_number, receipt_number, sign, tlv, queued, None)

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
                first_unsent_datetime=document_time(first.when) if first else None,
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
            self._marking = MarkingTable()
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
            body.add(1098, document_time(q.first.when) if q.first is not None else _NO_DATE)
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

    def state_report(self, cashier: str = "") -> DocumentResult:
        """Отчёт о текущем состоянии расчётов (document 21); shift open or closed.

        Requisites as a ФН writes them (1.05 Табл.19, 1.2 Табл.95): 1002, 1097, 1116 and 1098 always — 1116
        = 0 and 1098 = zero seconds when nothing waits for the OFD [inferred values] — and no 1021: the
        cashier is in neither table (``cashier`` is accepted for the printed form and not written).
        """
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
            body.add(1002, int(reg.autonomous))
            body.add(1097, len(q))
            body.add(1116, q.first.number if q.first is not None else 0)
            body.add(1098, document_time(q.first.when) if q.first is not None else _NO_DATE)
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

    def _items(self, st: FnState, reg: Registration, items: tuple[ItemData, ...], command: str, when: datetime,
               kept: list[tuple[str, int]]) -> list[bytes]:
        """Encode the positions; a marked one takes its kept check result out of ``kept`` (3Eh if absent)."""
        out = []
        for item in items:
            check: int | None = None
            if item.marking_code is not None:
                self._marking_allowed(st, reg, command)
                for index, (code, result) in enumerate(kept):
                    if code == item.marking_code:
                        check = result
                        del kept[index]
                        break
                else:
                    raise FnError(Code.MARKING_NOT_CHECKED, f"marking code {item.marking_code!r} was not checked and "
                                  "kept (B1h/B2h) since the last receipt", tag=2000, command=command)
            out.append(encode_item(item, st.ffd, command, excise_registered=reg.excise, when=when,
                                   product_check=check))
        return out

    def receipt(self, data: ReceiptData, device: Mapping[str, Any] | None = None) -> DocumentResult:
        """Кассовый чек (document 3), numbered in the shift (1042 shared with corrections)."""
        def action(st: FnState, q: OfdQueue, now: datetime) -> DocumentRow:
            reg = self._check_sale(st, q, now, "receipt")
            when = document_time(now)
            body = Body(st.ffd, "receipt")
            payments = (data.cash, data.electronic, data.prepaid, data.credit, data.other)
            self._check_payment(body, reg, data.operation, data.taxation, data.total, payments)
            if not data.items:
                raise body.error(Code.MISSING_REQUISITES, "a receipt needs at least one item", 1059)
            if sum(item.amount for item in data.items) != data.total:
                raise body.error(Code.BAD_PARAMETER, "item amounts do not add up to the total [inferred code]", 1020)
            encoded = self._items(st, reg, data.items, "receipt", when, list(self._marking.kept))
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
            for item_tlv in encoded:
                body.add_encoded(1059, item_tlv)
            body.add(1020, data.total)
            self._payments(body, payments)
            by_rate = vat_by_rate(data.items)
            self._add_vat(body, by_rate, data.extra, when)
            body.add_extra(data.extra, reserved=_SALE_TAGS)
            return self._sale_tail(st, q, now, DocumentType.RECEIPT, body, number, data.operation, data.total,
                                   payments, by_rate)
        return self._sale(action, device)

    def correction(self, data: CorrectionData, device: Mapping[str, Any] | None = None) -> DocumentResult:
        """Кассовый чек коррекции (document 31); shares the shift's receipt numbering.

        FFD 1.05: «приход» or «расход» only (Письмо ФНС АБ-4-20/10421@; 09h otherwise [inferred code]), the
        VAT sums as given. FFD 1.2: the positions are mandatory and the receipt-level VAT sums are computed
        from them like a receipt's, unless the caller gives them (non-zero ``vat_*`` / ``sum_*`` fields, or VAT
        requisites in ``extra``).
        """
        def action(st: FnState, q: OfdQueue, now: datetime) -> DocumentRow:
            reg = self._check_sale(st, q, now, "correction")
            when = document_time(now)
            body = Body(st.ffd, "correction")
            payments = (data.cash, data.electronic, data.prepaid, data.credit, data.other)
            self._check_payment(body, reg, data.operation, data.taxation, data.total, payments)
            if st.ffd == "1.05" and data.operation not in (1, 3):
                raise body.error(Code.BAD_PARAMETER, "an FFD 1.05 correction is «приход» or «расход» only "
                                 "(Письмо ФНС АБ-4-20/10421@)", 1054)
            if data.correction_type not in (0, 1):
                raise body.error(Code.BAD_REQUISITE, f"1173 must be 0 or 1, got {data.correction_type}", 1173)
            if st.ffd == "1.2" and not data.items:  # Табл.120 makes 1059 mandatory in a 1.2 correction
                raise body.error(Code.MISSING_REQUISITES, "an FFD 1.2 correction needs at least one item", 1059)
            if data.items and sum(item.amount for item in data.items) != data.total:
                raise body.error(Code.BAD_PARAMETER, "item amounts do not add up to the total [inferred code]", 1020)
            encoded = self._items(st, reg, data.items, "correction", when, list(self._marking.kept))
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
            for item_tlv in encoded:
                body.add_encoded(1059, item_tlv)
            body.add(1020, data.total)
            self._payments(body, payments)
            given = {rate: getattr(data, name) for rate, name in VAT_TOTAL_FIELDS.items()}
            by_rate = {rate: value for rate, value in given.items() if value}
            if data.items and not by_rate:
                by_rate = vat_by_rate(data.items)
            for rate in by_rate:
                if not rate_in_force(rate, when):
                    raise body.error(Code.BAD_REQUISITE, f"VAT code {rate} does not exist on {when.date()} "
                                     "[inferred code]", 1199)
            self._add_vat(body, by_rate, data.extra, when)
            body.add_extra(data.extra, reserved=_SALE_TAGS)
            return self._sale_tail(st, q, now, DocumentType.CORRECTION_RECEIPT, body, number, data.operation,
                                   data.total, payments, by_rate)
        return self._sale(action, device)

    def _sale(self, action: _Action, device: Mapping[str, Any] | None) -> DocumentResult:
        """Run a receipt or correction; a formed one empties the marking check table (v1.2.06 §4.10.7.2)."""
        with self._lock:
            result = self._run(action, device)
            self._marking.clear()
            return result

    @staticmethod
    def _add_vat(body: Body, by_rate: dict[int, int], extra: RawTlvs, when: datetime) -> None:
        """Receipt-level VAT requisites for the document date, unless the caller gave its own."""
        if any(tag in VAT_SUM_TAGS for tag, _ in extra):
            return
        try:
            tlvs = receipt_vat_tlvs(by_rate, body.ffd, when)
        except ValueError as exc:
            raise body.error(Code.BAD_REQUISITE, str(exc), 1199) from exc
        for tlv in tlvs:
            body.add(tlv.tag, tlv.value)

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
                   by_rate: dict[int, int]) -> DocumentRow:
        """Seal a receipt or correction and add it to the shift and ФН totals."""
        row = self._finish(st, q, now, doc_type, body, receipt_number=number)
        st.receipt_number = number
        delta = OperationTotals(1, total, *payments, **vat_totals_of(by_rate))
        correction = doc_type is DocumentType.CORRECTION_RECEIPT
        st.shift_totals.add(operation, delta, correction=correction)
        st.fn_totals.add(operation, delta, correction=correction)
        return row

    # --- marked goods (v1.2.06 §4.10) ---------------------------------------------------------------

    def _marking_allowed(self, st: FnState, reg: Registration | None, command: str) -> None:
        """0Ah in FFD 1.05 mode, 32h when the registration has no «маркированные товары» flag."""
        if st.ffd != "1.2":
            raise FnError(Code.BAD_COMMAND, "marked goods need FFD 1.2", command=command)
        if reg is None or not reg.marking:
            raise FnError(Code.MARKING_FORBIDDEN, "the registration has no marked-goods flag (1290 bit 8)",
                          command=command)

    def _marking_preconditions(self, command: str, *, shift: bool = True) -> tuple[FnState, Registration]:
        st = self._state
        rules.check_phase(st, command, LifePhase.FISCAL_MODE)
        reg = self._reg(st)
        self._marking_allowed(st, reg, command)
        if shift and not st.shift_open:
            raise FnError(Code.STATE, "the shift is not open", command=command)
        return st, reg

    def marking_status(self) -> MarkingStatus:
        """B0h: where the check of marking codes stands (Tables 123–124)."""
        with self._lock:
            st, table = self._state, self._marking
            reg = st.registration
            usable = (st.ffd == "1.2" and reg is not None and reg.marking and st.phase == LifePhase.FISCAL_MODE
                      and st.shift_open)
            autonomous = reg is not None and reg.autonomous
            pending = table.pending
            if len(table.kept) >= MAX_KEPT:
                state = MarkingCheckState.TABLE_FULL
            elif pending is None:
                state = MarkingCheckState.IDLE
            elif pending.oism_status is not None:
                state = MarkingCheckState.RESPONSE_PASSED
            elif pending.request is not None:
                state = MarkingCheckState.REQUEST_FORMED
            else:
                state = MarkingCheckState.CODE_SENT
            allowed = MarkingCommands.NONE
            if usable:
                allowed |= MarkingCommands.B3
                if len(table.kept) < MAX_KEPT:
                    allowed |= MarkingCommands.B1
                if pending is not None:
                    if autonomous or pending.request is not None:
                        allowed |= MarkingCommands.B2
                    if not autonomous:
                        allowed |= MarkingCommands.B5
                    if pending.request is not None:
                        allowed |= MarkingCommands.B6
                if table.kept:
                    allowed |= MarkingCommands.B7_ITEM_DATA
            return MarkingStatus(check_state=int(state), allowed_commands=int(allowed), saved_results=len(table.kept),
                                 no_request_allowed=False)

    def check_marking_code(self, code: str, code_type: int | None = None, *, offset_91: int | None = None,
                           offset_92: int | None = None) -> MarkingCheck:
        """B1h: the drive checks a marking code itself and holds it as the code under check.

        ``code_type`` (2100) and the GS1 91/92 offsets default to what :func:`kkt_drivers.ffd.marking.
        parse_marking_code` reads from the code. Types 2 and 4 are checked: positive unless the code is in
        :attr:`marking_rejects` (the emulator holds the key of every code [inferred]); other types are not
        checked (reason 1). A new B1h replaces a code still under check (§4.10.3). Refusals: 02h (shift
        closed), 0Ah (FFD 1.05), 32h (not registered for marked goods), 35h (128 codes kept), 09h (length or
        offsets beyond the code).
        """
        with self._lock:
            self._marking_preconditions("check_marking_code")
            table = self._marking
            if len(table.kept) >= MAX_KEPT:
                raise FnError(Code.MARKING_TABLE_FULL, f"{MAX_KEPT} checked codes are kept already",
                              command="check_marking_code")
            raw = code.encode("cp866", "replace")
            if not 0 < len(raw) <= MAX_CODE_BYTES:
                raise FnError(Code.BAD_PARAMETER, f"a marking code has 1..{MAX_CODE_BYTES} bytes",
                              command="check_marking_code")
            try:
                parsed = parse_marking_code(code)
            except MarkingCodeError:
                parsed = None
            if code_type is None:
                code_type = parsed.code_type if parsed is not None else 0
                if parsed is not None and offset_91 is None and offset_92 is None:
                    offset_91, offset_92 = parsed.offset_91, parsed.offset_92
            if any(offset is not None and not 0 <= offset < len(raw) for offset in (offset_91, offset_92)):
                raise FnError(Code.BAD_PARAMETER, "a GS1 91/92 offset lies beyond the code",
                              command="check_marking_code")
            if code_type in (2, 4):
                if (offset_91 is None or offset_92 is None or raw[offset_91:offset_91 + 2] != b"91"
                        or raw[offset_92:offset_92 + 2] != b"92"):
                    result, reason = 0, 3
                else:
                    result, reason = (1 if code in self.marking_rejects else 3), 0
            else:
                result, reason = 0, 1
            table.pending = Pending(code, code_type, result)
            return MarkingCheck(check_result=result, reason=reason, code_type=code_type)

    def marking_request(self, when: datetime | None = None, requisites: RawTlvs | bytes = ()) -> bytes:
        """B5h: the «запрос о коде маркировки» for the code under check, as the block the KKT relays to the
        marking system (layout: :mod:`.marking`). ``when=None`` reads the last request again (33h if none).

        ``requisites``: 2003 (required, 3Ch), 2102, 1023, 2108, 1291 — raw ``((tag, value), …)`` or a TLV
        list; the drive adds 2001, 1018, 2114, 1041, 2004, 2100, 2000 itself (0Bh if given). 02h in
        autonomous mode, 33h without a code under check.
        """
        with self._lock:
            st, reg = self._marking_preconditions("marking_request")
            table = self._marking
            if reg.autonomous:
                raise FnError(Code.STATE, "no marking request in autonomous mode", command="marking_request")
            if when is None:
                if table.last_request is None:
                    raise FnError(Code.MARKING_SEQUENCE, "no request was formed", command="marking_request")
                return table.last_request
            pending = table.pending
            if pending is None:
                raise FnError(Code.MARKING_SEQUENCE, "B5h needs a code passed with B1h", command="marking_request")
            if isinstance(requisites, bytes | bytearray):
                try:
                    pairs = list(iter_tlv(bytes(requisites)))
                except ValueError as exc:
                    raise FnError(Code.BAD_PARAMETER, f"not a TLV list: {exc}", command="marking_request") from exc
            else:
                pairs = list(requisites)
            body = Body(st.ffd, "marking_request")
            for tag, _ in pairs:
                if tag in _REQUEST_DRIVE_TAGS or tag not in _REQUEST_TAGS:
                    raise FnError(Code.FORBIDDEN_TAG, f"requisite {tag} has no place in a marking request",
                                  tag=tag, command="marking_request")
            if 2003 not in {tag for tag, _ in pairs}:
                raise FnError(Code.MISSING_REQUISITES, "the planned status 2003 is missing", tag=2003,
                              command="marking_request")
            number = table.requests_formed + 1
            body.add(2001, number)
            body.add(1018, reg.inn.strip())
            body.add(2114, document_time(when))
            body.add(1041, st.fn_number)
            body.add(2004, pending.check_result)
            body.add(2100, pending.code_type)
            body.add(2000, pending.code)
            body.add_extra(tuple(pairs))
            block = write_block(body.value_bytes())
            table.requests_formed = number
            pending.request_number, pending.request, pending.oism_status = number, block, None
            table.last_request = block
            return block

    def marking_response(self, response: bytes) -> MarkingAnswer:
        """B6h: the marking system's answer to the last request. 20h with the Table 139 reason for a bad
        answer (7 length, 5 CRC, 2 format, 3 request number, 4 drive number); 33h without a request."""
        with self._lock:
            st, reg = self._marking_preconditions("marking_response")
            if reg.autonomous:
                raise FnError(Code.STATE, "no marking answers in autonomous mode", command="marking_response")
            pending = self._marking.pending
            if pending is None or pending.request is None:
                raise FnError(Code.MARKING_SEQUENCE, "B6h needs a request formed with B5h", command="marking_response")
            tlvs, reason = read_block(bytes(response))
            fields: dict[int, bytes] = dict(iter_tlv(tlvs)) if tlvs is not None else {}
            if tlvs is not None:
                if int.from_bytes(fields.get(2001, b""), "little") != pending.request_number:
                    reason = 3
                elif fields.get(1041, b"").decode("ascii", "replace").strip() != st.fn_number:
                    reason = 4
                elif len(fields.get(2109, b"")) != 1:
                    reason = 2
            if reason:
                raise FnError(Code.MARKING_RESPONSE, f"the marking answer is refused (reason {reason})",
                              detail=bytes((reason,)), command="marking_response")
            assert tlvs is not None
            pending.oism_status = fields[2109][0]
            rest = b"".join(tag.to_bytes(2, "little") + len(v).to_bytes(2, "little") + v
                            for tag, v in iter_tlv(tlvs) if tag != 2001)
            return MarkingAnswer(product_check(pending.check_result, pending.oism_status), rest)

    def simulated_marking_answer(self, request: bytes) -> bytes:
        """What the simulated marking system (ОИСМ) answers to a B5h block: the planned status is accepted
        unless the code is in :attr:`marking_rejects` (see :func:`.marking.oism_answer`)."""
        with self._lock:
            pending = self._marking.pending
            rejected = pending is not None and pending.code in self.marking_rejects
            return oism_answer(request, accepted=not rejected)

    def save_marking_result(self, save: bool) -> int | None:
        """B2h: keep (``True``) the code under check for the receipt — returns its 2106 — or drop it (``None``).

        In data-transfer mode a request (B5h) must have been formed first (33h). 02h without a code under
        check, 35h with 128 codes kept.
        """
        with self._lock:
            _st, reg = self._marking_preconditions("save_marking_result")
            table = self._marking
            pending = table.pending
            if pending is None:
                raise FnError(Code.STATE, "no code was passed with B1h", command="save_marking_result")
            if not save:
                table.pending = None
                return None
            if not reg.autonomous and pending.request is None:
                raise FnError(Code.MARKING_SEQUENCE, "form the marking request (B5h) before keeping the result",
                              command="save_marking_result")
            if len(table.kept) >= MAX_KEPT:
                raise FnError(Code.MARKING_TABLE_FULL, f"{MAX_KEPT} checked codes are kept already",
                              command="save_marking_result")
            result = product_check(pending.check_result, pending.oism_status)
            table.kept.append((pending.code, result))
            table.pending = None
            return result

    def clear_marking_results(self) -> None:
        """B3h: forget every kept result and the code under check (02h with the shift closed)."""
        with self._lock:
            self._marking_preconditions("clear_marking_results")
            self._marking.clear()

    def kept_marking_codes(self) -> tuple[str, ...]:
        """The codes kept with B2h and not yet used in a receipt (for a personality's own checks)."""
        with self._lock:
            return tuple(code for code, _ in self._marking.kept)

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
            self._marking = MarkingTable()
