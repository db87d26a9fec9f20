"""ATOL fiscal commands, one method per wire command (:mod:`.register` builds the fiscal-register
protocol from them, and :class:`~kkt_drivers.kkt.Kkt` whole operations from that)."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from ...device import atomic
from ...errors import DeviceError, InvalidParameter, ProtocolError
from ...ffd.tlv import encode_tlv
from ...protocols.atol import fiscal_commands as f
from ...protocols.atol.spec import AtolCommandSpec
from ...protocols.common.text import encode_atol

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

        def execute(self, spec: AtolCommandSpec, params: dict[str, Any] | None = None) -> Any: ...

    # -- shift -----------------------------------------------------------------------------
    def open_shift_command(self, text: str = "") -> None:
        """Открыть смену (9A)."""
        self.execute(f.OPEN_SHIFT, {"flags": 0, "text": encode_atol(text)})

    def z_report_command(self) -> None:
        """Отчёт с гашением (5A)."""
        self.execute(f.Z_REPORT)

    def x_report_command(self) -> None:
        """X-отчёт (67 01)."""
        self.execute(f.REPORT, {"type": 1})

    # -- receipt ---------------------------------------------------------------------------
    def open_receipt(self, atol_type: int) -> None:
        """Открыть чек (92)."""
        self.execute(f.OPEN_RECEIPT, {"flags": 0, "type": atol_type})

    @atomic
    def register_position(self, *, name: str, price: int, quantity_milli: int, amount: int, vat: int, method: int,
                          subject: int, discount: int = 0, tags: tuple[tuple[int, bytes], ...] = ()) -> None:
        """Позиция: EA, requisites of the position (E8), EB."""
        self.execute(f.BEGIN_POSITION, {"flags": 0, "param": 0, "reserved": 0})
        for tag, value in tags:
            self.write_requisite_raw(tag, value)
        self.execute(f.END_POSITION, {
            "flags": 0, "price": price, "quantity": quantity_milli, "amount": amount, "vat": vat, "vat_sum": 0,
            "section": 0, "subject": subject, "method": method, "discount_sign": 0, "discount": discount,
            "reserved": b"\x00\x00", "name": encode_atol(name)})

    @atomic
    def write_requisite_raw(self, tag: int, value: bytes, *, printed: bool = True) -> None:
        """Запись реквизита (E8): one TLV, cut into blocks of :data:`E8_BLOCK` bytes when longer.

        Blocks go out in order, numbered from 0, each naming the block count; block 0 starts with the
        TLV header [single source for the continuation; the block size is inferred].
        """
        if len(value) > 0xFFFF:
            raise InvalidParameter(f"tag {tag}: a TLV value holds at most 65535 bytes, got {len(value)}")
        data = tag.to_bytes(2, "little") + len(value).to_bytes(2, "little") + value
        chunks = [data[i:i + E8_BLOCK] for i in range(0, len(data), E8_BLOCK)]
        if len(chunks) > 255:
            raise InvalidParameter(f"tag {tag}: {len(data)} bytes need more than 255 blocks of {E8_BLOCK}")
        for number, chunk in enumerate(chunks):
            self.execute(f.WRITE_REQUISITE, {"flags": 1 if printed else 0, "blocks": len(chunks), "block": number,
                                             "data": chunk})

    def write_requisite(self, tag: int, value: Any, *, ffd: str = "1.05") -> None:
        """Запись реквизита (E8) encoded by the FFD tag table."""
        tlv = encode_tlv(tag, value, ffd)
        self.write_requisite_raw(tag, tlv[4:])

    def discount(self, amount: int, *, whole_receipt: bool = True, surcharge: bool = False) -> None:
        """Скидка/надбавка суммой (43): on the whole receipt or on the last position."""
        self.execute(f.DISCOUNT, {"flags": 0, "area": 0 if whole_receipt else 1, "type": 1,
                                  "sign": int(surcharge), "size": amount})

    def payment_command(self, payment_type: int, amount: int) -> tuple[int, int]:
        """Расчёт (99) → (remainder, change)."""
        answer = self.execute(f.PAYMENT, {"flags": 0, "type": payment_type, "sum": amount})
        return int(answer.remainder), int(answer.change)

    def close_receipt_command(self, payment_type: int = 1, amount: int = 0) -> None:
        """Закрыть чек (4A)."""
        self.execute(f.CLOSE_RECEIPT, {"flags": 0, "type": payment_type, "sum": amount})

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
        return self.execute(f.FN_STATUS)

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
            raise ProtocolError(f"document {number}: the ФН announced {head.size} bytes of TLV and gave {len(body)}")
        return int(head.type).to_bytes(2, "little") + len(body).to_bytes(2, "little") + bytes(body)

    def register_command(self, operation: int, reasons: int = 0) -> None:
        self.execute(f.REGISTER, {"operation": operation, "reasons": reasons})

    def close_fn_command(self) -> None:
        self.execute(f.CLOSE_FN)

    def write_table(self, table: int, row: int, field: int, value: bytes) -> None:
        self.execute(f.WRITE_TABLE, {"table": table, "row": row, "field": field, "value": value})

    def read_table(self, table: int, row: int, field: int) -> bytes:
        return bytes(self.execute(f.READ_TABLE, {"table": table, "row": row, "field": field}).value)
