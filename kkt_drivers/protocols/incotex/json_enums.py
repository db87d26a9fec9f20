"""Enumerations of the INECRMAN driver-service JSON protocol (Incotex «Меркурий» online registers).

Numbers as KKTServiceLib [S1] declares them, cross-checked where the Go client [S2] maps the same
values (check types, tax systems, VAT codes, payment forms, product types, measure units, planned
statuses). Values 7–10 of :class:`TaxCode` (5 %, 7 %, 5/105, 7/107) come from a later [S1]
revision than the one re-read for these notes (which stops at 6). See protocol-notes/incotex.
"""

from __future__ import annotations

import enum


class KktModel(str, enum.Enum):
    """``model`` of OpenSession: the driver treats 115Ф/130Ф/180Ф/185Ф as one family."""

    M119F = "119F"  #: Меркурий-119Ф
    M185F = "185F"  #: Меркурий-115Ф/130Ф/180Ф/185Ф


class CheckType(enum.IntEnum):
    """``checkType`` (признак расчёта; 4–7 are correction receipts)."""

    INCOME = 0  #: приход
    INCOME_RETURN = 1  #: возврат прихода
    EXPENSE = 2  #: расход
    EXPENSE_RETURN = 3  #: возврат расхода
    INCOME_CORRECTION = 4  #: коррекция прихода
    EXPENSE_CORRECTION = 5  #: коррекция расхода
    INCOME_RETURN_CORRECTION = 6  #: коррекция возврата прихода
    EXPENSE_RETURN_CORRECTION = 7  #: коррекция возврата расхода


class TaxSystem(enum.IntEnum):
    """``taxSystem`` (система налогообложения)."""

    OSN = 0  #: общая
    USN_INCOME = 1  #: УСН доход
    USN_INCOME_OUTCOME = 2  #: УСН доход минус расход
    ENVD = 3  #: ЕНВД (abolished in 2021; still in older [S1] revisions and the server's goods UI)
    ESHN = 4  #: единый сельскохозяйственный налог
    PATENT = 5  #: патентная


class TaxCode(enum.IntEnum):
    """``taxCode`` (ставка НДС)."""

    VAT20 = 1  #: НДС 20 %
    VAT10 = 2  #: НДС 10 %
    VAT20_120 = 3  #: НДС 20/120
    VAT10_110 = 4  #: НДС 10/110
    VAT0 = 5  #: НДС 0 %
    NO_VAT = 6  #: без НДС
    VAT5 = 7  #: НДС 5 %
    VAT7 = 8  #: НДС 7 %
    VAT5_105 = 9  #: НДС 5/105
    VAT7_107 = 10  #: НДС 7/107


class PaymentForm(enum.IntEnum):
    """``paymentFormCode`` (признак способа расчёта, tag 1214)."""

    FULL_PREPAYMENT = 1  #: предоплата 100 %
    PREPAYMENT = 2  #: предоплата
    ADVANCE = 3  #: аванс
    FULL_PAYMENT = 4  #: полный расчёт
    PARTIAL_PAYMENT_AND_CREDIT = 5  #: частичный расчёт и кредит
    CREDIT = 6  #: передача в кредит
    CREDIT_PAYMENT = 7  #: оплата кредита


class ProductType(enum.IntEnum):
    """``productTypeCode`` / goods ``typeCode`` (признак предмета расчёта, tag 1212); 30–33 marked goods."""

    COMMODITY = 1  #: товар
    EXCISE = 2  #: подакцизный товар
    JOB = 3  #: работа
    SERVICE = 4  #: услуга
    GAMBLING_BET = 5  #: ставка азартной игры
    GAMBLING_PRIZE = 6  #: выигрыш азартной игры
    LOTTERY = 7  #: лотерейный билет
    LOTTERY_PRIZE = 8  #: выигрыш лотереи
    INTELLECTUAL_ACTIVITY = 9  #: предоставление РИД
    PAYMENT = 10  #: платёж
    AGENT_COMMISSION = 11  #: агентское вознаграждение
    COMPOSITE = 12  #: составной предмет расчёта
    ANOTHER = 13  #: иной предмет расчёта
    PROPERTY_RIGHT = 14  #: имущественное право
    NON_OPERATING_INCOME = 15  #: внереализационный доход
    INSURANCE_CONTRIBUTIONS = 16  #: страховые взносы
    MERCHANT_TAX = 17  #: торговый сбор
    RESORT_FEE = 18  #: курортный сбор
    DEPOSIT = 19  #: залог
    CONSUMPTION = 20  #: расход
    SOLE_PROPRIETOR_CPI = 21  #: взносы на ОПС ИП
    CPI = 22  #: взносы на ОПС
    SOLE_PROPRIETOR_CMI = 23  #: взносы на ОМС ИП
    CMI = 24  #: взносы на ОМС
    CSI = 25  #: взносы на ОСС
    CASINO_PAYMENT = 26  #: платёж казино
    FUNDS_ISSUANCE = 27  #: выдача денежных средств
    EXCISE_WITHOUT_MARKING = 30  #: подакцизный товар без кода маркировки
    EXCISE_WITH_MARKING = 31  #: подакцизный товар с кодом маркировки
    COMMODITY_WITHOUT_MARKING = 32  #: товар без кода маркировки
    COMMODITY_WITH_MARKING = 33  #: товар с кодом маркировки


class MeasureUnit(enum.IntEnum):
    """``measureUnit`` (мера количества, tag 2108)."""

    PIECE = 0  #: шт.
    GRAM = 10
    KILOGRAM = 11
    TON = 12
    CENTIMETER = 20
    DECIMETER = 21
    METER = 22
    SQUARE_CENTIMETER = 30
    SQUARE_DECIMETER = 31
    SQUARE_METER = 32
    MILLILITER = 40
    LITER = 41
    CUBIC_METER = 42
    KILOWATT_HOUR = 50
    GIGACALORIE = 51
    DAY = 70
    HOUR = 71
    MINUTE = 72
    SECOND = 73
    KILOBYTE = 80
    MEGABYTE = 81
    GIGABYTE = 82
    TERABYTE = 83
    OTHER = 255  #: иные меры


class PlannedStatus(enum.IntEnum):
    """``plannedStatus`` (планируемый статус товара, tag 2003)."""

    PIECE_SOLD = 1  #: штучный товар реализован
    MEASURED_FOR_SALE = 2  #: мерный товар в стадии реализации
    PIECE_RETURNED = 3  #: штучный товар возвращён
    MEASURED_PART_RETURNED = 4  #: часть мерного товара возвращена
    PIECE_FOR_SALE = 5  #: штучный товар в стадии реализации
    MEASURED_SOLD = 6  #: мерный товар реализован
    UNCHANGED = 255  #: статус не изменился


class AgentCode(enum.IntEnum):
    """``agent.code`` / goods ``agent`` (признак агента)."""

    BANK_PAYING_AGENT = 0
    BANK_PAYING_SUBAGENT = 1
    PAYING_AGENT = 2
    PAYING_SUBAGENT = 3
    ATTORNEY = 4  #: поверенный
    COMMISSION_AGENT = 5  #: комиссионер
    OTHER = 6  #: иной агент


class FnPhase(enum.IntEnum):
    """``fnInfo.status`` (фаза жизни ФН)."""

    READY = 0  #: настроен, готов к фискализации
    FISCAL = 1  #: фискальный режим
    POST_FISCAL = 2  #: постфискальный режим (передача в ОФД)
    ARCHIVE = 3  #: архив закрыт, только чтение


class ImcType(enum.IntEnum):
    """Type of a marking code as the driver reports it."""

    UNKNOWN = 0
    SHORT = 1
    CODE88_CHECKED = 2  #: код проверки 88, проверяется ФН
    CODE44_UNCHECKED = 3
    CODE44_CHECKED = 4
    CODE4_UNCHECKED = 5


class ReportCode(enum.IntEnum):
    """``reportCode`` of PrintReport."""

    X = 1  #: полный отчёт за смену из ФН
    BY_OPERATORS = 2  #: по кассирам
    BY_GOODS = 3  #: по товарам
    BY_GOODS_AND_OPERATORS = 4  #: по товарам и кассирам
    BY_SHIFT = 5  #: полный отчёт за смену из ККТ


class BarcodeType(enum.IntEnum):
    """``bcType`` of PrintBarCode."""

    EAN8 = 1
    EAN13 = 2
    CODE39 = 3
    QR = 4


class RegistrationReason(enum.IntEnum):
    """``reason`` of ReregisterKKT."""

    FN_CHANGE = 1  #: замена ФН
    OFD_CHANGE = 2  #: смена ОФД
    ATTRIBUTES_CHANGE = 3  #: изменение реквизитов
