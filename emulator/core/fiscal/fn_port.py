"""The virtual ФН spoken to in ФН protocol bytes: KKT→ФН request frames in, ФН→KKT answer frames out.

:class:`FnPort` wraps a :class:`~.core.FiscalCore` and implements the drive side of the official
KKT↔ФН protocol (FNS v1.2.06) with the codec of :mod:`kkt_drivers.protocols.fn`:

* :meth:`FnPort.handle` — one request frame (bytes) → exactly one answer frame (bytes);
* :meth:`FnPort.feed` / :meth:`FnPort.flush` — a byte stream (UART style) → the answers of every
  complete frame in it, ENQ (05h) repeats the last answer.

Every answer carries the warning bit (ANSWER bit 7) whenever a 30h warning flag is set (§3.4).
Refusals use the ФН answer codes: a :class:`~.errors.FnError` of the core becomes its code, a frame
that does not decode (CRC, length, layout) or a command this port does not implement → 01h, an
archive failure (:class:`~.errors.ArchiveError`) → 03h «отказ ФН».

Document-forming commands are driven as whole sequences (begin → 07h … → finish); the port keeps
the «document in progress» (30h current-document byte, 07h data, its size) and calls ONE core
method on the finishing command, after turning the 07h TLVs into the core's dataclasses. The
document the core forms is built by the core (its requisite order, its drive-formed requisites);
the port never copies the KKT's TLV bytes into a document except as validated extras.

Every behaviour the text leaves open is listed in ``protocol-notes/fn/emulator.md``, section
«ФН protocol port»; the inline ``[inferred]`` marks point at them.
"""

from __future__ import annotations

import struct
import threading
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime
from decimal import Decimal
from typing import Any, Final

from kkt_drivers.ffd import FfdError, UsageConditions, decode_one
from kkt_drivers.ffd.tags import FN_FORMED_FFD12, tag_info
from kkt_drivers.protocols.fn.answer_codes import FnError as WireFnError
from kkt_drivers.protocols.fn.commands import (
    FnCommand,
    FnDataError,
    decode_request,
    encode_answer,
    encode_error,
    get_command,
)
from kkt_drivers.protocols.fn.datatypes import iter_tlv
from kkt_drivers.protocols.fn.enums import (
    CurrentDocument,
    FfdVersion,
    LifePhase,
    PaymentPresence,
    ReportType,
)
from kkt_drivers.protocols.fn.frame import Enq, FnFrameError, Frame, FrameDecoder, decode_frame

from .core import FiscalCore
from .errors import ArchiveError, Code, FnError
from .model import CorrectionData, DocumentResult, ItemData, RawTlvs, ReceiptData, Registration

__all__ = ["FIRMWARE_TYPE", "FIRMWARE_VERSION", "FnPort"]

#: 33h answer: the emulator's fixed firmware version string (ASCII, ≤ 16 bytes) …
FIRMWARE_VERSION: Final = "KKT-EMU FN 1.0"
#: … and firmware type 0 «опытный образец» (Table 12): an emulator is not a serial product [inferred]
FIRMWARE_TYPE: Final = 0

_BAD_FORMAT: Final = 0x01  #: неизвестная команда, неверный формат посылки или неизвестные параметры
_FN_FAILURE: Final = 0x03  #: отказ ФН
_NO_PAYMENT_DATA: Final = 0x0D  #: отсутствуют данные, необходимые для корректного учета в ФН
#: answer codes whose DATA the text defines (tag number / Table 69 byte); other codes go without data
_DETAIL_CODES: Final = frozenset({0x0B, 0x0C, 0x0D, 0x3C})

_HEADER = struct.Struct("<HH")
_PAYMENT_TAGS: Final = (1031, 1081, 1215, 1216, 1217)
_PAYMENT_BITS: Final = (PaymentPresence.CASH, PaymentPresence.ELECTRONIC, PaymentPresence.PREPAYMENT,
                        PaymentPresence.CREDIT, PaymentPresence.COUNTER_PROVISION)
_VAT_TAGS: Final = (1102, 1103, 1104, 1105, 1106, 1107)
#: print-only requisites of shift / state / FN-close reports: accepted and not stored (core policy)
_PRINT_ONLY: Final = frozenset({1048, 1009, 1187})
#: the requisites each fixed-content report may carry (others → 0Bh at 07h) [inferred]
_REPORT_TAGS: Final = frozenset({1021}) | _PRINT_ONLY
#: registration requisites taken from 07h, by FFD mode (others → 0Bh at 07h)
_REG_TAGS: Final = {
    "1.05": frozenset({1048, 1013, 1009, 1187, 1017, 1046, 1060, 1117, 1036, 1188, 1189, 1021,
                       1193, 1126, 1207, 1221}),
    "1.2": frozenset({1048, 1013, 1009, 1187, 1046, 1060, 1117, 1036, 1188, 1189, 1021}),
}
#: Table 37/38 work-mode bits ↔ Registration fields ↔ the FFD 1.05 flag tags (read back for 40h)
_WORK_MODE: Final = (("encryption", 0x01, 1056), ("autonomous", 0x02, 1002), ("automatic", 0x04, 1001),
                     ("services", 0x08, 1109), ("bso", 0x10, 1110), ("internet", 0x20, 1108))
#: Table 38 (FFD 1.2) work-mode bits 6/7 ↔ 1290 bits, Registration has no field for them
_WORK_MODE_12_ONLY: Final = ((0x40, UsageConditions.CATERING), (0x80, UsageConditions.WHOLESALE))
_WORK_MODE_1290: Final = ((0x08, UsageConditions.SERVICES), (0x10, UsageConditions.BSO_AUTOMATED_SYSTEM),
                          (0x20, UsageConditions.INTERNET))
#: Table 51 (FFD 1.2) extended flags ↔ Registration fields and 1290 bits
_EXTENDED: Final = (("excise", 0x01, UsageConditions.EXCISE_GOODS), ("gambling", 0x02, UsageConditions.GAMBLING),
                    ("lottery", 0x04, UsageConditions.LOTTERY),
                    ("printer_in_machine", 0x08, UsageConditions.PRINTER_IN_MACHINE),
                    ("marking", 0x10, UsageConditions.MARKED_GOODS))
_EXTENDED_1290_ONLY: Final = ((0x20, UsageConditions.PAWNSHOP), (0x40, UsageConditions.INSURANCE),
                              (0x80, UsageConditions.AUTOMATIC_DEVICE))
#: FFD 1.05 registration flag requisites sent with 07h (absent = 0)
_REG_FLAG_TAGS_105: Final = (("gambling", 1193), ("lottery", 1126), ("excise", 1207), ("printer_in_machine", 1221))
_FFD_CODE: Final = {"1.05": 2, "1.2": 4}


def _err(code: int, reason: str, tag: int | None = None) -> FnError:
    return FnError(code, reason, tag=tag, command="fn_port")


@dataclass
class _Open:
    """The document in progress: which begin command opened it and the 07h data so far."""

    kind: CurrentDocument
    begun_by: int
    #: the begin command's DATE_TIME (None: the begin command has none)
    when: datetime | None
    limit: int
    data: bytearray
    report_type: int = 0
    #: B7h: the marking code of each 1059 added with sub-code 2, by its position among the 1059s
    marked: dict[int, str] = field(default_factory=dict)
    #: B7h: the code of the 2007 sent with sub-code 1, waiting for its 1059
    awaiting: str | None = None


# --- 07h TLVs → values ------------------------------------------------------------------------------


class _Requisites:
    """A TLV list sent with 07h, read tag by tag; what is not taken stays available as raw extras."""

    def __init__(self, data: bytes | bytearray, ffd: str, *, within: int | None = None) -> None:
        self.ffd = ffd
        try:
            self.entries = list(iter_tlv(bytes(data)))
        except ValueError as exc:  # only inside an STLV: 07h already checked the top level
            raise _err(Code.BAD_REQUISITE, f"malformed STLV: {exc}", within) from exc
        self.taken: set[int] = set()

    def raw(self, tag: int) -> bytes | None:
        values = [value for t, value in self.entries if t == tag]
        self.taken.add(tag)
        if len(values) > 1:
            raise _err(Code.DUPLICATE_TAG, f"tag {tag} given twice", tag)
        return values[0] if values else None

    def all_raw(self, tag: int) -> list[bytes]:
        self.taken.add(tag)
        return [value for t, value in self.entries if t == tag]

    def has(self, tag: int) -> bool:
        return any(t == tag for t, _ in self.entries)

    def _decode(self, tag: int, raw: bytes) -> Any:
        try:
            return decode_one(_HEADER.pack(tag, len(raw)) + raw).value
        except FfdError as exc:
            raise _err(Code.BAD_REQUISITE, f"tag {tag}: {exc}", tag) from exc

    def integer(self, tag: int) -> int | None:
        raw = self.raw(tag)
        if raw is None:
            return None
        value = self._decode(tag, raw)
        if not isinstance(value, int):
            raise _err(Code.BAD_REQUISITE, f"tag {tag} is not an integer requisite", tag)
        return value

    def text(self, tag: int) -> str | None:
        raw = self.raw(tag)
        if raw is None:
            return None
        value = self._decode(tag, raw)
        if not isinstance(value, str):
            raise _err(Code.BAD_REQUISITE, f"tag {tag} is not a text requisite", tag)
        info = tag_info(tag)
        return value.rstrip(" ") if info is not None and info.fixed_len else value  # INN-like padding

    def quantity_milli(self, tag: int) -> int | None:
        raw = self.raw(tag)
        if raw is None:
            return None
        value = self._decode(tag, raw)
        if not isinstance(value, Decimal | int):
            raise _err(Code.BAD_REQUISITE, f"tag {tag} is not a quantity", tag)
        milli = Decimal(value) * 1000
        if milli != milli.to_integral_value():
            raise _err(Code.BAD_REQUISITE, f"quantity {value} has more than 3 decimals [port limit]", tag)
        return int(milli)

    def moment(self, tag: int) -> datetime | None:
        raw = self.raw(tag)
        if raw is None:
            return None
        value = self._decode(tag, raw)
        if not isinstance(value, datetime):
            raise _err(Code.BAD_REQUISITE, f"tag {tag} is not a date/time requisite", tag)
        return value

    def need(self, tag: int, value: Any) -> Any:
        if value is None:
            raise _err(Code.MISSING_REQUISITES, f"requisite {tag} is missing", tag)
        return value

    def extras(self) -> RawTlvs:
        return tuple((t, v) for t, v in self.entries if t not in self.taken)

    def refuse_rest(self) -> None:
        """0Bh for a requisite the core has no place for [inferred]."""
        for tag, _ in self.entries:
            if tag not in self.taken:
                raise _err(Code.FORBIDDEN_TAG, f"requisite {tag} cannot be stored by this drive", tag)


def _item(raw: bytes, ffd: str) -> ItemData:
    """One 1059 STLV → :class:`ItemData`. 1079, 1023, 1043, 1199, 1214, 1212 must be present (3Ch)."""
    req = _Requisites(raw, ffd, within=1059)
    name = req.text(1030)
    price = req.need(1079, req.integer(1079))
    quantity = req.need(1023, req.quantity_milli(1023))
    amount = req.need(1043, req.integer(1043))
    vat = req.need(1199, req.integer(1199))
    method = req.need(1214, req.integer(1214))
    subject = req.need(1212, req.integer(1212))
    vat_amount = req.integer(1200)
    return ItemData(name=name or "", price=price, quantity_milli=quantity, amount=amount, vat=vat,
                    payment_method=method, payment_subject=subject, vat_amount=vat_amount, extra=req.extras())


# --- the port -----------------------------------------------------------------------------------------

_Handler = Callable[[dict[str, Any]], Any]


class FnPort:
    """The drive side of the KKT↔ФН protocol over a :class:`FiscalCore` (see the module docstring).

    Thread-safe (one lock per port); keep one port per physical link, since the document in
    progress and the 45h/46h read cursor are per port.
    """

    def __init__(self, core: FiscalCore) -> None:
        self.core = core
        self._lock = threading.RLock()
        self._doc: _Open | None = None
        self._reading: list[bytes] | None = None
        self._decoder = FrameDecoder(accept_enq=True)
        self._last_answer = b""
        #: feed mode: frames dropped for a bad CRC / length (the drive stays silent on them)
        self.frame_errors = 0
        self._handlers: dict[int, _Handler] = {
            0x30: self._status, 0x31: self._fn_number, 0x32: self._validity, 0x33: self._version,
            0x10: self._shift_parameters, 0x20: self._ofd_status,
            0x40: self._find_document, 0x42: self._unconfirmed_count,
            0x45: self._document_tlv_info, 0x46: self._read_document_tlv,
            0x06: self._cancel, 0x07: self._send_data,
            0x02: lambda f: self._begin_registration(f, v2=False),
            0xA2: lambda f: self._begin_registration(f, v2=True),
            0x03: lambda f: self._finish_registration(f, v2=False),
            0xA3: lambda f: self._finish_registration(f, v2=True),
            0x04: self._begin_close_fn, 0x05: self._close_fn,
            0x11: self._begin_open_shift, 0x12: self._open_shift,
            0x13: self._begin_close_shift, 0x14: self._close_shift,
            0x15: self._begin_receipt, 0x17: self._begin_correction, 0x16: self._finish_receipt,
            0x18: self._begin_state_report, 0x19: self._state_report,
            0xB0: self._marking_status, 0xB1: self._check_marking_code, 0xB2: self._save_marking_result,
            0xB3: self._clear_marking_results, 0xB5: self._marking_request, 0xB6: self._marking_response,
            0xB7: self._marked_item_data,
        }

    @property
    def implemented(self) -> frozenset[int]:
        """Command codes this port answers (everything else → 01h)."""
        return frozenset(self._handlers)

    @property
    def current_document(self) -> CurrentDocument:
        doc = self._doc
        return doc.kind if doc is not None else CurrentDocument.NONE

    # --- link ------------------------------------------------------------------------------------

    def handle(self, frame: bytes) -> bytes:
        """One complete request frame → one answer frame (01h when the frame does not decode)."""
        with self._lock:
            try:
                decoded = decode_frame(bytes(frame))
            except FnFrameError:
                return self._remember(self._error(_BAD_FORMAT))
            return self._remember(self._dispatch(decoded))

    def feed(self, data: bytes) -> bytes:
        """Stream input: the answers to every complete frame found (ENQ repeats the last answer).

        A candidate frame with a bad CRC or length is dropped silently (counted in
        :attr:`frame_errors`): the decoder rescans inside it, so answering each failed candidate
        would give one garbled request several answers [inferred]; the KKT times out and repeats.
        """
        with self._lock:
            return self._events(self._decoder.feed(bytes(data)))

    def flush(self) -> bytes:
        """The line went silent (inter-byte timeout): give up an unfinished frame, answer what follows it."""
        with self._lock:
            return self._events(self._decoder.flush())

    def _events(self, events: list[Frame | Enq | FnFrameError]) -> bytes:
        out = bytearray()
        for event in events:
            if isinstance(event, Frame):
                out += self._remember(self._dispatch(event))
            elif isinstance(event, Enq):
                out += self._last_answer
            else:
                self.frame_errors += 1
        return bytes(out)

    def _remember(self, answer: bytes) -> bytes:
        self._last_answer = answer
        return answer

    def _warning(self) -> bool:
        try:
            return bool(self.core.status().warnings)
        except (WireFnError, ArchiveError):
            return False

    def _error(self, code: int, detail: bytes = b"") -> bytes:
        return encode_error(code, detail if code in _DETAIL_CODES else b"", warning=self._warning())

    def _dispatch(self, frame: Frame) -> bytes:
        try:
            request = decode_request(frame)
        except (FnDataError, ValueError):
            return self._error(_BAD_FORMAT)
        command: FnCommand = request.command
        handler = self._handlers.get(command.code)
        if handler is None:
            return self._error(_BAD_FORMAT)
        try:
            if not command.allowed_in(self.core.status().phase):
                raise _err(Code.STATE, f"{command.label} is not allowed in this life phase")
            result = handler(request.fields)
            return encode_answer(command, result, warning=self._warning())
        except WireFnError as exc:
            return self._error(exc.code, exc.detail)
        except ArchiveError:
            return self._error(_FN_FAILURE)

    # --- status and archive queries ----------------------------------------------------------------

    def _status(self, _: dict[str, Any]) -> dict[str, Any]:
        st = self.core.status()
        return {
            "phase": st.phase,
            "current_document": self.current_document,
            "document_data_received": bool(self._doc is not None and self._doc.data),
            "shift_open": st.shift_open,
            "warnings": st.warnings,
            "last_document_datetime": st.last_document_datetime,
            "fn_number": st.fn_number,
            "last_fd_number": st.last_fd_number,
        }

    def _fn_number(self, _: dict[str, Any]) -> dict[str, Any]:
        return {"fn_number": self.core.config.fn_number}

    def _validity(self, _: dict[str, Any]) -> dict[str, Any]:
        v = self.core.validity()
        return {"expiry_date": v.valid_until, "registrations_left": min(v.registrations_left, 0xFF),
                "registrations_done": min(v.registrations_done, 0xFF)}

    def _version(self, _: dict[str, Any]) -> dict[str, Any]:
        return {"firmware_version": FIRMWARE_VERSION, "firmware_type": FIRMWARE_TYPE}

    def _shift_parameters(self, _: dict[str, Any]) -> dict[str, Any]:
        # Table 54: open → last receipt number (0 before the first); closed → receipts (and corrections)
        # of that shift, i.e. the same last number [inferred reading of «число документов»]
        info = self.core.shift()
        return {"shift_open": info.open, "shift_number": info.number & 0xFFFF,
                "receipt_number": info.receipts_count & 0xFFFF}

    def _ofd_status(self, _: dict[str, Any]) -> dict[str, Any]:
        # the simulated OFD has no transport and no message reading: only bit 1 «есть сообщение» [inferred]
        info = self.core.ofd_status()
        return {"flags": 0x02 if info.unsent_count else 0, "message_reading": False,
                "queue_length": min(info.unsent_count, 0xFFFF),
                "first_document_number": info.first_unsent_number,
                "first_document_datetime": info.first_unsent_datetime}

    def _unconfirmed_count(self, _: dict[str, Any]) -> dict[str, Any]:
        return {"count": min(self.core.ofd_status().unsent_count, 0xFFFF)}

    def _find_document(self, fields: dict[str, Any]) -> dict[str, Any]:
        doc = self.core.document(fields["fd_number"])
        return {"document_type": doc.document_type, "ticket_received": doc.ofd_confirmed,
                "record": _archive_record(doc)}

    def _document_tlv_info(self, fields: dict[str, Any]) -> dict[str, Any]:
        self._reading = None
        doc = self.core.document(fields["fd_number"])
        tag, length = _HEADER.unpack_from(doc.tlv)
        value = doc.tlv[_HEADER.size:_HEADER.size + length]
        self._reading = [_HEADER.pack(t, len(v)) + v for t, v in iter_tlv(value)]
        self._reading.reverse()  # pop() from the end gives document order
        return {"document_type": tag, "length": length}

    def _read_document_tlv(self, _: dict[str, Any]) -> dict[str, Any]:
        if self._reading is None:
            raise _err(Code.STATE, "46h needs a preceding 45h")
        if not self._reading:
            raise _err(Code.NO_DATA, "the whole document has been read")
        return {"tlv": self._reading.pop()}

    # --- the document in progress ---------------------------------------------------------------------

    def _begin(self, code: int, kind: CurrentDocument, when: datetime | None, *, dated: bool = True,
               report_type: int = 0) -> None:
        if self._doc is not None:
            raise _err(Code.STATE, f"document {self._doc.kind.name} is already open")
        if dated:
            self._check_time(when)
        limit = get_command(code).tlv_limit or 0
        self._doc = _Open(kind, code, when, limit, bytearray(), report_type)

    def _check_time(self, when: datetime | None, not_before: datetime | None = None) -> None:
        """07h for an all-zero DATE_TIME or one earlier than the last document (minute resolution)."""
        if when is None:
            raise _err(Code.DATETIME, "DATE_TIME is zero")
        last = self.core.status().last_document_datetime
        for bound in (last, not_before):
            if bound is not None and when < bound.replace(second=0, microsecond=0):
                raise _err(Code.DATETIME, f"{when} is earlier than {bound}")

    def _opened(self, *kinds: CurrentDocument, finisher: int) -> _Open:
        doc = self._doc
        if doc is None or doc.kind not in kinds:
            raise _err(Code.STATE, f"{finisher:02X}h: no matching document is open")
        if not doc.data:
            raise _err(Code.STATE, f"{finisher:02X}h: no document data was sent with 07h")
        return doc

    def _cancel(self, _: dict[str, Any]) -> None:
        self._doc = None  # with nothing open it is a no-op that succeeds [inferred]

    def _send_data(self, fields: dict[str, Any]) -> None:
        doc = self._doc
        if doc is None:
            raise _err(Code.STATE, "07h without a begun document")
        data: bytes = fields["tlv_data"]
        if len(doc.data) + len(data) > doc.limit:
            raise _err(Code.TLV_TOO_LARGE, f"document data would exceed {doc.limit} bytes")
        ffd = self.core.config.ffd
        for tag, _ in iter_tlv(data):
            if ffd == "1.2" and tag in FN_FORMED_FFD12:
                raise _err(Code.FORBIDDEN_TAG, f"tag {tag} is formed by the drive (v1.2.06 §5.4)", tag)
            allowed = self._allowed_tags(doc, ffd)
            if allowed is not None and tag not in allowed:
                raise _err(Code.FORBIDDEN_TAG, f"requisite {tag} cannot be stored in this document", tag)
        doc.data += data

    @staticmethod
    def _allowed_tags(doc: _Open, ffd: str) -> frozenset[int] | None:
        if doc.kind in (CurrentDocument.RECEIPT, CurrentDocument.CORRECTION_RECEIPT):
            return None  # receipts keep unknown requisites as validated extras
        if doc.kind in (CurrentDocument.REGISTRATION_REPORT, CurrentDocument.REREGISTRATION):
            return _REG_TAGS[ffd]
        return _REPORT_TAGS

    def _cashier(self, doc: _Open) -> str:
        req = _Requisites(doc.data, self.core.config.ffd)
        return req.text(1021) or ""

    # --- shifts, state report, FN close -------------------------------------------------------------

    def _begin_open_shift(self, fields: dict[str, Any]) -> None:
        if self.core.shift().open:
            raise _err(Code.STATE, "the shift is already open")
        self._begin(0x11, CurrentDocument.OPEN_SHIFT_REPORT, fields["datetime"])

    def _open_shift(self, _: dict[str, Any]) -> dict[str, Any]:
        doc = self._opened(CurrentDocument.OPEN_SHIFT_REPORT, finisher=0x12)
        result = self.core.open_shift(self._cashier(doc))
        self._doc = None
        return self._shift_result(result)

    def _begin_close_shift(self, fields: dict[str, Any]) -> None:
        if not self.core.shift().open:
            raise _err(Code.STATE, "the shift is not open")
        self._begin(0x13, CurrentDocument.CLOSE_SHIFT_REPORT, fields["datetime"])

    def _close_shift(self, _: dict[str, Any]) -> dict[str, Any]:
        doc = self._opened(CurrentDocument.CLOSE_SHIFT_REPORT, finisher=0x14)
        result = self.core.close_shift(self._cashier(doc))
        self._doc = None
        return self._shift_result(result)

    def _shift_result(self, result: DocumentResult) -> dict[str, Any]:
        # Tables 58/62: the warnings byte only in FFD 1.1/1.2 mode
        warnings = self.core.status().warnings if self.core.config.ffd == "1.2" else None
        return {"shift_number": result.shift_number, "fd_number": result.number,
                "fiscal_sign": result.fiscal_sign, "warnings": warnings}

    def _begin_state_report(self, fields: dict[str, Any]) -> None:
        self._begin(0x18, CurrentDocument.STATE_REPORT, fields["datetime"])

    def _state_report(self, _: dict[str, Any]) -> dict[str, Any]:
        doc = self._opened(CurrentDocument.STATE_REPORT, finisher=0x19)
        result = self.core.state_report(self._cashier(doc))
        self._doc = None
        record = _archive_record(result)
        return {"fd_number": result.number, "fiscal_sign": result.fiscal_sign,
                "unconfirmed_count": record["unconfirmed_count"],
                "first_unconfirmed_date": record["first_unconfirmed_date"]}

    def _begin_close_fn(self, _: dict[str, Any]) -> None:
        if self.core.shift().open:
            raise _err(Code.STATE, "the shift must be closed")
        self._begin(0x04, CurrentDocument.CLOSE_FN_REPORT, None, dated=False)  # 04h has no DATE_TIME

    def _close_fn(self, fields: dict[str, Any]) -> dict[str, Any]:
        doc = self._opened(CurrentDocument.CLOSE_FN_REPORT, finisher=0x05)
        self._check_time(fields["datetime"])
        reg = self.core.registration()
        if reg is None or fields["rnm"].strip() != reg.rnm.strip():
            raise _err(Code.BAD_PARAMETER, "the RNM of 05h is not the registered one", 1037)
        result = self.core.close_fn(self._cashier(doc))
        self._doc = None
        return {"fd_number": result.number, "fiscal_sign": result.fiscal_sign}

    # --- receipts and corrections -------------------------------------------------------------------

    def _begin_sale(self, code: int, kind: CurrentDocument, when: datetime | None) -> None:
        shift = self.core.shift()
        if not shift.open:
            raise _err(Code.STATE, "the shift is not open")
        if shift.expired and self._doc is None:
            raise _err(Code.SHIFT_EXPIRED, "the shift is older than 24 hours")
        self._begin(code, kind, when)

    def _begin_receipt(self, fields: dict[str, Any]) -> None:
        self._begin_sale(0x15, CurrentDocument.RECEIPT, fields["datetime"])

    def _begin_correction(self, fields: dict[str, Any]) -> None:
        self._begin_sale(0x17, CurrentDocument.CORRECTION_RECEIPT, fields["datetime"])

    def _finish_receipt(self, fields: dict[str, Any]) -> dict[str, Any]:
        doc = self._opened(CurrentDocument.RECEIPT, CurrentDocument.CORRECTION_RECEIPT, finisher=0x16)
        self._check_time(fields["datetime"], not_before=doc.when)
        ffd = self.core.config.ffd
        req = _Requisites(doc.data, ffd)
        operation, total = int(fields["operation"]), int(fields["total"])
        # FFD 1.05: 1054/1020 may come with 07h and must agree with 16h (09h); in FFD 1.2 07h refused them
        for tag, expected in ((1054, operation), (1020, total)):
            sent = req.integer(tag)
            if sent is not None and sent != expected:
                raise _err(Code.BAD_PARAMETER, f"16h says {expected}, tag {tag} says {sent}", tag)
        payments = self._payments(req, ffd)
        items = tuple(_item(raw, ffd) for raw in req.all_raw(1059))
        items = tuple(replace(it, marking_code=doc.marked[index]) if index in doc.marked else it
                      for index, it in enumerate(items))
        taxation = req.need(1055, req.integer(1055))
        cashier = req.text(1021) or ""
        if doc.kind is CurrentDocument.RECEIPT:
            cashier_inn, buyer = req.text(1203), req.text(1008)
            receipt = ReceiptData(operation=operation, items=items, cash=payments[0], electronic=payments[1],
                                  prepaid=payments[2], credit=payments[3], other=payments[4], total=total,
                                  taxation=taxation, cashier=cashier, cashier_inn=cashier_inn,
                                  buyer_contact=buyer, extra=req.extras())
            result = self.core.receipt(receipt)
        else:
            result = self.core.correction(self._correction(req, operation, total, payments, items, taxation,
                                                           cashier))
        self._doc = None
        return {"receipt_number": result.receipt_number, "fd_number": result.number,
                "fiscal_sign": result.fiscal_sign}

    @staticmethod
    def _payments(req: _Requisites, ffd: str) -> tuple[int, int, int, int, int]:
        sums = [req.integer(tag) for tag in _PAYMENT_TAGS]
        if ffd == "1.2" and any(s is None for s in sums):
            # Table 68/69: the drive needs all five sums for its counters [inferred: FFD 1.1+ modes]
            got = PaymentPresence.NONE
            for value, bit in zip(sums, _PAYMENT_BITS, strict=True):
                if value is not None:
                    got |= bit
            raise WireFnError(_NO_PAYMENT_DATA, bytes((int(got),)), command="fn_port")
        cash, electronic, prepaid, credit, other = (s or 0 for s in sums)
        return cash, electronic, prepaid, credit, other

    def _correction(self, req: _Requisites, operation: int, total: int, payments: tuple[int, int, int, int, int],
                    items: tuple[ItemData, ...], taxation: int, cashier: str) -> CorrectionData:
        correction_type = req.need(1173, req.integer(1173))
        basis = _Requisites(req.need(1174, req.raw(1174)), req.ffd, within=1174)
        basis_date = basis.need(1178, basis.moment(1178))
        basis_number = basis.need(1179, basis.text(1179))
        description = basis.text(1177) if req.ffd == "1.05" else None
        basis.refuse_rest()
        vat = {tag: req.integer(tag) or 0 for tag in _VAT_TAGS}
        return CorrectionData(
            operation=operation, correction_type=correction_type, basis_date=basis_date.date(),
            basis_number=basis_number, description=description or "", cash=payments[0], electronic=payments[1],
            prepaid=payments[2], credit=payments[3], other=payments[4], total=total, taxation=taxation,
            cashier=cashier, vat_20=vat[1102], vat_10=vat[1103], sum_vat_0=vat[1104], sum_no_vat=vat[1105],
            vat_20_120=vat[1106], vat_10_110=vat[1107], items=items, extra=req.extras(),
        )

    # --- marked goods (§4.10) ---------------------------------------------------------------------------

    def _marking_status(self, fields: dict[str, Any]) -> dict[str, Any]:
        if fields.get("subcode") is not None:
            if fields["subcode"] != 0:
                raise _err(Code.BAD_PARAMETER, "B0h variant 2 takes sub-code 0 only")
            return {"no_request_allowed": self.core.marking_status().no_request_allowed}
        status = self.core.marking_status()
        doc = self._doc
        allowed = status.allowed_commands
        if doc is None or doc.kind not in (CurrentDocument.RECEIPT, CurrentDocument.CORRECTION_RECEIPT):
            allowed &= ~0xE0  # B7h only inside a receipt or correction
        elif doc.awaiting is not None:
            allowed = (allowed & ~0xE0) | 0x40  # a 2007 waits for its 1059
        return {"check_state": status.check_state, "notification_state": 1 if doc is not None and doc.marked else 0,
                "allowed_commands": allowed, "saved_results": min(status.saved_results, 0xFF),
                "codes_in_notification": len(doc.marked) if doc is not None else 0, "storage_warning": 0,
                "notifications_queued": 0}

    def _awaiting_item(self) -> bool:
        return self._doc is not None and self._doc.awaiting is not None

    def _check_marking_code(self, fields: dict[str, Any]) -> dict[str, Any]:
        if self._awaiting_item():
            raise _err(Code.MARKING_SEQUENCE, "B1h while a 2007 waits for its 1059 (B7h)")
        code = bytes(fields["code"]).decode("cp866")
        check = self.core.check_marking_code(code, int(fields["code_type"]), offset_91=fields.get("offset_91"),
                                             offset_92=fields.get("offset_92"))
        return {"check_result": check.check_result, "reason": check.reason}

    def _save_marking_result(self, fields: dict[str, Any]) -> dict[str, Any]:
        result = self.core.save_marking_result(bool(fields["save"]))
        return {} if result is None else {"product_check_result": result}

    def _clear_marking_results(self, _: dict[str, Any]) -> None:
        if self._doc is not None and self._doc.kind in (CurrentDocument.RECEIPT, CurrentDocument.CORRECTION_RECEIPT):
            raise _err(Code.STATE, "B3h while a receipt is being formed")
        self.core.clear_marking_results()

    def _marking_request(self, fields: dict[str, Any]) -> dict[str, Any]:
        if "datetime" not in fields:
            return {"request": self.core.marking_request()}
        when = fields["datetime"]
        if when is None:
            raise WireFnError(_BAD_FORMAT, command="fn_port")  # Table 136: 01h for a bad date-time
        return {"request": self.core.marking_request(when, bytes(fields["tlv_data"]))}

    def _marking_response(self, fields: dict[str, Any]) -> dict[str, Any]:
        answer = self.core.marking_response(bytes(fields["response"]))
        return {"product_check_result": answer.product_check_result, "tlv_data": answer.tlv}

    def _marked_item_data(self, fields: dict[str, Any]) -> None:
        """B7h: sub-code 1 the 2007 of a kept code, sub-code 2 the 1059 of that code, sub-code 3 notification
        requisites (kept with the document; the notification itself is not formed by this emulator)."""
        doc = self._doc
        if doc is None or doc.kind not in (CurrentDocument.RECEIPT, CurrentDocument.CORRECTION_RECEIPT):
            raise _err(Code.STATE, "B7h outside a receipt or correction")
        if self.core.config.ffd != "1.2" or not (reg := self.core.registration()) or not reg.marking:
            raise _err(Code.MARKING_FORBIDDEN, "the registration has no marked-goods flag")
        step, data = int(fields["step"]), bytes(fields["tlv_data"])
        entries = list(iter_tlv(data))
        if step == 1:
            if doc.awaiting is not None:
                raise _err(Code.MARKING_SEQUENCE, "the previous 2007 still waits for its 1059")
            if entries[0][0] != 2007 or len(entries) != 1:
                raise _err(Code.MISSING_REQUISITES, "B7h sub-code 1 carries one 2007", 2007)
            inner = dict(iter_tlv(entries[0][1]))
            for tag in (2000, 2100, 2110, 2102):
                if tag not in inner:
                    raise _err(Code.MISSING_REQUISITES, f"2007 lacks {tag}", tag)
            code = inner[2000].decode("cp866")
            if code not in self.core.kept_marking_codes():
                raise _err(Code.MARKING_NOT_CHECKED, "the code in 2007 was not kept with B2h", 2000)
            doc.awaiting = code
        elif step == 2:
            if doc.awaiting is None:
                raise _err(Code.MARKING_SEQUENCE, "B7h sub-code 2 needs sub-code 1 first")
            if entries[0][0] != 1059 or len(entries) != 1:
                raise _err(Code.MISSING_REQUISITES, "B7h sub-code 2 carries one 1059", 1059)
            if any(tag == 2106 for tag, _ in iter_tlv(entries[0][1])):
                raise _err(Code.FORBIDDEN_TAG, "2106 is formed by the drive", 2106)
            if len(doc.data) + len(data) > doc.limit:
                raise _err(Code.TLV_TOO_LARGE, f"document data would exceed {doc.limit} bytes")
            index = sum(1 for tag, _ in iter_tlv(bytes(doc.data)) if tag == 1059)
            doc.data += data
            doc.marked[index] = doc.awaiting
            doc.awaiting = None
        else:
            for tag, _ in entries:
                if tag not in (1261, 1228, 1009, 1055):
                    raise _err(Code.FORBIDDEN_TAG, f"requisite {tag} has no place in a notification", tag)

    # --- registration ------------------------------------------------------------------------------

    def _begin_registration(self, fields: dict[str, Any], *, v2: bool) -> None:
        ffd = self.core.config.ffd
        if v2 != (ffd == "1.2") or (v2 and fields["ffd_version"] != FfdVersion.FFD_1_2):
            raise _err(Code.BAD_COMMAND, f"this drive works in FFD {ffd} mode: use "
                       f"{'A2h/A3h with FFD 1.2' if ffd == '1.2' else '02h/03h'}")
        report_type = fields.get("report_type")
        report_type = ReportType.REGISTRATION if report_type is None else report_type
        phase = self.core.status().phase
        if report_type == ReportType.REGISTRATION:
            kind, needed = CurrentDocument.REGISTRATION_REPORT, LifePhase.READY_FOR_FISCAL
        elif report_type == ReportType.REREGISTRATION:
            kind, needed = CurrentDocument.REREGISTRATION, LifePhase.FISCAL_MODE
        else:  # re-registration with FN replacement: FiscalCore.replace_fn, not a ФН command sequence
            raise WireFnError(_BAD_FORMAT, command="fn_port")
        if phase != needed and self._doc is None:
            raise _err(Code.STATE, f"report type {int(report_type)} is not possible in phase {int(phase)}")
        # 02h/A2h carry no DATE_TIME: the finishing command's is checked
        self._begin(0xA2 if v2 else 0x02, kind, None, dated=False, report_type=int(report_type))

    def _finish_registration(self, fields: dict[str, Any], *, v2: bool) -> dict[str, Any]:
        doc = self._opened(CurrentDocument.REGISTRATION_REPORT, CurrentDocument.REREGISTRATION,
                           finisher=0xA3 if v2 else 0x03)
        if doc.begun_by != (0xA2 if v2 else 0x02):
            raise _err(Code.STATE, "the report was begun with the other command pair")
        self._check_time(fields["datetime"])
        ffd = self.core.config.ffd
        req = _Requisites(doc.data, ffd)
        reg = self._registration(req, fields, ffd)
        cashier = req.text(1021) or ""
        reason = fields.get("reason_bits" if v2 else "reason")
        if doc.report_type == ReportType.REGISTRATION:
            if reason is not None:
                raise _err(Code.BAD_PARAMETER, "a registration report takes no re-registration reason")
            result = self.core.register(reg, cashier)
        else:
            if reason is None:
                raise _err(Code.BAD_PARAMETER, "a re-registration needs its reason")
            result = self.core.reregister(reg, int(reason), cashier)
        self._doc = None
        return {"fd_number": result.number, "fiscal_sign": result.fiscal_sign}

    @staticmethod
    def _registration(req: _Requisites, fields: dict[str, Any], ffd: str) -> Registration:
        mode = int(fields["work_mode"])
        flags = {name: bool(mode & bit) for name, bit, _ in _WORK_MODE}
        if ffd == "1.2":
            extended = int(fields["extended_flags"])
            if mode & 0xC0 or extended & 0xE0:
                raise _err(Code.BAD_PARAMETER, "work-mode bits 6-7 / extended flags 5-7 have no place in "
                           "this drive's registration data [port limit]")
            flags.update({name: bool(extended & bit) for name, bit, _ in _EXTENDED})
            ofd_inn = str(fields["ofd_inn"])
        else:
            for name, tag in _REG_FLAG_TAGS_105:
                value = req.integer(tag)
                if value not in (None, 0, 1):
                    raise _err(Code.BAD_REQUISITE, f"flag {tag} must be 0 or 1", tag)
                flags[name] = bool(value)
            ofd_inn = req.text(1017) or ""
        return Registration(
            user_name=req.need(1048, req.text(1048)),
            inn=str(fields["inn"]),
            rnm=str(fields["rnm"]),
            kkt_serial=req.need(1013, req.text(1013)),
            address=req.need(1009, req.text(1009)),
            place=req.need(1187, req.text(1187)),
            taxation=int(fields["tax_systems"]),
            ofd_inn=ofd_inn,
            ofd_name=req.text(1046) or "",
            fns_site=req.text(1060) or "",
            sender_email=req.text(1117),
            ffd_version=req.need(1189, req.integer(1189)),
            machine_number=req.text(1036),
            kkt_version=req.need(1188, req.text(1188)),
            **flags,
        )


# --- 40h archive records (appendix §5.1) ---------------------------------------------------------------


def _archive_record(doc: DocumentResult) -> dict[str, Any]:
    """The Table 180–188 record of a document, filled from its stored TLV."""
    children = {}
    for tag, raw in iter_tlv(doc.tlv[_HEADER.size:]):
        if tag not in children:  # first occurrence, as FiscalDocument.get
            children[tag] = raw

    def value(tag: int) -> Any:
        raw = children.get(tag)
        return None if raw is None else decode_one(_HEADER.pack(tag, len(raw)) + raw).value

    record: dict[str, Any] = {"datetime": doc.datetime, "fd_number": doc.number, "fiscal_sign": doc.fiscal_sign}
    kind = doc.document_type
    if kind in (1, 11):
        ffd12 = value(1209) == _FFD_CODE["1.2"]
        usage = int(value(1290) or 0)
        mode = 0
        for _name, bit, tag in _WORK_MODE:
            if tag in (1056, 1002, 1001) or not ffd12:
                mode |= bit if value(tag) else 0
        if ffd12:
            for bit, flag in _WORK_MODE_1290 + _WORK_MODE_12_ONLY:
                mode |= bit if usage & flag else 0
        record.update(inn=str(value(1018)).strip(), rnm=str(value(1037)).strip(), tax_systems=int(value(1062)),
                      work_mode=mode)
        if ffd12:
            extended = 0
            for _name, bit, flag in _EXTENDED:
                extended |= bit if usage & flag else 0
            for bit, flag in _EXTENDED_1290_ONLY:
                extended |= bit if usage & flag else 0
            record.update(extended_flags=extended, ofd_inn=str(value(1017)).strip())
            if kind == 11:
                record["reason_bits"] = int(value(1205) or 0)
        elif kind == 11:
            record["reason"] = int(value(1101) or 0)
    elif kind in (3, 4, 31, 41):
        record.update(operation=int(value(1054)), total=int(value(1020)))
    elif kind in (2, 5):
        record["shift_number"] = int(value(1038))
    elif kind == 6:
        record.update(inn=str(value(1018)).strip(), rnm=str(value(1037)).strip())
    elif kind == 21:
        first, count = value(1098), int(value(1097) or 0)
        record.update(unconfirmed_count=count,  # 1098 is zero seconds when nothing waits [inferred]
                      first_unconfirmed_date=first.date() if isinstance(first, datetime) and count else None)
    return record
