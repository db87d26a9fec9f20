"""Enumerations and bit masks carried in FFD requisites (research §1.5).

Values are facts from the FNS protocol texts and driver sources; the confidence of each group is
given in its docstring. Where a value is only inferred, the docstring says so.
"""

from __future__ import annotations

import enum


class OperationType(enum.IntEnum):
    """1054 «признак расчета» — also the FN 16h «тип операции» and the QR ``n=`` field. (H)"""

    INCOME = 1  #: приход
    INCOME_RETURN = 2  #: возврат прихода
    EXPENSE = 3  #: расход
    EXPENSE_RETURN = 4  #: возврат расхода


class TaxationSystem(enum.IntFlag):
    """1055 «применяемая система налогообложения» (one bit) / 1062 «системы налогообложения» (any).

    Same coding as the FN «код налогообложения». Bits 0–5 are H; bit 6 (АУСН) comes from a single
    third-party source and is **inferred**.
    """

    OSN = 0x01  #: ОСН, общая
    USN_INCOME = 0x02  #: УСН доход
    USN_INCOME_MINUS_EXPENSE = 0x04  #: УСН доход минус расход
    ENVD = 0x08  #: ЕНВД
    ESHN = 0x10  #: ЕСХН
    PSN = 0x20  #: ПСН (патент)
    AUSN = 0x40  #: АУСН — inferred (single source)


class VatRate(enum.IntEnum):
    """1199 «ставка НДС». (M; 11/12 H — see protocol-notes/ffd/vat-2026.md)

    Codes 1–6 exist in FFD 1.05 and 1.2 alike; codes 1 and 3 meant 18 % and 18/118 before
    2019-01-01 and 20 % / 20/120 since — and they keep that meaning in 2026 (Письмо ФНС
    АБ-4-20/11248@: returns, corrections, advances and credits of settlements made before 2026 are
    still shown at 20 %). Codes 7–10 were added in 2025 for УСН payers with VAT; codes 11 and 12
    (22 %, 22/122) by Приказ ФНС ЕД-7-20/1050@ (applied from 2026-01-05) when the general rate
    became 22 % (425-ФЗ, from 2026-01-01). All are used by both FFD versions.
    """

    VAT_20 = 1  #: 20 % (18 % before 2019)
    VAT_10 = 2  #: 10 %
    VAT_20_120 = 3  #: расчётная 20/120 (18/118 before 2019)
    VAT_10_110 = 4  #: расчётная 10/110
    VAT_0 = 5  #: 0 %
    NO_VAT = 6  #: НДС не облагается
    VAT_5 = 7  #: 5 %
    VAT_7 = 8  #: 7 %
    VAT_5_105 = 9  #: расчётная 5/105
    VAT_7_107 = 10  #: расчётная 7/107
    VAT_22 = 11  #: 22 % (from 2026)
    VAT_22_122 = 12  #: расчётная 22/122 (from 2026)

    @property
    def share(self) -> tuple[int, int] | None:
        """The VAT contained in a sum that includes it, as ``(numerator, denominator)``; ``None`` for 0 % and
        «без НДС». A rate of N % and its «расчётная» N/(100+N) both take N/(100+N) of the amount."""
        return _VAT_SHARE.get(self.value)

    @property
    def label(self) -> str:
        """How a receipt prints the rate: ``"22%"``, ``"22/122"``, ``"0%"``, ``"без НДС"``."""
        return _VAT_LABEL[self.value]


_VAT_SHARE: dict[int, tuple[int, int]] = {
    1: (20, 120), 2: (10, 110), 3: (20, 120), 4: (10, 110), 7: (5, 105), 8: (7, 107), 9: (5, 105),
    10: (7, 107), 11: (22, 122), 12: (22, 122),
}
_VAT_LABEL: dict[int, str] = {
    1: "20%", 2: "10%", 3: "20/120", 4: "10/110", 5: "0%", 6: "без НДС", 7: "5%", 8: "7%", 9: "5/105",
    10: "7/107", 11: "22%", 12: "22/122",
}

#: VAT codes defined when FFD 1.05 was published; 7–12 came later for every FFD version.
VAT_RATES_ORIGINAL = frozenset(VatRate(code) for code in range(1, 7))


class PaymentMethod(enum.IntEnum):
    """1214 «признак способа расчета». (H)"""

    FULL_PREPAYMENT = 1  #: предоплата 100 %
    PARTIAL_PREPAYMENT = 2  #: предоплата (частичная)
    ADVANCE = 3  #: аванс
    FULL_PAYMENT = 4  #: полный расчёт
    PARTIAL_PAYMENT_AND_CREDIT = 5  #: частичный расчёт и кредит
    CREDIT = 6  #: передача в кредит
    CREDIT_PAYMENT = 7  #: оплата кредита


class PaymentSubject(enum.IntEnum):
    """1212 «признак предмета расчета». (M: 1–19 in several sources, 20–33 in two)

    Code 12 changed meaning: «составной предмет расчета» in FFD 1.05, «выплата» in FFD 1.2;
    ``PAYOUT`` is an alias of ``COMPOSITE``.
    """

    GOODS = 1  #: товар
    EXCISE_GOODS = 2  #: подакцизный товар
    WORK = 3  #: работа
    SERVICE = 4  #: услуга
    GAMBLING_BET = 5  #: ставка азартной игры
    GAMBLING_WIN = 6  #: выигрыш азартной игры
    LOTTERY_TICKET = 7  #: лотерейный билет
    LOTTERY_WIN = 8  #: выигрыш лотереи
    INTELLECTUAL_PROPERTY = 9  #: предоставление РИД
    PAYMENT = 10  #: платёж (аванс, задаток, предоплата, кредит)
    AGENT_COMMISSION = 11  #: агентское вознаграждение
    COMPOSITE = 12  #: составной предмет расчета (FFD 1.05)
    PAYOUT = 12  #: выплата (FFD 1.2)
    OTHER = 13  #: иной предмет расчета
    PROPERTY_RIGHT = 14  #: имущественное право
    NON_OPERATING_INCOME = 15  #: внереализационный доход
    OTHER_CONTRIBUTIONS = 16  #: иные платежи и взносы (страховые взносы)
    TRADE_FEE = 17  #: торговый сбор
    RESORT_FEE = 18  #: туристический налог / курортный сбор
    PLEDGE = 19  #: залог
    EXPENSE = 20  #: расход, уменьшающий доход
    PENSION_CONTRIBUTIONS_IP = 21  #: взносы на ОПС ИП
    PENSION_CONTRIBUTIONS = 22  #: взносы на ОПС
    MEDICAL_CONTRIBUTIONS_IP = 23  #: взносы на ОМС ИП
    MEDICAL_CONTRIBUTIONS = 24  #: взносы на ОМС
    SOCIAL_CONTRIBUTIONS = 25  #: взносы на ОСС
    CASINO_PAYMENT = 26  #: платёж казино
    BANK_AGENT_CASH_OUT = 27  #: выдача денежных средств банковским платёжным агентом
    EXCISE_MARKED_NO_CODE = 30  #: подакцизный маркируемый товар без КМ
    EXCISE_MARKED_WITH_CODE = 31  #: подакцизный маркируемый товар с КМ
    MARKED_NO_CODE = 32  #: маркируемый (не подакцизный) товар без КМ
    MARKED_WITH_CODE = 33  #: маркируемый (не подакцизный) товар с КМ


class CorrectionType(enum.IntEnum):
    """1173 «тип коррекции». (M)"""

    SELF = 0  #: самостоятельно
    BY_ORDER = 1  #: по предписанию


class FfdVersion(enum.IntEnum):
    """1209 «номер версии ФФД» (also 1189 ККТ, 1190 ФН). (H)"""

    V1_0 = 1
    V1_05 = 2
    V1_1 = 3
    V1_2 = 4

    @property
    def label(self) -> str:
        """Human form: ``"1.05"``."""
        return {1: "1.0", 2: "1.05", 3: "1.1", 4: "1.2"}[self.value]

    @classmethod
    def from_label(cls, label: str) -> FfdVersion:
        """``"1.05"`` → ``FfdVersion.V1_05``; raises ``ValueError`` on an unknown label."""
        for member in cls:
            if member.label == label:
                return member
        raise ValueError(f"unknown FFD version {label!r}")


class ReregistrationReason(enum.IntEnum):
    """1101 «код причины перерегистрации» (FFD 1.05; repeatable). Same codes as FN 03h. (H)"""

    FN_REPLACEMENT = 1  #: замена ФН (set by the FN itself)
    OFD_CHANGE = 2  #: смена ОФД
    USER_DATA_CHANGE = 3  #: смена реквизитов пользователя
    KKT_SETTINGS_CHANGE = 4  #: смена настроек ККТ


def kkt_change_reason_bits(mask: int) -> tuple[int, ...]:
    """Bit numbers set in a 1205 «коды причин изменения сведений о ККТ» mask (FFD 1.1/1.2).

    1205 is a UINT32 bit mask that replaced 1101, but the meaning of each bit was not found in the
    research sources, so no named flags are offered — only the set bit positions.
    """
    if not 0 <= mask <= 0xFFFF_FFFF:
        raise ValueError(f"1205 is a uint32 mask, got {mask}")
    return tuple(bit for bit in range(32) if mask >> bit & 1)


class AgentType(enum.IntFlag):
    """1057 «признак агента» / 1222 «признак агента по предмету расчета». (M)"""

    BANK_PAYMENT_AGENT = 0x01  #: банковский платёжный агент
    BANK_PAYMENT_SUBAGENT = 0x02  #: банковский платёжный субагент
    PAYMENT_AGENT = 0x04  #: платёжный агент
    PAYMENT_SUBAGENT = 0x08  #: платёжный субагент
    ATTORNEY = 0x10  #: поверенный
    COMMISSION_AGENT = 0x20  #: комиссионер
    OTHER_AGENT = 0x40  #: иной агент


class UsageConditions(enum.IntFlag):
    """1290 «признаки условий применения ККТ» (FFD 1.2, UINT32). (H/M)"""

    PRINTER_IN_MACHINE = 1 << 1  #: принтер в автомате
    BSO_AUTOMATED_SYSTEM = 1 << 2  #: АС БСО
    INTERNET = 1 << 5  #: расчёты в сети Интернет
    EXCISE_GOODS = 1 << 6  #: подакцизные товары
    MARKED_GOODS = 1 << 8  #: маркированные товары
    SERVICES = 1 << 9  #: услуги
    GAMBLING = 1 << 10  #: азартные игры
    LOTTERY = 1 << 11  #: лотереи
    PAWNSHOP = 1 << 12  #: ломбард
    INSURANCE = 1 << 13  #: страхование
    AUTOMATIC_DEVICE = 1 << 14  #: ККТ в автоматическом устройстве для расчётов
    CATERING = 1 << 15  #: общепит
    WHOLESALE = 1 << 16  #: оптовая торговля с организациями и ИП


class QuantityMeasure(enum.IntEnum):
    """2108 «мера количества предмета расчета» (FFD 1.2). (M)"""

    PIECE = 0  #: шт. / ед.
    GRAM = 10
    KILOGRAM = 11
    TONNE = 12
    CENTIMETRE = 20
    DECIMETRE = 21
    METRE = 22
    SQUARE_CENTIMETRE = 30
    SQUARE_DECIMETRE = 31
    SQUARE_METRE = 32
    MILLILITRE = 40
    LITRE = 41
    CUBIC_METRE = 42
    KILOWATT_HOUR = 50
    GIGACALORIE = 51
    DAY = 70  #: сутки
    HOUR = 71
    MINUTE = 72
    SECOND = 73
    KILOBYTE = 80
    MEGABYTE = 81
    GIGABYTE = 82
    TERABYTE = 83
    OTHER = 255  #: иная


class OfdResponseCode(enum.IntEnum):
    """1022 «код ответа ОФД» — only the codes seen in the sources; the full list is unknown. (M)"""

    OK = 0  #: успешно
    UNRECOGNISED = 11  #: неисправимая ошибка, документ не распознан
    FLK_ERROR = 14  #: ошибка форматно-логического контроля
