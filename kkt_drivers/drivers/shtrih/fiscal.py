"""Shtrih-M fiscal commands, one method per wire command (:mod:`.driver` builds the fiscal-register protocol from
them, and :class:`~kkt_drivers.kkt.Kkt` whole operations from that).

Receipts follow the ФФД 1.05/1.2 path of the vendor's own drivers: ``8Dh`` opens the receipt, ``FF46h`` adds a
position (its requisites follow with ``FF4Dh``), ``FF0Ch`` adds a receipt requisite, ``FF45h`` closes with all the
payments at once. Shifts use ``FF41h``/``FF42h`` before ``E0h``/``41h`` so that the cashier's requisites can be
sent between them with ``FF0Ch`` — the order of the vendor's JavaPOS driver (``SMFiscalPrinterImpl``).
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from ...device import atomic
from ...errors import DeviceError, InvalidParameter, ProtocolError
from ...protocols.shtrih import commands as c
from ...protocols.shtrih.fields import NOT_GIVEN
from .types import device_datetime

#: «нет запрошенных данных» — the ФН's answer once a document's TLV has been read to the end
E_NO_DATA = 0x08
#: the longest TLV one FF0Ch/FF4Dh can carry on the standard lower level: LEN ≤ 255 = code 2 + password 4 + TLV
MAX_TLV = 249


def fn_datetime(value: Any) -> datetime | None:
    """A ФН date and time (ГГ ММ ДД ЧЧ ММ), or ``None`` when the ФН gives zeros."""
    if not value.month or not value.day:
        return None
    return device_datetime(value.year, value.month, value.day, value.hour, value.minute, what="ФН date and time")


def tlv_bytes(tag: int, value: bytes) -> bytes:
    """A TLV as FF0Ch/FF4Dh take it: tag and length as 2-byte little-endian numbers, then the value."""
    data = tag.to_bytes(2, "little") + len(value).to_bytes(2, "little") + value
    if len(data) > MAX_TLV:
        raise InvalidParameter(f"tag {tag}: a TLV of {len(data)} bytes does not fit one Shtrih frame "
                               f"(at most {MAX_TLV})",
                               message_ru=f"реквизит {tag}: TLV из {len(data)} байт не помещается в один кадр Штрих "
                                          f"(не более {MAX_TLV})")
    return data


class ShtrihFiscalCommands:
    """Mixed into :class:`~kkt_drivers.drivers.shtrih.ShtrihDriver`."""

    if TYPE_CHECKING:  # provided by ShtrihCommands, mixed into the same driver
        from ...protocols.shtrih.spec import ShtrihCommandSpec
        from ...session import Session

        session: Session
        password: int

        def execute(self, spec: ShtrihCommandSpec, params: dict[str, Any] | None = None, *,
                    password: int | None = None) -> Any: ...

    # -- ФН queries ------------------------------------------------------------------------
    def fn_status_raw(self) -> Any:
        """Статус ФН (FF01h)."""
        return self.execute(c.FN_STATUS)

    def fn_number(self) -> str:
        """Номер ФН (FF02h)."""
        return str(self.execute(c.FN_NUMBER).fn_number).strip("\x00 ")

    def fn_validity(self) -> Any:
        """Срок действия ФН (FF03h)."""
        return self.execute(c.FN_VALIDITY)

    def find_document(self, number: int) -> Any:
        """Найти фискальный документ по номеру (FF0Ah): type, OFD ticket flag and the document head."""
        answer = self.execute(c.FIND_DOCUMENT, {"document_number": number})
        try:
            head = c.FN_DOCUMENT_HEAD.parse(bytes(answer.document))
        except Exception as exc:  # construct's errors on a short head
            raise ProtocolError(f"FF0A: document {number} has a head of {len(answer.document)} bytes",
                                message_ru=f"FF0A: у документа {number} заголовок из {len(answer.document)} "
                                           "байт") from exc
        return answer, head

    def shift_parameters(self) -> Any:
        """Параметры текущей смены (FF40h): open flag, shift number, receipt number."""
        return self.execute(c.SHIFT_PARAMETERS)

    def ofd_exchange_status(self) -> Any:
        """Статус информационного обмена с ОФД (FF39h)."""
        return self.execute(c.OFD_EXCHANGE_STATUS)

    @atomic
    def read_document_tlv(self, number: int) -> bytes:
        """The whole document as STLV: FF3Ah announces its type and length, FF3Bh gives it part by part."""
        head = self.execute(c.REQUEST_DOCUMENT_TLV, {"document_number": number})
        body = bytearray()
        while len(body) < head.length:
            try:
                part = bytes(self.execute(c.READ_DOCUMENT_TLV).tlv)
            except DeviceError as err:
                if err.code == E_NO_DATA:
                    break
                raise
            if not part:
                break
            body += part
        if len(body) != head.length:
            raise ProtocolError(f"document {number}: the ФН announced {head.length} bytes of TLV and gave "
                                f"{len(body)}",
                                message_ru=f"документ {number}: ФН объявил {head.length} байт TLV, а передал "
                                           f"{len(body)}")
        return int(head.document_type).to_bytes(2, "little") + len(body).to_bytes(2, "little") + bytes(body)

    # -- requisites ------------------------------------------------------------------------
    def send_tlv(self, tag: int, value: bytes) -> None:
        """Передать TLV (FF0Ch): a requisite of the open document."""
        self.execute(c.SEND_TLV, {"tlv": tlv_bytes(tag, value)})

    def send_operation_tlv(self, tag: int, value: bytes) -> None:
        """Передать TLV операции (FF4Dh): a requisite of the position just added."""
        self.execute(c.SEND_OPERATION_TLV, {"tlv": tlv_bytes(tag, value)})

    # -- shift -----------------------------------------------------------------------------
    def begin_open_shift(self) -> None:
        """Начать открытие смены (FF41h)."""
        self.execute(c.BEGIN_OPEN_SHIFT)

    def open_shift_command(self, password: int) -> None:
        """Открыть смену (E0h)."""
        self.execute(c.OPEN_SHIFT, password=password)

    def begin_close_shift(self) -> None:
        """Начать закрытие смены (FF42h)."""
        self.execute(c.BEGIN_CLOSE_SHIFT)

    def z_report_command(self, password: int | None = None) -> None:
        """Суточный отчёт с гашением (41h)."""
        self.execute(c.Z_REPORT, password=password)

    def x_report_command(self, password: int | None = None) -> None:
        """Суточный отчёт без гашения (40h)."""
        self.execute(c.X_REPORT, password=password)

    def begin_settlement_report(self) -> None:
        """Начать формирование отчёта о текущем состоянии расчётов (FF37h)."""
        self.execute(c.BEGIN_SETTLEMENT_REPORT)

    def settlement_report(self) -> Any:
        """Сформировать отчёт о текущем состоянии расчётов (FF38h): document number, fiscal sign, the count of
        documents the OFD has not confirmed and the date of the first of them."""
        return self.execute(c.SETTLEMENT_REPORT)

    def cancel_fn_document(self) -> None:
        """Отменить документ в ФН (FF08h): drops a document begun with FF41h/FF42h/FF05h/FF3Dh."""
        self.execute(c.CANCEL_FN_DOCUMENT)

    # -- receipt ---------------------------------------------------------------------------
    def open_receipt(self, receipt_type: int, password: int) -> None:
        """Открыть чек (8Dh): 0 sale, 1 purchase, 2 sale return, 3 purchase return; 80h… a correction."""
        self.execute(c.OPEN_RECEIPT, {"receipt_type": receipt_type}, password=password)

    def operation_v2(self, *, operation: int, quantity: int, price: int, amount: int | None, tax_rate: int,
                     payment_method: int, payment_object: int, name: str, department: int = 0,
                     tax_amount: int | None = None, password: int) -> None:
        """Операция V2 (FF46h): ``quantity`` in millionths; ``amount``/``tax_amount`` ``None`` — the register
        computes them."""
        self.execute(c.OPERATION_V2, {
            "operation": operation, "quantity": quantity, "price": price,
            "amount": NOT_GIVEN if amount is None else amount,
            "tax_amount": NOT_GIVEN if tax_amount is None else tax_amount, "tax_rate": tax_rate,
            "department": department, "payment_method": payment_method, "payment_object": payment_object,
            "name": name}, password=password)

    def close_receipt_v2(self, payments: list[int], *, taxes: list[int] | None = None, tax_system: int = 0,
                         text: str = "", password: int) -> Any:
        """Закрытие чека расширенное, вариант 2 (FF45h): 16 payment sums (1 cash, 2–13 electronic, 14 prepaid,
        15 credit, 16 other), the six VAT sums, the taxation system; answer change, and on newer firmware the
        document number, fiscal sign and time."""
        if len(payments) != 16:
            raise InvalidParameter("FF45 takes 16 payment sums", message_ru="FF45 принимает 16 сумм оплаты")
        return self.execute(c.CLOSE_RECEIPT_V2, {
            "payments": payments, "rounding": 0, "taxes": taxes or [0] * 6, "tax_system": tax_system,
            "text": text}, password=password)

    def cancel_receipt_command(self, password: int | None = None) -> None:
        """Аннулирование чека (88h)."""
        self.execute(c.CANCEL_RECEIPT, password=password)

    # -- cash ------------------------------------------------------------------------------
    def cash_in_command(self, amount: int, password: int) -> int:
        """Внесение (50h) → the document's through number."""
        return int(self.execute(c.CASH_IN, {"amount": amount}, password=password).document_number)

    def cash_out_command(self, amount: int, password: int) -> int:
        """Выплата (51h) → the document's through number."""
        return int(self.execute(c.CASH_OUT, {"amount": amount}, password=password).document_number)

    # -- registration and closing ----------------------------------------------------------
    def begin_registration(self, report_type: int) -> None:
        """Начать отчёт о регистрации (FF05h): 0 registration, 1 new ФН, 2 changed parameters."""
        self.execute(c.BEGIN_REGISTRATION, {"report_type": report_type})

    def registration_report(self, inn: str, rnm: str, tax_systems: int, work_mode: int) -> Any:
        """Сформировать отчёт о регистрации (FF06h) → document number, fiscal sign. ИНН and РНМ go NUL-padded,
        as the vendor JavaPOS driver's own test sends a 10-digit ИНН (FSFiscalizationTests)."""
        return self.execute(c.REGISTRATION_REPORT, {"inn": inn.strip(), "rnm": rnm.strip(),
                                                    "tax_systems": tax_systems, "work_mode": work_mode})

    def reregistration_report(self, inn: str, rnm: str, tax_systems: int, work_mode: int, reason: int) -> Any:
        """Сформировать отчёт о перерегистрации (FF34h) → document number, fiscal sign (JavaPOS layout)."""
        return self.execute(c.REREGISTRATION_REPORT, {"inn": inn.strip(), "rnm": rnm.strip(),
                                                      "tax_systems": tax_systems, "work_mode": work_mode,
                                                      "reason": reason})

    def begin_close_fiscal_mode(self) -> None:
        """Начать закрытие фискального режима (FF3Dh)."""
        self.execute(c.BEGIN_CLOSE_FISCAL_MODE)

    def close_fiscal_mode(self) -> Any:
        """Закрыть фискальный режим (FF3Eh) → document number, fiscal sign."""
        return self.execute(c.CLOSE_FISCAL_MODE)
