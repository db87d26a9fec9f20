"""The receipt verification QR code (QR-код, tag 1196) — research §3.6.

The printed QR code holds a query string::

    t=20190418T2116&s=3943.26&fn=9282000100072197&i=64318&fp=2918241905&n=1

=====  =========================================================================================
key    meaning
=====  =========================================================================================
``t``  date and time of the document, KKT local time, ``YYYYMMDDTHHMM``; parsers also meet
       seconds (``YYYYMMDDTHHMMSS``), so both are accepted and seconds can be written on request
``s``  total (1020) in roubles with a dot and two decimals
``fn`` ФН serial number (1041), 16 digits
``i``  ФД number (1040)
``fp`` ФПД as a decimal uint32 without padding (see :func:`~kkt_drivers.ffd.values.fiscal_sign_number`)
``n``  1054 «признак расчета»: 1 приход, 2 возврат прихода, 3 расход, 4 возврат расхода
=====  =========================================================================================

The format comes from driver sources and receipt apps (confidence M/H), not from an FNS text.
Parsing is strict: every key exactly once, nothing else.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Final

from .enums import OperationType
from .errors import FfdEncodeError, QrCodeError
from .model import FiscalDocument
from .values import encode_unixtime, fiscal_sign_number

_UINT32_MAX: Final = 0xFFFF_FFFF
_KEYS: Final = ("t", "s", "fn", "i", "fp", "n")
_T_RE: Final = re.compile(r"\d{8}T\d{4}(\d{2})?")
_S_RE: Final = re.compile(r"(\d+)(?:\.(\d{1,2}))?")
_FN_RE: Final = re.compile(r"\d{16}")
_NUM_RE: Final = re.compile(r"\d{1,10}")


@dataclass(frozen=True, slots=True)
class ReceiptQr:
    """The six fields of a receipt QR code, validated on construction."""

    date_time: datetime  #: KKT local time, naive
    total: int  #: kopecks
    fn_number: str  #: 16 digits
    fd_number: int
    fiscal_sign: int  #: printed ФПД
    operation_type: OperationType

    def __post_init__(self) -> None:
        if not isinstance(self.date_time, datetime) or self.date_time.tzinfo is not None:
            raise QrCodeError("date_time must be a naive datetime in the KKT's local time",
                              message_ru="date_time должно быть datetime без часового пояса, в местном времени ККТ")
        try:
            encode_unixtime(self.date_time)
        except FfdEncodeError as exc:
            raise QrCodeError(f"date_time: {exc}", message_ru=f"date_time: {exc.message_ru}") from exc
        if not isinstance(self.total, int) or self.total < 0:
            raise QrCodeError(f"total must be a non-negative number of kopecks, got {self.total!r}",
                              message_ru=f"сумма должна быть неотрицательным числом копеек, получено {self.total!r}")
        if not isinstance(self.fn_number, str) or not _FN_RE.fullmatch(self.fn_number):
            raise QrCodeError(f"fn must be 16 digits, got {self.fn_number!r}",
                              message_ru=f"номер ФН (fn) должен состоять из 16 цифр, получено {self.fn_number!r}")
        if not isinstance(self.fd_number, int) or not 1 <= self.fd_number <= _UINT32_MAX:
            raise QrCodeError(f"ФД number must be 1..{_UINT32_MAX}, got {self.fd_number!r}",
                              message_ru=f"номер ФД должен быть 1..{_UINT32_MAX}, получено {self.fd_number!r}")
        if not isinstance(self.fiscal_sign, int) or not 0 <= self.fiscal_sign <= _UINT32_MAX:
            raise QrCodeError(f"ФПД must be 0..{_UINT32_MAX}, got {self.fiscal_sign!r}",
                              message_ru=f"ФПД должен быть 0..{_UINT32_MAX}, получено {self.fiscal_sign!r}")
        object.__setattr__(self, "operation_type", _operation(self.operation_type))

    def to_string(self, *, seconds: bool = False) -> str:
        """The QR payload; ``seconds=True`` writes ``t`` with seconds."""
        stamp = self.date_time.strftime("%Y%m%dT%H%M%S" if seconds else "%Y%m%dT%H%M")
        rubles, kopecks = divmod(self.total, 100)
        return (
            f"t={stamp}&s={rubles}.{kopecks:02d}&fn={self.fn_number}&i={self.fd_number}"
            f"&fp={self.fiscal_sign}&n={int(self.operation_type)}"
        )


def _operation(value: object) -> OperationType:
    if isinstance(value, int) and not isinstance(value, bool):
        try:
            return OperationType(value)
        except ValueError:
            pass
    raise QrCodeError(f"operation type (n) must be 1..4, got {value!r}",
                      message_ru=f"тип операции (n) должен быть 1..4, получено {value!r}")


def build_qr(
    date_time: datetime,
    total: int,
    fn_number: str,
    fd_number: int,
    fiscal_sign: int,
    operation_type: OperationType | int,
    *,
    seconds: bool = False,
) -> str:
    """Validate the fields and return the QR payload string."""
    qr = ReceiptQr(date_time, total, fn_number, fd_number, fiscal_sign, _operation(operation_type))
    return qr.to_string(seconds=seconds)


def parse_qr(text: str) -> ReceiptQr:
    """Parse a QR payload; raises :class:`~kkt_drivers.ffd.errors.QrCodeError` on anything wrong."""
    if not isinstance(text, str):
        raise QrCodeError(f"QR payload must be text, got {type(text).__name__}",
                          message_ru=f"содержимое QR-кода должно быть текстом, получено {type(text).__name__}")
    fields: dict[str, str] = {}
    for part in text.strip().split("&"):
        key, sep, value = part.partition("=")
        if not sep:
            raise QrCodeError(f"QR part {part!r} is not key=value",
                              message_ru=f"часть QR-кода {part!r} не имеет вида ключ=значение")
        if key not in _KEYS:
            raise QrCodeError(f"unknown QR key {key!r}", message_ru=f"неизвестный ключ QR-кода {key!r}")
        if key in fields:
            raise QrCodeError(f"QR key {key!r} appears twice", message_ru=f"ключ QR-кода {key!r} встречается дважды")
        fields[key] = value
    missing = [key for key in _KEYS if key not in fields]
    if missing:
        raise QrCodeError(f"QR payload lacks {', '.join(missing)}", message_ru=f"в QR-коде нет {', '.join(missing)}")

    stamp = _T_RE.fullmatch(fields["t"])
    if stamp is None:
        raise QrCodeError(f"t must be YYYYMMDDTHHMM or YYYYMMDDTHHMMSS, got {fields['t']!r}",
                          message_ru=f"t должно иметь вид YYYYMMDDTHHMM или YYYYMMDDTHHMMSS, получено {fields['t']!r}")
    try:
        when = datetime.strptime(fields["t"], "%Y%m%dT%H%M%S" if stamp.group(1) else "%Y%m%dT%H%M")
    except ValueError as exc:
        raise QrCodeError(f"t is not a valid date and time: {fields['t']!r}",
                          message_ru=f"t — недопустимые дата и время: {fields['t']!r}") from exc

    money = _S_RE.fullmatch(fields["s"])
    if money is None:
        raise QrCodeError(f"s must be roubles with up to two decimals after '.', got {fields['s']!r}",
                          message_ru="s должно быть суммой в рублях, не более двух знаков после '.', получено "
                                     f"{fields['s']!r}")
    total = int(money.group(1)) * 100 + int((money.group(2) or "0").ljust(2, "0"))

    numbers = {}
    for key in ("i", "fp", "n"):
        if not _NUM_RE.fullmatch(fields[key]):
            raise QrCodeError(f"{key} must be a decimal number, got {fields[key]!r}",
                              message_ru=f"{key} должно быть десятичным числом, получено {fields[key]!r}")
        numbers[key] = int(fields[key])
    return ReceiptQr(when, total, fields["fn"], numbers["i"], numbers["fp"], _operation(numbers["n"]))


def qr_from_document(doc: FiscalDocument) -> ReceiptQr:
    """The QR fields of a decoded receipt (or BSO / correction): 1012, 1020, 1041, 1040, 1077, 1054."""
    when, total, fn_number = doc.get(1012), doc.get(1020), doc.get(1041)
    fd_number, sign, operation = doc.get(1040), doc.get(1077), doc.get(1054)
    if not (
        isinstance(when, datetime)
        and isinstance(total, int)
        and isinstance(fn_number, str)
        and isinstance(fd_number, int)
        and isinstance(sign, bytes)
        and isinstance(operation, int)
    ):
        raise QrCodeError("the document lacks one of 1012, 1020, 1041, 1040, 1077, 1054",
                          message_ru="в документе нет одного из реквизитов 1012, 1020, 1041, 1040, 1077, 1054")
    try:
        fp = fiscal_sign_number(sign)
    except ValueError as exc:
        raise QrCodeError(str(exc), message_ru=f"ФПД: {getattr(exc, 'message_ru', exc)}") from exc
    return ReceiptQr(when, total, fn_number.strip(), fd_number, fp, _operation(operation))
