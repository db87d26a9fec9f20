"""ATOL fiscal commands, one method per wire command (:mod:`.register` builds the fiscal-register
protocol from them, and :class:`~kkt_drivers.kkt.Kkt` whole operations from that)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

from ...device import atomic
from ...errors import DeviceError, InvalidParameter, ProtocolError
from ...ffd.tlv import encode_tlv
from ...protocols.atol import fiscal_commands as f
from ...protocols.atol.spec import AtolCommandSpec
from ...protocols.common.text import encode_atol
from .types import LastDocumentRecord, LineWidth, ReceiptStateRecord

#: E8 data bytes per block. The protocol text gives the block fields but no size [inferred: none is
#: published; 200 keeps every E8 frame short].
E8_BLOCK = 200


def fn_datetime(value: Any) -> datetime | None:
    if not value.year and not value.month:
        return None
    return datetime(2000 + value.year, value.month, value.day, value.hour, value.minute)


class AtolFiscalCommands:
    """Mixed into :class:`~kkt_drivers.drivers.atol.AtolDriver`."""

    if TYPE_CHECKING:  # provided by AtolCommands, mixed into the same driver
        from ...session import Session

        session: Session

        def execute(self, spec: AtolCommandSpec, params: dict[str, Any] | None = None, *,
                    prefetch: Sequence[tuple[AtolCommandSpec, dict[str, Any] | None]] = ()) -> Any: ...

        def submit(self, spec: AtolCommandSpec, params: dict[str, Any] | None = None) -> None: ...

    #: the ФН's last document number as last read (the close asks for the next one ahead)
    _fn_last_document: int | None = None

    # -- shift -----------------------------------------------------------------------------
    def open_shift_command(self, text: str = "") -> None:
        """Открыть смену (9A)."""
        self.execute(f.OPEN_SHIFT, {"flags": 0, "text": encode_atol(text)})

    def z_report_command(self) -> None:
        """Отчёт с гашением (5A)."""
        self.execute(f.Z_REPORT)

    def x_report_command(self) -> None:
        """X-отчёт (67 01)."""
        self.execute(f.REPORT, {"type": f.REPORT_X})

    def state_report_command(self) -> None:
        """Отчёт о текущем состоянии расчётов (67 09) [single source for the type]: the ФН makes document 21."""
        self.execute(f.REPORT, {"type": f.REPORT_SETTLEMENTS})

    # -- receipt ---------------------------------------------------------------------------
    def open_receipt(self, atol_type: int) -> None:
        """Открыть чек (92)."""
        self.execute(f.OPEN_RECEIPT, {"flags": 0, "type": atol_type})

    @atomic
    def register_position(self, *, name: str, price: int, quantity_milli: int, amount: int, vat: int, method: int,
                          subject: int, tags: tuple[tuple[int, bytes], ...] | list[tuple[int, bytes]] = (),
                          discount: int = 0, surcharge: bool = False) -> None:
        """Позиция: EA (parameter 1), requisites of the position (E8), EB.

        ``amount`` is what the position costs: one below price × quantity is a discount the register prints
        (CRY: «При отличии Цены х Количество от EndPositionPrice, ККТ считает разницу скидкой»). ``discount``
        goes into EB's own discount field, on top of ``amount`` [inferred; outside clients send 0 there].
        """
        self.submit(f.BEGIN_POSITION, {"flags": 0, "param": 1, "reserved": 0})
        for tag, value in tags:
            self.write_requisite_raw(tag, value)
        self.submit(f.END_POSITION, {
            "flags": 0, "price": price, "quantity": quantity_milli, "amount": amount, "vat": vat, "vat_sum": 0,
            "section": 0, "subject": subject, "method": method, "discount_sign": int(surcharge),
            "discount": discount, "reserved": b"\x00\x00", "name": encode_atol(name)})

    def register_item(self, *, name: str, price: int, quantity_milli: int, tax: int = 0, section: int = 0,
                      discount: int = 0, percent: bool = False, surcharge: bool = False, text: bytes = b"",
                      check_only: bool = False) -> None:
        """Регистрация позиции одной командой (``E6``), as clients before FFD 1.05 send it: name up to 64
        bytes, price BCD 6, quantity in thousandths, a discount by sum (kopecks) or percent (hundredths), the
        tax number (a row of table 13; 0 — the section's) and a 16-byte text."""
        raw = encode_atol(name)
        if len(raw) > 64 or len(text) > 16:
            raise InvalidParameter(f"E6: the name holds 64 bytes and the text 16 (got {len(raw)} and {len(text)})",
                                   message_ru=f"E6: название вмещает 64 байта, а текст 16 (получено {len(raw)} и "
                                              f"{len(text)})")
        self.submit(f.REGISTER_ITEM, {
            "flags": int(check_only), "name": raw.ljust(64, b"\x00"), "price": price, "quantity": quantity_milli,
            "discount_type": 0 if percent else 1, "discount_sign": int(surcharge), "discount": discount, "tax": tax,
            "section": section, "text": text.ljust(16, b"\x00"), "reserved": 0})

    @atomic
    def write_requisite_raw(self, tag: int, value: bytes, *, printed: bool = True) -> None:
        """Запись реквизита (E8): one TLV, cut into blocks of :data:`E8_BLOCK` bytes when longer.

        Blocks go out in order, numbered from 0, each naming the block count; block 0 starts with the
        TLV header [single source for the continuation; the block size is inferred].
        """
        if len(value) > 0xFFFF:
            raise InvalidParameter(f"tag {tag}: a TLV value holds at most 65535 bytes, got {len(value)}",
                                   message_ru=f"реквизит {tag}: значение TLV вмещает не более 65535 байт, получено "
                                              f"{len(value)}")
        data = tag.to_bytes(2, "little") + len(value).to_bytes(2, "little") + value
        chunks = [data[i:i + E8_BLOCK] for i in range(0, len(data), E8_BLOCK)]
        if len(chunks) > 255:
            raise InvalidParameter(f"tag {tag}: {len(data)} bytes need more than 255 blocks of {E8_BLOCK}",
                                   message_ru=f"реквизит {tag}: {len(data)} байт не укладываются в 255 блоков по "
                                              f"{E8_BLOCK}")
        for number, chunk in enumerate(chunks):
            self.submit(f.WRITE_REQUISITE, {"flags": 1 if printed else 0, "blocks": len(chunks), "block": number,
                                             "data": chunk})

    def write_requisite(self, tag: int, value: Any, *, ffd: str = "1.05") -> None:
        """Запись реквизита (E8) encoded by the FFD tag table."""
        tlv = encode_tlv(tag, value, ffd)
        self.write_requisite_raw(tag, tlv[4:])

    def discount(self, amount: int, *, whole_receipt: bool = False, surcharge: bool = False,
                 percent: bool = False) -> None:
        """Скидка/надбавка (43) on the last position: a sum in kopecks, or with ``percent`` hundredths of a
        per cent (3 BCD bytes). On the whole receipt a register with a ФН only rounds off kopecks of the total
        (``amount`` at most the kopecks; 0 rounds down to roubles) and refuses anything else with 7Bh."""
        self.submit(f.DISCOUNT, {"flags": 0, "area": 0 if whole_receipt else 1, "type": 0 if percent else 1,
                                  "sign": int(surcharge), "size": amount})

    def payment_command(self, payment_type: int, amount: int) -> tuple[int, int]:
        """Расчёт (99) → (remainder, change)."""
        answer = self.execute(f.PAYMENT, {"flags": 0, "type": payment_type, "sum": amount})
        return int(answer.remainder), int(answer.change)

    def add_payment(self, payment_type: int, amount: int) -> None:
        """Расчёт (99) when the remainder and change are not needed: queued with the receipt where the link can
        queue (:meth:`submit`)."""
        self.submit(f.PAYMENT, {"flags": 0, "type": payment_type, "sum": amount})

    def close_receipt_command(self, payment_type: int = 1, amount: int = 0) -> None:
        """Закрыть чек (4A). Where the link can queue, the ФН status and the document after the last one read
        (the one this close makes) are asked in the same batch, after the close: reading the new document back
        then costs no round trip of its own."""
        ahead: list[tuple[AtolCommandSpec, dict[str, Any] | None]] = [(f.FN_STATUS, None)]
        if self._fn_last_document is not None:
            ahead.append((f.FN_DOCUMENT, {"number": self._fn_last_document + 1}))
        self.execute(f.CLOSE_RECEIPT, {"flags": 0, "type": payment_type, "sum": amount}, prefetch=ahead)

    def cancel_receipt(self) -> None:
        """Аннулировать открытый чек (59)."""
        self.execute(f.CANCEL_RECEIPT)

    def cash_in_command(self, amount: int) -> None:
        self.execute(f.CASH_IN, {"flags": 0, "sum": amount})

    def cash_out_command(self, amount: int) -> None:
        self.execute(f.CASH_OUT, {"flags": 0, "sum": amount})

    def cash_in_drawer(self) -> int:
        """Наличность в денежном ящике (4D), kopecks."""
        return int(self.execute(f.CASH_IN_DRAWER).sum)

    # -- ФН --------------------------------------------------------------------------------
    def fn_shift(self) -> Any:
        return self.execute(f.FN_SHIFT)

    def fn_ofd(self) -> Any:
        return self.execute(f.FN_OFD_STATUS)

    def fn_status_raw(self) -> Any:
        status = self.execute(f.FN_STATUS)
        self._fn_last_document = int(status.last_document)
        return status

    def fn_number(self) -> str:
        """Номер ФН (``A4 31``)."""
        return str(self.execute(f.FN_NUMBER).number)

    def fn_validity(self) -> Any:
        return self.execute(f.FN_VALIDITY)

    def fn_document(self, number: int) -> Any:
        return self.execute(f.FN_DOCUMENT, {"number": number})

    @atomic
    def fn_document_tlv(self, number: int) -> bytes:
        """The whole document as STLV (A4 45, then A4 46 until the ФН has no more data)."""
        head = self.execute(f.FN_DOCUMENT_TLV, {"number": number})
        body = bytearray()
        while len(body) < head.size:
            try:
                body += self.execute(f.FN_DOCUMENT_CHUNK).tlv
            except DeviceError as err:
                if err.code == 0xDA:
                    break
                raise
        if len(body) != head.size:
            raise ProtocolError(f"document {number}: the ФН announced {head.size} bytes of TLV and gave {len(body)}",
                                message_ru=f"документ {number}: ФН объявил {head.size} байт TLV, а передал {len(body)}")
        return int(head.type).to_bytes(2, "little") + len(body).to_bytes(2, "little") + bytes(body)

    def register_command(self) -> None:
        """Активизация ФН (``A6``, no parameters): the register makes the document the requisites written
        before ask for (registration, its change with 1101/1205, a new ФН with 1041)."""
        self.execute(f.REGISTER)

    def close_fn_command(self) -> None:
        self.execute(f.CLOSE_FN)

    def write_table(self, table: int, row: int, field: int, value: bytes) -> None:
        self.execute(f.WRITE_TABLE, {"table": table, "row": row, "field": field, "value": value})

    def read_table(self, table: int, row: int, field: int) -> bytes:
        return bytes(self.execute(f.READ_TABLE, {"table": table, "row": row, "field": field}).value)

    # -- registers (91) -------------------------------------------------------------------
    def read_register(self, register: int, p1: int = 0, p2: int = 0) -> bytes:
        """Считать регистр (``91``): the raw value."""
        return bytes(self.execute(f.READ_REGISTER, {"register": register, "p1": p1, "p2": p2}).value)

    def _register_value(self, register: int, layout: Any, p1: int = 0, p2: int = 0) -> Any:
        raw = self.read_register(register, p1, p2)
        try:
            return layout.parse(raw)
        except Exception as exc:
            raise ProtocolError(f"register {register}: cannot parse {raw.hex(' ')}: {exc}",
                                message_ru=f"регистр {register}: не удаётся разобрать {raw.hex(' ')}: {exc}") from exc

    def register_datetime(self) -> datetime:
        """Регистр 17: the register's date and time."""
        v = self._register_value(f.REGISTER_DATETIME, f.DATETIME_VALUE)
        return datetime(2000 + v.year, v.month, v.day, v.hour, v.minute, v.second)

    def receipt_state_register(self) -> ReceiptStateRecord:
        """Регистр 19: the current receipt."""
        v = self._register_value(f.REGISTER_RECEIPT_STATE, f.RECEIPT_STATE_VALUE)
        return ReceiptStateRecord(open=bool(v.state), type=int(v.type), receipt_number=int(v.receipt_number),
                                  document_number=int(v.document_number))

    def shift_payments(self, receipt_type: int, payment_type: int) -> int:
        """Регистр 3: the shift's payments of ``payment_type`` (1-5) in receipts of ``receipt_type`` (92's)."""
        return int(self._register_value(f.REGISTER_PAYMENTS, f.PAYMENTS_VALUE, receipt_type, payment_type).sum)

    def shift_cash_moves(self) -> tuple[int, int]:
        """Регистры 4 и 5: cash put in and taken out during the shift, kopecks."""
        return (int(self._register_value(f.REGISTER_CASH_INS, f.CASH_MOVES_VALUE).sum),
                int(self._register_value(f.REGISTER_CASH_OUTS, f.CASH_MOVES_VALUE).sum))

    def shift_revenue(self) -> int:
        """Регистр 11: the shift's revenue (выручка), kopecks, negative when returns exceed sales."""
        v = self._register_value(f.REGISTER_REVENUE, f.REVENUE_VALUE)
        return -int(v.sum) if v.sign else int(v.sum)

    def shift_number_register(self) -> int:
        """Регистр 21: the current (or last) shift number."""
        return int(self._register_value(f.REGISTER_SHIFT_NUMBER, f.SHIFT_NUMBER_VALUE).shift)

    def serial_number_register(self) -> str:
        """Регистр 22: the factory serial number."""
        return f"{int(self._register_value(f.REGISTER_SERIAL, f.SERIAL_VALUE).serial):08d}"

    def line_width(self) -> LineWidth:
        """Регистр 24: characters and dots per line of the three fonts."""
        v = self._register_value(f.REGISTER_LINE_WIDTH, f.LINE_WIDTH_VALUE)
        return LineWidth(chars=(v.chars_1, v.chars_2, v.chars_3), pixels=(v.pixels_1, v.pixels_2, v.pixels_3))

    def fn_number_register(self) -> str:
        """Регистр 47: the ФН number."""
        return str(self._register_value(f.REGISTER_FN_NUMBER, f.FN_NUMBER_VALUE).number)

    def _last_document(self, register: int) -> LastDocumentRecord:
        v = self._register_value(register, f.LAST_DOCUMENT_VALUE)
        when = datetime(2000 + v.year, v.month, v.day, v.hour, v.minute) if v.month else None
        return LastDocumentRecord(number=int(v.number), type=int(v.type), total=int(v.total), datetime=when,
                                  fiscal_sign=int(v.fiscal_sign))

    def last_receipt(self) -> LastDocumentRecord:
        """Регистр 51: the last receipt (what the Казначей ФА firmware reads after every close)."""
        return self._last_document(f.REGISTER_LAST_RECEIPT)

    def last_fiscal_document(self) -> LastDocumentRecord:
        """Регистр 52: the last fiscal document."""
        return self._last_document(f.REGISTER_LAST_DOCUMENT)

    def last_receipt_numbers(self) -> tuple[int, int]:
        """Регистр 53: shift and receipt number of the last receipt."""
        v = self._register_value(f.REGISTER_LAST_RECEIPT_NUMBERS, f.RECEIPT_NUMBERS_VALUE)
        return int(v.shift), int(v.receipt)

    def extended_error(self) -> int:
        """Регистр 55: the extended code of the last error."""
        return int(self._register_value(f.REGISTER_EXTENDED_ERROR, f.EXTENDED_ERROR_VALUE).code)
