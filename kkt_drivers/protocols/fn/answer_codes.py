"""ФН answer codes (FNS v1.2.06 §3.4, Tables 4 and 5) as data, and the error they raise.

``ru`` is the code's name as Table 4/5 of v1.2.06 words it; ``ru_v11`` the differing name in
v1.1 (Table 5) where there is one; ``en`` is our translation. Codes 06h and 15h exist only in v1.1.
Some codes carry extra answer data, decoded by :class:`FnError`:

* 0Bh, 0Ch, 3Ch — the offending tag number, Uint16 LE (3Ch: "may be accompanied");
* 0Dh — on receipt-closing commands, one byte of :class:`PaymentPresence` (Table 69);
* 20h — on 26h, the reason the OFD ticket was refused (:class:`OfdRejectReason`, Table 90).
"""

from __future__ import annotations

from dataclasses import dataclass

from ...errors import DeviceError
from .enums import OfdRejectReason, PaymentPresence

FAMILY = "fn"


@dataclass(frozen=True, slots=True)
class AnswerCode:
    code: int
    ru: str
    en: str
    #: where the code is defined: "v1.2.06 Table 4", "v1.2.06 Table 5" or "v1.1 Table 5"
    source: str
    ru_v11: str | None = None


_T4, _T5, _V11 = "v1.2.06 Table 4", "v1.2.06 Table 5", "v1.1 Table 5"

ANSWER_CODES: tuple[AnswerCode, ...] = (
    AnswerCode(0x00, "Успешное выполнение команды", "Command executed successfully", _T4),
    AnswerCode(0x01, "Неизвестная команда, неверный формат посылки или неизвестные параметры",
               "Unknown command, malformed message or unknown parameters", _T4),
    AnswerCode(0x02, "Другое состояние ФН",
               "The fiscal drive is in another state, or the command's preconditions are not met", _T5,
               "Неверное состояние ФН"),
    AnswerCode(0x03, "Отказ ФН", "Fiscal drive failure: read details with 35h and restart the drive", _T5,
               "Ошибка ФН"),
    AnswerCode(0x04, "Отказ КС", "Crypto coprocessor failure: read details with 35h and restart the drive",
               _T5, "Ошибка КС"),
    AnswerCode(0x05, "Параметры команды не соответствуют сроку жизни ФН",
               "Command parameters do not fit the drive's service life", _T5,
               "Закончен срок эксплуатации ФН"),
    AnswerCode(0x06, "Архив ФН переполнен", "Fiscal drive archive is full", _V11),
    AnswerCode(0x07, "Некорректная дата и/или время", "Invalid date and/or time", _T5,
               "Неверные дата и/или время"),
    AnswerCode(0x08, "Нет запрошенных данных", "Requested data not found", _T5),
    AnswerCode(0x09, "Некорректное значение параметров команды",
               "Command parameters are well-formed but their values are wrong", _T5),
    AnswerCode(0x0A, "Некорректная команда", "Command not allowed in the drive's current FFD mode", _T5),
    AnswerCode(0x0B, "Неразрешенные реквизиты",
               "The KKT sent a requisite the drive forms itself (tag number follows)", _T5),
    AnswerCode(0x0C, "Дублирование данных",
               "This requisite was already sent for the document (tag number follows)", _T5),
    AnswerCode(0x0D, "Отсутствуют данные, необходимые для корректного учета в ФН",
               "Data the drive needs for its counters is missing (payment sums byte may follow)", _T5),
    AnswerCode(0x0E, "Количество позиций в документе, превысило допустимый предел",
               "Too many items in the document", _T5),
    AnswerCode(0x10, "Превышение размеров TLV данных", "TLV data exceeds the allowed size", _T5),
    AnswerCode(0x11, "Нет транспортного соединения",
               "No transport connection to the OFD (report it with 21h first)", _T5),
    AnswerCode(0x12, "Исчерпан ресурс ФН", "Drive resource exhausted: the drive must be closed", _T5,
               "Исчерпан ресурс КС (криптографического сопроцессора)"),
    AnswerCode(0x14, "Ограничение ресурса ФН",
               "Drive resource limit (OFD queue older than 30 days, archive full, or 30-day store "
               "exhausted, told apart by the warning flags)", _T5, "Исчерпан ресурс хранения"),
    AnswerCode(0x15, "Исчерпан ресурс Ожидания передачи сообщения",
               "The oldest message waiting for the OFD is more than 30 days old", _V11),
    AnswerCode(0x16, "Продолжительность смены превышена", "Shift longer than 24 hours: close the shift",
               _T5, "Продолжительность смены более 24 часов"),
    AnswerCode(0x17, "Некорректные данные о промежутке времени между фискальными документами",
               "Time between documents differs from the drive's timer by more than 5 minutes", _T5,
               "Неверная разница во времени между 2 операциями"),
    AnswerCode(0x18, "Некорректный реквизит, переданный ККТ в ФН",
               "A requisite sent by the KKT breaks the format rules", _T5),
    AnswerCode(0x19, "Реквизит не соответствует установкам при регистрации",
               "A requisite contradicts the registration settings", _T5),
    AnswerCode(0x20, "Код обработки ответа в ФН: некорректный ответ",
               "The answer cannot be accepted by the drive (reason byte follows)", _T5,
               "Сообщение от ОФД не может быть принято"),
    AnswerCode(0x23, "Отрицательный ответ сервиса обновления ключей проверки КМ",
               "The marking-key update service refused the request", _T5),
    AnswerCode(0x24, "Неизвестный ответ сервиса обновления ключей проверки кодов проверки",
               "Unknown answer from the marking-key update service", _T5),
    AnswerCode(0x30, "Требуется повтор процедуры обновления ключей проверки КМ",
               "The marking-key update procedure must be repeated", _T5),
    AnswerCode(0x32, "Запрещена работа с маркированным товарами",
               "Marked goods were not enabled at activation", _T5),
    AnswerCode(0x33, "Неверная последовательность команд группы Bxh",
               "Wrong order of the Bxh (marking) commands", _T5),
    AnswerCode(0x34, "Работа с маркированными товарами временно заблокирована",
               "Marked goods temporarily blocked: the notification store is full", _T5),
    AnswerCode(0x35, "Переполнена таблица проверки кодов маркировки",
               "Marking code check table is full (at most 128 codes per receipt)", _T5),
    AnswerCode(0x36, "Превышен период 90 дней со времени последнего обновления ключей проверки",
               "More than 90 days since the marking-check keys were last updated", _T5),
    AnswerCode(0x3C, "В блоке TLV отсутствуют необходимые реквизиты",
               "Required requisites are missing from the TLV block (tag number may follow)", _T5),
    AnswerCode(0x3E, "В реквизите 2007 содержится КМ, который ранее не проверялся в ФН",
               "Tag 2007 holds a marking code the drive has not checked", _T5),
)

BY_CODE: dict[int, AnswerCode] = {entry.code: entry for entry in ANSWER_CODES}
if len(BY_CODE) != len(ANSWER_CODES):  # pragma: no cover - guards the table above
    raise RuntimeError("duplicate FN answer code")

OK = 0x00
TAG_DETAIL_CODES = frozenset({0x0B, 0x0C, 0x3C})


def lookup(code: int) -> AnswerCode:
    """The entry for ``code``; an unknown code gets a placeholder entry."""
    return BY_CODE.get(code) or AnswerCode(code, f"Неизвестный код ответа {code:02X}h",
                                           f"Unknown answer code {code:02X}h", "unknown")


class FnError(DeviceError):
    """The drive answered with a non-zero code.

    ``detail`` is the answer's DATA (often empty); ``warning`` is bit 7 of ANSWER.
    """

    def __init__(self, code: int, detail: bytes = b"", *, command: str = "", warning: bool = False) -> None:
        entry = lookup(code)
        super().__init__(code, entry.en, entry.ru, family=FAMILY, command=command)
        self.detail = bytes(detail)
        self.warning = warning
        self.source = entry.source

    @property
    def tag(self) -> int | None:
        """The tag number carried by 0Bh, 0Ch and 3Ch answers."""
        if self.code in TAG_DETAIL_CODES and len(self.detail) >= 2:
            return int.from_bytes(self.detail[:2], "little")
        return None

    @property
    def payments_received(self) -> PaymentPresence | None:
        """For 0Dh: which payment sums the drive did receive (Table 69)."""
        if self.code == 0x0D and self.detail:
            return PaymentPresence(self.detail[0])
        return None

    @property
    def reject_reason(self) -> OfdRejectReason | int | None:
        """For 20h: why the OFD ticket was refused (Table 90)."""
        if self.code == 0x20 and self.detail:
            try:
                return OfdRejectReason(self.detail[0])
            except ValueError:
                return self.detail[0]
        return None


def fn_error(code: int, detail: bytes = b"", *, command: str = "", warning: bool = False) -> FnError:
    """Build the :class:`FnError` for an answer code (0 is not an error: ``ValueError``)."""
    if code == OK:
        raise ValueError("answer code 00h is success, not an error")
    return FnError(code, detail, command=command, warning=warning)
