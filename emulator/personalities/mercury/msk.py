"""The MS-K side of an emulated Меркурий: request bodies in, answer bodies out.

Requests are decoded with the driver's own declarations (:mod:`kkt_drivers.protocols.incotex.msk_commands`
and the ФН-era extension :mod:`~kkt_drivers.protocols.incotex.msk_fn`); the device link
(:class:`~kkt_drivers.protocols.incotex.msk_device_link.MskDeviceLink`) answers the password, ``I`` and
checksum errors itself. Every answer carries the 16-bit status word (shift, fiscalised, document state and
operation) and the printer byte. A refused command changes nothing: a ``0x53`` document that fails halfway
leaves the register as it was before that frame.

Result codes are the published table's where one fits, else our extension (0100h + the ФН's code, 0201h–
0205h for the «Сервер ККТ»); which published code a refusal gets is [inferred] where no source shows it.
"""

from __future__ import annotations

import copy
import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from kkt_drivers.protocols.incotex import msk_commands as mc
from kkt_drivers.protocols.incotex import msk_errors as me
from kkt_drivers.protocols.incotex import msk_fn as fn
from kkt_drivers.protocols.incotex.kkt_server import ExchangeState
from kkt_drivers.protocols.incotex.msk_framer import MskFrameError

from .items import msk_position, split_tlv
from .machine import Machine, Refusal, Sale, ServerStatus, Why

MANUFACTURER = '(C) 2004 "ИНКОТЕКС"'  # [S7]'s captured 0x45 answer
#: seconds a real register takes: documents and reports long enough for keep-alives, queries short [inferred]
DOCUMENT_SECONDS = 2.0
QUERY_SECONDS = 0.05

RESULTS: dict[Why, int] = {
    Why.NOT_FISCAL: 0x0014, Why.SHIFT_OPEN: 0x0002, Why.SHIFT_CLOSED: 0x000C, Why.SHIFT_EXPIRED: 0x009F,
    Why.RECEIPT_OPEN: 0x002A, Why.RECEIPT_CLOSED: 0x002A, Why.RECEIPT_OF_ANOTHER: 0x002A, Why.UNDERPAID: 0x0099,
    Why.NONCASH_EXCEEDS: 0x009B, Why.NO_CASH: 0x0017, Why.BAD_VALUE: 0x0015, Why.MISSING: 0x0018,
    Why.NO_DATA: 0x002F, Why.BUSY: 0x002A, Why.NO_OPERATION: 0x002A, Why.GOODS: me.SERVER_GOODS_BASE,
    Why.NO_SERVER_ID: me.SERVER_NO_ID,
}
SERVER_RESULTS = {ExchangeState.NOT_ANSWERING: me.SERVER_NOT_ANSWERING, ExchangeState.PROTOCOL: me.SERVER_PROTOCOL,
                  ExchangeState.REFUSED: me.SERVER_REFUSED}
#: what the status word's bits 10–14 show while a document of this 0x53 type is open
OPERATIONS = {mc.DocumentType.SALE: mc.CurrentOperation.SALE, mc.DocumentType.RETURN: mc.CurrentOperation.CASH_REFUND,
              mc.DocumentType.CASH_IN: mc.CurrentOperation.CASH_IN,
              mc.DocumentType.CASH_OUT: mc.CurrentOperation.CASH_OUT}
#: 0x53 receipt types -> (1054 признак расчёта, correction)
RECEIPTS: dict[int, tuple[int, bool]] = {
    mc.DocumentType.SALE: (1, False), mc.DocumentType.RETURN: (2, False), mc.DocumentType.BUY: (3, False),
    mc.DocumentType.BUY_RETURN: (4, False), mc.DocumentType.CORRECTION_SALE: (1, True),
    mc.DocumentType.CORRECTION_RETURN: (2, True), mc.DocumentType.CORRECTION_BUY: (3, True),
    mc.DocumentType.CORRECTION_BUY_RETURN: (4, True),
}


@dataclass(frozen=True)
class Execution:
    answer: bytes
    failed: bool
    seconds: float


def result_of(refusal: Refusal) -> int:
    if refusal.why is Why.FN and refusal.fn_code is not None:
        return me.FN_BASE + refusal.fn_code
    if refusal.why is Why.SERVER:
        return SERVER_RESULTS.get(refusal.server_state or ExchangeState.NOT_ANSWERING, me.SERVER_NOT_ANSWERING)
    return RESULTS.get(refusal.why, 0x002A)


class MskFront:
    """MS-K commands on the shared :class:`Machine`."""

    def __init__(self, machine: Machine) -> None:
        self.m = machine
        self._sale_type: int | None = None
        self._handlers: dict[int, Callable[[Any, int], mc.AnswerData | None]] = {
            0x31: self._cashier, 0x36: self._ok, 0x38: self._ok, 0x45: self._version, 0x47: self._set_clock,
            0x48: self._clock, 0x4A: self._last_document, 0x4F: self._ok, 0x52: self._ok, 0x53: self._document,
            0x54: self._ok, 0x5C: self._parameter, 0x5F: self._report,
            0x41: self._open_shift, 0x44: self._fn_document, 0x46: self._fn_status, 0x4B: self._shift,
            0x4C: self._fn_tlv, 0x4D: self._cash, 0x51: self._ofd, 0x55: self._server_settings, 0x56: self._close_fn,
            0x57: self._write_requisite, 0x58: self._server_query, 0x59: self._register, 0x5A: self._exchange,
        }

    # -- status --------------------------------------------------------------------------------
    def status(self) -> tuple[int, int]:
        """(KKM status word, printer byte) as every answer reports them."""
        m = self.m
        shift = m.core.shift()
        phase = int(m.core.status().phase)
        sale_open = m.sale is not None
        operation = OPERATIONS.get(mc.DocumentType(self._sale_type), mc.CurrentOperation.SALE) \
            if sale_open and self._sale_type is not None and self._sale_type in OPERATIONS else \
            mc.CurrentOperation.SALE if sale_open else mc.CurrentOperation.FINISHED
        word = mc.KkmStatus(
            shift_open=shift.open, tape_57mm=m.profile.line_width <= 32, fiscalised=phase == 0x03,
            fiscal_memory_exhausted=phase in (0x07, 0x0F),
            document_state=mc.DocumentState.OPEN if sale_open else mc.DocumentState.CLOSED,
            operation=operation, last_copy_available=int(m.core.device_value("msk_doc", 0) or 0) > 0).word
        printer = 0x4C if m.paper else 0xAC  # captured "4e" less the open drawer; no paper: busy, not ready
        return word, printer

    # -- dispatch ------------------------------------------------------------------------------
    def execute(self, body: bytes, client: int) -> Execution:
        code = body[0] if body else 0x30
        try:
            decoded = mc.decode_request(body)
        except mc.UnknownCommand:
            return self._answer(code, None, 0x001D)
        except MskFrameError:
            return self._answer(code, None, 0x0019)
        handler = self._handlers.get(code)
        if handler is None:
            return self._answer(code, None, 0x001D)
        long = code in (0x53, 0x5F, 0x41, 0x59, 0x56, 0x5A)
        try:
            data = handler(decoded.request, client)
        except Refusal as refusal:
            return self._answer(code, None, result_of(refusal))
        return self._answer(code, data, 0, DOCUMENT_SECONDS if long else QUERY_SECONDS)

    def _answer(self, code: int, data: mc.AnswerData | None, result: int, seconds: float = QUERY_SECONDS
                ) -> Execution:
        word, printer = self.status()
        return Execution(mc.build_answer(code, data, status=word, printer=printer, result=result), result != 0,
                         seconds)

    def failure(self, body: bytes) -> Execution:
        """A handler raised: 002B «ошибка данных энергонезависимой памяти» [inferred: how the register reports
        an internal fault is not published]."""
        return self._answer(body[0] if body else 0x30, None, 0x002B)

    # -- published commands ----------------------------------------------------------------------
    @staticmethod
    def _ok(request: Any, client: int) -> None:
        return None

    def _cashier(self, request: mc.RegisterCashier, client: int) -> None:
        name = request.name.strip()
        if not name:
            raise Refusal(Why.MISSING, "имя кассира")
        self.m.set_cashier(name, request.inn)

    def _version(self, request: Any, client: int) -> mc.VersionInfo:
        p = self.m.profile
        return mc.VersionInfo(p.serial, p.name, MANUFACTURER, p.version)

    def _set_clock(self, request: mc.SetDateTime, client: int) -> None:
        self.m.no_receipt(client)
        if self.m.core.shift().open:
            raise Refusal(Why.SHIFT_OPEN)
        self.m.fn(self.m.core.set_clock, request.value)

    def _clock(self, request: Any, client: int) -> mc.DeviceDateTime:
        return mc.DeviceDateTime(self.m.clock.now().replace(second=0, microsecond=0, tzinfo=None))

    def _last_document(self, request: Any, client: int) -> mc.DocumentInfo:
        last = self.m.core.device_value("msk_last")
        if not isinstance(last, dict):
            return mc.DocumentInfo(0, 0, self.m.clock.now().replace(second=0, microsecond=0, tzinfo=None), 0,
                                   Decimal(0))
        return mc.DocumentInfo(int(last["cashier"]), int(last["doc"]), dt.datetime.fromisoformat(last["at"]),
                               int(last["type"]), Decimal(last["total"]), last.get("check"), None)

    def _parameter(self, request: mc.ReadParameter, client: int) -> mc.ParameterValue:
        n = request.number
        registration = self.m.core.registration()
        if 300 <= n <= 303:
            name = registration.user_name if registration else ""
            value = name[(n - 300) * 40:(n - 299) * 40]
        elif n == 304:
            value = registration.inn if registration else ""
        elif n == 306:
            value = "30400000" if self.m.paper else "30400040"  # [S5] bit layout; no paper: byte 4 bit 6
            value += "00"
        elif n in (307, 329, 330, 331, 332):
            value = "0"  # meaning unknown; the captured register answered "0" to 329–332
        elif 400 <= n <= 499:
            value = self.m.cashier()[0]
        else:
            raise Refusal(Why.BAD_VALUE, f"параметр {n}")
        return mc.ParameterValue(n, value[:40])

    def _report(self, request: mc.Report, client: int) -> None:
        name, inn = self.m.cashier()
        if request.kind is mc.ReportKind.Z:
            self.m.close_shift(client, name, inn)
            self._count_document(0, Decimal(0), check=False)
        else:
            self.m.x_report(client)

    # -- 0x53 --------------------------------------------------------------------------------------
    def _document(self, request: mc.FiscalDocument, client: int) -> mc.DocumentInfo | None:
        m = self.m
        if request.flags & mc.DOC_ANNUL:
            m.cancel_sale(client)
            self._sale_type = None
            return None
        try:
            parsed = fn.parse_document(request.records)
        except MskFrameError as exc:
            raise Refusal(Why.BAD_VALUE, str(exc)) from None
        doc_type = int(request.doc_type)
        extended = bool(request.flags & mc.DOC_EXTENDED_ANSWER)
        if doc_type in (mc.DocumentType.CASH_IN, mc.DocumentType.CASH_OUT):
            amount = sum((p.price.price for p in parsed.positions), Decimal(0))
            delta = Decimal(amount) * 100
            if delta != delta.to_integral_value() or amount <= 0:
                raise Refusal(Why.BAD_VALUE, f"сумма {amount}")
            m.cash(client, int(delta) if doc_type == mc.DocumentType.CASH_IN else -int(delta))
            return self._count_document(doc_type, amount) if extended else None
        if doc_type not in RECEIPTS:
            raise Refusal(Why.BAD_VALUE, f"тип документа {doc_type}")
        before = (copy.deepcopy(m.sale), m.owner, self._sale_type)
        try:
            result = self._receipt(request, parsed, doc_type, client)
        except BaseException:
            m.sale, m.owner, self._sale_type = before  # a refused frame changes nothing
            raise
        if result is None:
            return None
        total, check = result
        return self._count_document(doc_type, total, check_number=check) if extended else None

    def _receipt(self, request: mc.FiscalDocument, parsed: fn.ParsedDocument, doc_type: int,
                 client: int) -> tuple[Decimal, int] | None:
        m = self.m
        operation, correction = RECEIPTS[doc_type]
        if m.sale is None:
            name, inn = m.cashier()
            m.begin_sale(Sale(operation, correction, cashier=name, cashier_inn=inn), client)
            self._sale_type = doc_type
        elif self._sale_type != doc_type:
            raise Refusal(Why.RECEIPT_OPEN, "открыт документ другого типа")
        sale = m.require_sale(client)
        for position in parsed.positions:
            price = position.price
            built = msk_position(position.name, price.price, price.quantity, price.section, price.goods_code,
                                 position.tlv)
            if built.marking is not None:
                m.check_marking(*built.marking)
            m.add_item(client, built.item, built.goods)
        self._document_tlv(sale, parsed.tlv)
        for tag, amount in parsed.payments.items():
            value = amount * 100
            if value != value.to_integral_value() or value <= 0:
                raise Refusal(Why.BAD_VALUE, f"оплата {amount}")
            sale.payments[tag] = sale.payments.get(tag, 0) + int(value)
        if parsed.discount_percent is not None:
            sale.discount_percent = parsed.discount_percent
        if not request.flags & mc.DOC_CLOSE:
            return None
        result, _change = m.close_sale(client)
        self._sale_type = None
        return self._total_of(result.tlv), result.receipt_number

    @staticmethod
    def _total_of(tlv: bytes) -> Decimal:
        from kkt_drivers.ffd.tlv import decode_tlv

        for child in decode_tlv(tlv)[0].children:
            if child.tag == 1020 and isinstance(child.value, int):
                return Decimal(child.value).scaleb(-2)
        return Decimal(0)

    def _document_tlv(self, sale: Sale, data: bytes) -> None:
        from kkt_drivers.ffd.tlv import decode_tlv

        for tag, raw in split_tlv(data):
            value = decode_tlv(tag.to_bytes(2, "little") + len(raw).to_bytes(2, "little") + raw)[0]
            if tag == 1055 and isinstance(value.value, int):
                sale.taxation = value.value
            elif tag == 1008:
                sale.buyer_contact = str(value.value)
            elif tag == 1173 and isinstance(value.value, int):
                sale.correction_type = value.value
            elif tag == 1174:
                for child in value.children:
                    if child.tag == 1178 and isinstance(child.value, dt.datetime):
                        sale.basis_date = child.value.date()
                    elif child.tag == 1179:
                        sale.basis_number = str(child.value)
                    elif child.tag == 1177:
                        sale.description = str(child.value)
            elif tag in (1102, 1103, 1104, 1105, 1106, 1107) and isinstance(value.value, int):
                sale.vat_sums[tag] = value.value
            else:
                sale.extra.append((tag, raw))

    def _count_document(self, doc_type: int, total: Decimal, *, check: bool = True,
                        check_number: int | None = None) -> mc.DocumentInfo:
        """The register's own numbering (``J``): every document, and checks within the shift."""
        m = self.m
        number = int(m.core.device_value("msk_doc", 0) or 0) + 1
        checks = int(m.core.device_value("msk_checks", 0) or 0) + (1 if check else 0)
        now = m.clock.now().replace(second=0, microsecond=0, tzinfo=None)
        check_no = check_number if check_number is not None else checks % 100000
        last = {"cashier": 0, "doc": number % 100000, "at": now.isoformat(), "type": doc_type, "total": str(total),
                "check": check_no}
        m.core.store_device_values({"msk_doc": number, "msk_checks": checks, "msk_last": last})
        return mc.DocumentInfo(0, number % 100000, now, doc_type, total, check_no, None)

    # -- the ФН-era extension [inferred] ---------------------------------------------------------------
    def _open_shift(self, request: Any, client: int) -> None:
        name, inn = self.m.cashier()
        self.m.open_shift(client, name, inn)

    def _fn_status(self, request: Any, client: int) -> fn.FnStatusData:
        core = self.m.core
        s, v = core.status(), core.validity()
        return fn.FnStatusData(int(s.phase), s.shift_open, int(s.warnings) & 0xFF, s.fn_number, s.last_fd_number,
                               s.last_document_datetime, v.valid_until, min(v.registrations_left, 99),
                               core.config.ffd)

    def _shift(self, request: Any, client: int) -> fn.ShiftStateData:
        shift = self.m.core.shift()
        return fn.ShiftStateData(shift.open, shift.number % 100000, shift.next_receipt_number % 100000,
                                 shift.opened_at, shift.expired)

    def _document_result(self, number: int) -> Any:
        return self.m.fn(self.m.core.document, number)

    def _fn_document(self, request: fn.FnDocumentQuery, client: int) -> fn.FnDocumentData:
        d = self._document_result(request.number)
        return fn.FnDocumentData(d.number, d.document_type, d.datetime, d.fiscal_sign, d.shift_number % 100000,
                                 d.receipt_number % 100000, d.ofd_confirmed, len(d.tlv))

    def _fn_tlv(self, request: fn.FnDocumentTlvQuery, client: int) -> fn.TlvChunk:
        tlv = self._document_result(request.number).tlv
        if request.offset > len(tlv):
            raise Refusal(Why.BAD_VALUE, f"смещение {request.offset}")
        return fn.TlvChunk(len(tlv), request.offset, tlv[request.offset:request.offset + fn.TLV_READ_CHUNK])

    def _cash(self, request: Any, client: int) -> fn.CashData:
        return fn.CashData(Decimal(self.m.drawer).scaleb(-2))

    def _ofd(self, request: Any, client: int) -> fn.OfdStatusData:
        o = self.m.core.ofd_status()
        return fn.OfdStatusData(o.unsent_count, o.first_unsent_number, o.first_unsent_datetime, False)

    def _write_requisite(self, request: fn.WriteRequisite, client: int) -> None:
        self.m.no_receipt(client)
        self.m.registration_buffer[request.tag] = request.value

    def _register(self, request: fn.Register, client: int) -> None:
        values = self.m.decode_buffer()
        new_fn = values.get(1041)
        registration = self.m.registration_from(values)
        self.m.register(client, int(request.kind), registration, request.reasons, self.m.cashier()[0],
                        str(new_fn).strip() if new_fn is not None else None)

    def _close_fn(self, request: Any, client: int) -> None:
        self.m.close_fn(client, self.m.cashier()[0])

    def _server_settings(self, request: fn.KktServerSettings, client: int) -> fn.KktServerData:
        if request.write:
            self.m.set_server(request.server_id, request.address or None)
        server_id, address = self.m.server_settings()
        return fn.KktServerData(server_id, address)

    @staticmethod
    def _status_data(status: ServerStatus) -> fn.KktServerStatusData:
        message = status.message[:40].encode("cp866", "replace").decode("cp866")
        return fn.KktServerStatusData(status.state, status.last_exchange, min(status.goods, 99999),
                                      min(status.unsent_sales, 99999), message)

    def _server_query(self, request: fn.KktServerQuery, client: int) -> fn.KktServerStatusData:
        if request.action is fn.KktServerAction.TEST:
            return self._status_data(self.m.server_test())
        return self._status_data(self.m.server_status())

    def _exchange(self, request: Any, client: int) -> fn.KktServerStatusData:
        return self._status_data(self.m.server_exchange(client))
