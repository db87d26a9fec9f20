"""The fiscal-register steps in the MS-K wire protocol.

Published commands where they exist — ``1`` cashier, ``E`` version, ``H`` clock, ``J`` last document,
``_`` X/Z reports, ``0x53`` the fiscal document (sale, return, cash in/out, annul) — and our ФН-era
extension for the rest (:mod:`kkt_drivers.protocols.incotex.msk_fn`, all [inferred]): ``A`` open shift,
``F``/``K``/``D``/``L``/``Q``/``M`` ФН, shift, document, OFD and drawer queries, ``W``+``Y`` registration,
``V`` close the ФН, ``U``/``X``/``Z`` «Сервер ККТ».

A receipt is one ``0x53`` document laid out as the official driver lays out a sale (header lines, name and
price line per position, total, payments, change), with the ФН's requisites in type-40 records. A document
of more than :data:`RECORDS_PER_FRAME` records goes in several ``0x53`` frames, all but the last without
the "close" flag; only the last makes the fiscal document.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import TypeVar

from ...device import atomic
from ...errors import DeviceError, InvalidParameter, ProtocolError
from ...ffd.tlv import encode_tlv
from ...protocols.error_table import ErrorTable
from ...protocols.incotex import msk_commands as mc
from ...protocols.incotex import msk_fn as fn
from ...protocols.incotex.msk_errors import MSK_ERROR_ENTRIES
from ...protocols.incotex.msk_framer import MskFrameError
from ...session import Session
from ...types import (
    Cashier,
    DeviceLimits,
    DeviceStatus,
    DocumentInfo,
    FnPhase,
    FnStatus,
    Item,
    OfdStatus,
    ReceiptType,
    Registration,
    RegistrationKind,
    ShiftState,
)
from .backend import Backend, PendingReceipt, ServerExchangeStatus

#: the family's device errors: MS-K result codes with our ФН and «Сервер ККТ» extension
ERRORS = ErrorTable("mercury", MSK_ERROR_ENTRIES)
#: 0x53 records per frame: 250 × 61 bytes stays below the 16 KiB body the framer takes
RECORDS_PER_FRAME = 250
#: a 0x53 text record holds 40 characters: the longest position name
MAX_NAME = 40
LIMITS = DeviceLimits(code_page="cp866", max_sum=99_999_999_99, max_quantity=Decimal(99_999), quantity_decimals=3,
                      max_items=300, max_name=MAX_NAME)
#: the result a register gives for a document begun while another is open: 002A «текущее состояние ККМ не
#: позволяет выполнить операцию» [inferred]
RECEIPT_OPEN_RESULT = 0x002A

DOC_TYPES: dict[tuple[ReceiptType, bool], mc.DocumentType] = {
    (ReceiptType.SELL, False): mc.DocumentType.SALE, (ReceiptType.SELL_RETURN, False): mc.DocumentType.RETURN,
    (ReceiptType.BUY, False): mc.DocumentType.BUY, (ReceiptType.BUY_RETURN, False): mc.DocumentType.BUY_RETURN,
    (ReceiptType.SELL, True): mc.DocumentType.CORRECTION_SALE,
    (ReceiptType.SELL_RETURN, True): mc.DocumentType.CORRECTION_RETURN,
    (ReceiptType.BUY, True): mc.DocumentType.CORRECTION_BUY,
    (ReceiptType.BUY_RETURN, True): mc.DocumentType.CORRECTION_BUY_RETURN,
}

A = TypeVar("A", bound=mc.AnswerData)


@dataclass(frozen=True)
class MskStatus:
    """The register's own status: the KKM status word, the printer byte and its version answer."""

    status: mc.KkmStatus
    printer: mc.PrinterStatus
    version: mc.VersionInfo


def _roubles(kopecks: int) -> Decimal:
    return Decimal(kopecks).scaleb(-2)


def _plain(quantity: Decimal) -> Decimal:
    """A quantity as the register writes it: no trailing zeros, no exponent."""
    value = Decimal(quantity).quantize(Decimal("0.001")).normalize()
    return value.quantize(Decimal(1)) if value == value.to_integral_value() else value


def _tlv(tag: int, value: bytes) -> bytes:
    return tag.to_bytes(2, "little") + len(value).to_bytes(2, "little") + value


class MskBackend(Backend):
    """MS-K commands on a :class:`~kkt_drivers.session.Session` with an ``MskLink``."""

    protocol = "msk"
    limits = LIMITS

    def __init__(self, session: Session, *, password: bytes = b"0000") -> None:
        self.session = session
        self.password = password
        self._version: mc.VersionInfo | None = None
        #: the status word and printer byte of the last answer
        self.last_status: mc.KkmStatus | None = None
        self.last_printer: mc.PrinterStatus | None = None

    # -- raw access ----------------------------------------------------------------------
    def execute(self, request: mc.MskRequest) -> mc.Answer:
        """Send one request; a non-zero result raises the family's :class:`DeviceError`."""
        command = mc.command_for(request.CODE)
        body = mc.build_request(request, password=self.password)
        raw = self.session.exchange(body, timeout=command.timeout_seconds, idempotent=command.idempotent)
        try:
            answer = mc.decode_answer(raw, expected=request.CODE, check=False)
        except MskFrameError as exc:
            raise ProtocolError(f"MS-K answer to {command.label}: {exc}",
                                message_ru=f"ответ МС-К на {command.label}: {exc}") from exc
        self.last_status, self.last_printer = answer.status, answer.printer
        if not answer.ok:
            raise ERRORS.error(answer.result, command.label)
        return answer

    def query(self, request: mc.MskRequest, kind: type[A]) -> A:
        answer = self.execute(request)
        if not isinstance(answer.data, kind):
            raise ProtocolError(f"MS-K answer to {chr(request.CODE)!r} carries no {kind.__name__}",
                                message_ru=f"в ответе МС-К на {chr(request.CODE)!r} нет {kind.__name__}")
        return answer.data

    def version(self) -> mc.VersionInfo:
        """``E``: serial number, name, maker and software version (asked once)."""
        if self._version is None:
            self._version = self.query(mc.GetVersion(), mc.VersionInfo)
        return self._version

    def register_cashier(self, cashier: Cashier) -> None:
        """``1``: the cashier the next documents carry (name, and INN in our extension)."""
        self.execute(mc.RegisterCashier(0, cashier.name[:MAX_NAME].strip() or "Кассир", cashier.inn))

    # -- queries ---------------------------------------------------------------------------
    @atomic
    def device_status(self) -> DeviceStatus:
        version = self.version()
        when = self.query(mc.GetDateTime(), mc.DeviceDateTime)
        s, p = self.last_status, self.last_printer
        assert s is not None and p is not None  # set by the answer just read
        return DeviceStatus(
            family="mercury", model=version.name.strip(), serial_number=version.serial.strip(),
            datetime=when.value, fiscalised=s.fiscalised, shift_open=s.shift_open,
            receipt_open=s.document_state is not mc.DocumentState.CLOSED, paper_present=not p.paper_out,
            drawer_open=p.drawer_open, firmware=version.version.strip(), details=MskStatus(s, p, version))

    def fn_status(self) -> FnStatus:
        f = self.query(fn.FnStatusQuery(), fn.FnStatusData)
        phase = FnPhase(f.phase) if f.phase in FnPhase._value2member_map_ else FnPhase.SETUP
        return FnStatus(phase=phase, shift_open=f.shift_open, warnings=f.warnings,
                        last_document_datetime=f.last_document_datetime, fn_number=f.fn_number,
                        last_document_number=f.last_document, valid_until=f.valid_until,
                        registrations_left=f.registrations_left)

    def last_document_number(self) -> int:
        return self.query(fn.FnStatusQuery(), fn.FnStatusData).last_document

    def shift_state(self) -> ShiftState:
        k = self.query(fn.ShiftStateQuery(), fn.ShiftStateData)
        expires = k.opened_at + dt.timedelta(hours=24) if k.open and k.opened_at else None
        return ShiftState(open=k.open, number=k.number, next_receipt_number=k.next_receipt, expired=k.expired,
                          expires_at=expires)

    def document(self, number: int) -> DocumentInfo:
        d = self.query(fn.FnDocumentQuery(number), fn.FnDocumentData)
        return DocumentInfo(number=d.number, fiscal_sign=d.fiscal_sign, datetime=d.datetime, document_type=d.doc_type)

    @atomic
    def document_tlv(self, number: int) -> bytes:
        """``L`` chunk by chunk until the whole document is read."""
        data = bytearray()
        size: int | None = None
        while size is None or len(data) < size:
            chunk = self.query(fn.FnDocumentTlvQuery(number, len(data)), fn.TlvChunk)
            if size is None:
                size = chunk.size
            if chunk.size != size or chunk.offset != len(data) or (not chunk.data and len(data) < size):
                raise ProtocolError(f"document {number}: TLV chunk at {chunk.offset} of {chunk.size} does not follow "
                                    f"{len(data)} of {size}",
                                    message_ru=f"документ {number}: фрагмент TLV со смещением {chunk.offset} из "
                                               f"{chunk.size} не продолжает {len(data)} из {size}")
            data += chunk.data
        return bytes(data)

    def receipt_is_open(self) -> bool:
        return self.execute(mc.GetDateTime()).status.document_state is not mc.DocumentState.CLOSED

    def ofd_status(self) -> OfdStatus:
        q = self.query(fn.OfdStatusQuery(), fn.OfdStatusData)
        return OfdStatus(unsent_count=q.unsent, first_unsent_number=q.first_number,
                         first_unsent_datetime=q.first_datetime, connected=q.connected)

    def last_document_info(self) -> mc.DocumentInfo:
        """``J``: the register's last document (its own numbering, as the official driver reads it)."""
        return self.query(mc.LastDocumentInfo(), mc.DocumentInfo)

    # -- shift -----------------------------------------------------------------------------
    @atomic
    def open_shift(self, cashier: Cashier) -> None:
        self.register_cashier(cashier)
        self.execute(fn.OpenShift())

    @atomic
    def close_shift(self, cashier: Cashier) -> None:
        self.register_cashier(cashier)
        self.execute(mc.Report(mc.ReportKind.Z))

    @atomic
    def x_report(self, cashier: Cashier) -> None:
        self.register_cashier(cashier)
        self.execute(mc.Report(mc.ReportKind.X))

    # -- receipt ---------------------------------------------------------------------------
    def check_no_receipt_open(self) -> None:
        if self.receipt_is_open():
            raise ERRORS.error(RECEIPT_OPEN_RESULT, "53 fiscal_document")

    @staticmethod
    def records(receipt: PendingReceipt) -> list[mc.Record]:
        """The 0x53 records of a collected receipt (checked: a name must fit a 40-character record)."""
        positions = []
        for item in receipt.items:
            if len(item.name) > MAX_NAME:
                raise InvalidParameter(f"position name longer than {MAX_NAME} characters: {item.name!r}",
                                       message_ru=f"название позиции длиннее {MAX_NAME} символов: {item.name!r}")
            price = mc.PriceRecord(price=_roubles(item.price), quantity=_plain(item.quantity), section=1,
                                   goods_code="0")
            positions.append(fn.Position(price, item.name, position_tlvs(item, receipt.ffd)))
        document_tlv = b""
        if receipt.taxation is not None:
            document_tlv += encode_tlv(1055, int(receipt.taxation), receipt.ffd)
        for tag, value in receipt.requisites:
            document_tlv += _tlv(tag, value)
        payments = [(int(p.type), _roubles(p.amount)) for p in receipt.payments if p.amount > 0]
        return fn.build_document_records(positions, document_tlv=document_tlv, payments=payments)

    @atomic
    def close_receipt(self, receipt: PendingReceipt) -> None:
        rows = self.records(receipt)
        doc_type = DOC_TYPES[(receipt.operation, receipt.correction)]
        self.register_cashier(receipt.cashier)
        chunks = frames_of(rows)
        for chunk in chunks[:-1]:
            self.execute(mc.FiscalDocument(doc_type, mc.DOC_EXTENDED_ANSWER, chunk))
        self.execute(mc.FiscalDocument(doc_type, mc.DOC_CLOSE | mc.DOC_EXTENDED_ANSWER, chunks[-1]))

    def cancel_receipt(self) -> None:
        """0x53 with the annul flag and no records, as [S5] sends it."""
        self.execute(mc.FiscalDocument(mc.DocumentType.SALE, mc.DOC_ANNUL, (), zero_pad_count=True))

    # -- cash ------------------------------------------------------------------------------
    def _cash(self, doc_type: mc.DocumentType, amount: int, cashier: Cashier) -> None:
        """A cash document laid out as the captured cash-out: header, one price line, the total."""
        if amount <= 0:
            raise InvalidParameter(f"a cash amount must be positive, got {amount}",
                                   message_ru=f"сумма внесения/выплаты должна быть положительной, получено {amount}")
        price = mc.PriceRecord(price=_roubles(amount), quantity=None, section=None, goods_code="")
        rows = fn.build_document_records([fn.Position(price)])
        self.register_cashier(cashier)
        self.execute(mc.FiscalDocument(doc_type, mc.DOC_CLOSE | mc.DOC_EXTENDED_ANSWER, tuple(rows)))

    @atomic
    def cash_in(self, amount: int, cashier: Cashier) -> None:
        self._cash(mc.DocumentType.CASH_IN, amount, cashier)

    @atomic
    def cash_out(self, amount: int, cashier: Cashier) -> None:
        self._cash(mc.DocumentType.CASH_OUT, amount, cashier)

    def cash_in_drawer(self) -> int:
        cash = self.query(fn.CashQuery(), fn.CashData).cash
        return int(cash.scaleb(2))

    # -- registration ----------------------------------------------------------------------
    @staticmethod
    def registration_requisites(reg: Registration) -> list[tuple[int, bytes]]:
        values: list[tuple[int, object]] = [
            (1048, reg.user_name), (1018, reg.inn.ljust(12)), (1037, reg.rnm.ljust(20)), (1009, reg.address),
            (1187, reg.place), (1062, int(reg.taxation)), (1017, reg.ofd_inn.ljust(12)), (1046, reg.ofd_name),
            (1060, reg.fns_site), (1209, {"1.05": 2, "1.2": 4}[reg.ffd]), (1002, int(reg.autonomous)),
            (1109, int(reg.services)), (1108, int(reg.internet)),
        ]
        if reg.sender_email:
            values.append((1117, reg.sender_email))
        return [(tag, encode_tlv(tag, value, "1.05")[4:]) for tag, value in values]  # type: ignore[arg-type]

    @atomic
    def register(self, registration: Registration, *, kind: RegistrationKind, cashier: Cashier, reasons: int,
                 new_fn_number: str | None) -> None:
        """``W`` for each requisite (1041 for a new ФН), ``1`` the cashier, then ``Y``."""
        requisites = self.registration_requisites(registration)
        if kind is RegistrationKind.REPLACE_FN:
            assert new_fn_number is not None
            requisites.append((1041, new_fn_number.encode("ascii")))
        for tag, value in requisites:
            self.execute(fn.WriteRequisite(tag, value))
        self.register_cashier(cashier)
        y_kind = {RegistrationKind.REGISTER: fn.RegistrationKind.REGISTER,
                  RegistrationKind.REPLACE_FN: fn.RegistrationKind.REPLACE_FN,
                  RegistrationKind.CHANGE: fn.RegistrationKind.CHANGE}[kind]
        self.execute(fn.Register(y_kind, reasons if kind is RegistrationKind.CHANGE else 0))

    @atomic
    def close_fn(self, cashier: Cashier) -> None:
        self.register_cashier(cashier)
        self.execute(fn.CloseFn())

    # -- «Сервер ККТ» ------------------------------------------------------------------------
    def kkt_server_settings(self) -> tuple[str, str]:
        data = self.query(fn.KktServerSettings(), fn.KktServerData)
        return data.server_id, data.address

    def set_kkt_server(self, server_id: str, address: str | None = None) -> None:
        self.execute(fn.KktServerSettings(True, server_id, address or ""))

    @staticmethod
    def _status(data: fn.KktServerStatusData) -> ServerExchangeStatus:
        return ServerExchangeStatus(data.state, data.last_exchange, data.goods, data.unsent_sales,
                                    data.message.strip())

    def kkt_server_status(self) -> ServerExchangeStatus:
        return self._status(self.query(fn.KktServerQuery(fn.KktServerAction.STATUS), fn.KktServerStatusData))

    def kkt_server_test(self) -> ServerExchangeStatus:
        return self._status(self.query(fn.KktServerQuery(fn.KktServerAction.TEST), fn.KktServerStatusData))

    def kkt_server_exchange(self) -> ServerExchangeStatus:
        """``Z``; a failed exchange is answered with its result code and the status says why (the refused
        goods record by name): both are reported as the :class:`DeviceError`, whose Russian text carries the
        status message."""
        try:
            return self._status(self.query(fn.KktServerExchange(), fn.KktServerStatusData))
        except DeviceError as exc:
            status = self.kkt_server_status()
            raise DeviceError(exc.code, f"{exc.message}: {status.message}", f"{exc.message_ru}: {status.message}",
                              family=exc.family, command=exc.command) from exc


def position_tlvs(item: Item, ffd: str) -> bytes:
    """A position's TLV stream for its type-40 records: 1199, 1214, 1212 (and 1043 when discounted), the
    requisites :func:`kkt_drivers.requisites.item_requisites` builds (checked before a byte goes out), and for a
    marked good the code as scanned (2000) with its planned status (2003) for the register's own ФН check —
    the register keeps those two out of the position [inferred]."""
    from ...requisites import item_requisites

    stream = _tlv(1199, bytes((int(item.vat),))) + _tlv(1214, bytes((int(item.payment_method),))) \
        + _tlv(1212, bytes((int(item.payment_subject),)))
    if item.discount:
        stream += encode_tlv(1043, item.amount, ffd if ffd in ("1.05", "1.2") else "1.05")
    if ffd not in ("1.05", "1.2"):
        return stream  # a caller that bypasses the facade's checks: the register judges the rest
    if item.marking is not None:
        stream += encode_tlv(2000, item.marking.code, "1.2") + _tlv(2003, bytes((item.marking.planned_status,)))
    return stream + b"".join(_tlv(tag, value) for tag, value in item_requisites(item, ffd))


def frames_of(rows: list[mc.Record], size: int = RECORDS_PER_FRAME) -> list[tuple[mc.Record, ...]]:
    """Records packed into frames of at most ``size``, never splitting a position (its name, price line and
    TLV records travel in one frame)."""
    units: list[list[mc.Record]] = []
    for record in rows:
        position_tlv = not isinstance(record, mc.PriceRecord) and record.type == mc.RequisiteType.TLV \
            and not record.flags & fn.TLV_OF_DOCUMENT
        joins_name = isinstance(record, mc.PriceRecord) and units and len(units[-1]) == 1 \
            and not isinstance(units[-1][0], mc.PriceRecord) and units[-1][0].type == mc.RequisiteType.TEXT
        if units and (position_tlv or joins_name):
            units[-1].append(record)
        else:
            units.append([record])
    frames: list[list[mc.Record]] = [[]]
    for unit in units:
        if frames[-1] and len(frames[-1]) + len(unit) > size:
            frames.append([])
        frames[-1].extend(unit)
    return [tuple(frame) for frame in frames]
