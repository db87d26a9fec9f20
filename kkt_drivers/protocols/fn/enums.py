"""Enumerations of the KKT↔ФН protocol (FNS v1.2.06 unless a member says otherwise)."""

from __future__ import annotations

import enum


class LifePhase(enum.IntEnum):
    """Life phase (этап применения) reported by 30h; Table 8. Bits accumulate one-way."""

    #: v1.1 Table 8 only: factory setup (настройка); v1.2.06 no longer lists it
    SETUP = 0
    #: stage 1: ready for the registration report (or re-registration with FN replacement)
    READY_FOR_FISCAL = 1
    #: stage 2: fiscal mode, documents are formed
    FISCAL_MODE = 3
    #: stage 3: fiscal mode closed, remaining documents still go to the OFD
    POST_FISCAL = 7
    #: stage 4: archive read only (five years)
    ARCHIVE = 15


class WarningFlags(enum.IntFlag):
    """Warning flags byte (30h, 12h, 14h); Table 9. Any set bit also sets bit 7 of ANSWER."""

    NONE = 0
    #: less than 3 days to the end of the drive's validity (tag 1051)
    URGENT_REPLACEMENT = 0x01
    #: less than 30 days to the end of validity (tag 1050)
    RESOURCE_EXHAUSTION = 0x02
    #: archive 99 % full (v1.2.06 Table 9; 90 % in v1.1 and in Table 5, code 14h) (tag 1052)
    MEMORY_OVERFLOW = 0x04
    #: OFD answer timeout exceeded (tag 1053)
    OFD_TIMEOUT = 0x08
    #: format-logical control rejection, flag taken from the operator confirmation (tag 1206)
    FLC_REJECTION = 0x10
    #: the KKT needs setting up, flag from the operator confirmation (tag 1206)
    KKT_SETUP_REQUIRED = 0x20
    #: the OFD was annulled, flag from the operator confirmation (tag 1206)
    OFD_CANCELLED = 0x40
    #: v1.1 Table 9 only: critical drive error
    CRITICAL_ERROR = 0x80


class CurrentDocument(enum.IntEnum):
    """The document open in the drive (30h, second byte); Table 7."""

    NONE = 0x00
    REGISTRATION_REPORT = 0x01
    OPEN_SHIFT_REPORT = 0x02
    RECEIPT = 0x04
    CLOSE_SHIFT_REPORT = 0x08
    CLOSE_FN_REPORT = 0x10
    BSO = 0x11
    REREGISTRATION_FN_REPLACEMENT = 0x12
    REREGISTRATION = 0x13
    CORRECTION_RECEIPT = 0x14
    CORRECTION_BSO = 0x15
    STATE_REPORT = 0x17


class DocumentType(enum.IntEnum):
    """Fiscal document (STLV) type, as returned by 40h and 45h.

    The ФН text only says the byte "matches the TLV type of the fiscal document"; the numbers are
    those of the fiscal data formats (ФФД), see protocol-research/ffd_fn.md §1.3.
    """

    REGISTRATION_REPORT = 1
    OPEN_SHIFT_REPORT = 2
    RECEIPT = 3
    BSO = 4
    CLOSE_SHIFT_REPORT = 5
    CLOSE_FN_REPORT = 6
    OPERATOR_CONFIRMATION = 7
    REREGISTRATION_REPORT = 11
    STATE_REPORT = 21
    CORRECTION_RECEIPT = 31
    CORRECTION_BSO = 41
    MARKING_REQUEST = 81
    MARKING_NOTIFICATION = 82
    MARKING_RESPONSE = 83
    NOTIFICATION_TICKET = 84


class ReportType(enum.IntEnum):
    """Report started by 02h / A2h; Tables 32 and 46."""

    REGISTRATION = 0
    REREGISTRATION_FN_REPLACEMENT = 1
    REREGISTRATION = 2


#: which 30h "current document" each report type opens
REPORT_DOCUMENT = {
    ReportType.REGISTRATION: CurrentDocument.REGISTRATION_REPORT,
    ReportType.REREGISTRATION_FN_REPLACEMENT: CurrentDocument.REREGISTRATION_FN_REPLACEMENT,
    ReportType.REREGISTRATION: CurrentDocument.REREGISTRATION,
}


class ReregistrationReason(enum.IntEnum):
    """Reason byte of 03h for a re-registration without FN replacement; Table 39."""

    FN_REPLACEMENT = 1
    OFD_CHANGE = 2
    USER_DETAILS_CHANGE = 3
    KKT_SETTINGS_CHANGE = 4


class TaxSystem(enum.IntFlag):
    """Tax systems bit field (03h, A3h, 43h); Table 36."""

    NONE = 0
    GENERAL = 0x01
    SIMPLIFIED_INCOME = 0x02
    SIMPLIFIED_INCOME_MINUS_EXPENSE = 0x04
    IMPUTED_INCOME = 0x08
    AGRICULTURAL = 0x10
    PATENT = 0x20


class WorkMode(enum.IntFlag):
    """Work mode bit field (03h, A3h); Tables 37 (FFD 1.0/1.1) and 38 (FFD 1.2: bits 6, 7 added)."""

    NONE = 0
    ENCRYPTION = 0x01
    AUTONOMOUS = 0x02
    AUTOMATIC = 0x04
    SERVICES = 0x08
    BSO = 0x10
    INTERNET = 0x20
    CATERING = 0x40
    WHOLESALE = 0x80


class ExtendedFlagsFfd11(enum.IntFlag):
    """Extended KKT flags of A3h for a drive activated for FFD 1.1; Table 50."""

    NONE = 0
    EXCISE_GOODS = 0x01
    GAMBLING = 0x02
    LOTTERY = 0x04
    PRINTER_IN_AUTOMAT = 0x08


class ExtendedFlagsFfd12(enum.IntFlag):
    """Extended KKT flags of A3h for a drive activated for FFD 1.2; Table 51."""

    NONE = 0
    EXCISE_GOODS = 0x01
    GAMBLING = 0x02
    LOTTERY = 0x04
    PRINTER_IN_AUTOMAT = 0x08
    MARKED_GOODS = 0x10
    PAWNSHOP = 0x20
    INSURANCE = 0x40
    AUTOMAT = 0x80


class OperationType(enum.IntEnum):
    """Calculation sign of a receipt (16h, 38h, archive records); Table 66."""

    INCOME = 1
    INCOME_RETURN = 2
    EXPENSE = 3
    EXPENSE_RETURN = 4


class OfdExchangeFlags(enum.IntFlag):
    """First byte of 20h; Table 76."""

    NONE = 0
    TRANSPORT_CONNECTED = 0x01
    MESSAGE_PENDING = 0x02
    AWAITING_TICKET = 0x04
    OFD_COMMAND_PENDING = 0x08
    OFD_SETTINGS_CHANGED = 0x10
    AWAITING_COMMAND_ANSWER = 0x20


class FfdVersion(enum.IntEnum):
    """FFD format code (3Ah; A2h parameter uses 3 and 4); Tables 24 and 46."""

    NOT_ACTIVATED = 0
    FFD_1_05 = 1
    FFD_1_1 = 3
    FFD_1_2 = 4


class FirmwareType(enum.IntEnum):
    """Second field of 33h; Table 12."""

    PROTOTYPE = 0
    SERIAL = 1


class CounterType(enum.IntEnum):
    """Counter selector of 36h/37h/38h; Tables 15, 19, 21."""

    SHIFT = 0
    FN = 1


class OfdRejectReason(enum.IntEnum):
    """Why the drive refused an OFD ticket (26h answered with code 20h); Table 90."""

    BAD_FISCAL_SIGN = 1
    BAD_TICKET_FORMAT = 2
    BAD_FD_NUMBER = 3
    BAD_FN_NUMBER = 4
    BAD_CRC = 5
    BAD_OFD_INN = 6


class PaymentPresence(enum.IntFlag):
    """Extra byte with answer code 0Dh on 16h: which payment sums the drive did get; Table 69."""

    NONE = 0
    CASH = 0x01  # tag 1031
    ELECTRONIC = 0x02  # tag 1081
    PREPAYMENT = 0x04  # tag 1215
    CREDIT = 0x08  # tag 1216
    COUNTER_PROVISION = 0x10  # tag 1217


class ArchiveFormat(enum.IntEnum):
    """First byte of the 50h answer; Table 119."""

    AS_40H = 0
    SIGNED_FPA = 1
    SIGNED_FPA_FFD_1_2 = 2


class MarkingCheckState(enum.IntEnum):
    """B0h «состояние по проверке КМ» (Table 123)."""

    TABLE_FULL = 0  #: таблица проверки КМ переполнена
    IDLE = 1  #: нет КМ на проверке
    CODE_SENT = 2  #: передан КМ в команде B1h
    REQUEST_FORMED = 3  #: сформирован запрос о КМ командой B5h
    RESPONSE_PASSED = 4  #: получен и передан в ФН ответ на запрос (B6h)


class MarkingCommands(enum.IntFlag):
    """B0h «флаги разрешения команд работы с КМ» (Table 124): which marking commands are allowed now."""

    NONE = 0
    B1 = 0x01
    B2 = 0x02
    B3 = 0x04
    B5 = 0x08
    B6 = 0x10
    B7_ITEM_DATA = 0x20  #: B7h with sub-code 1 (2007)
    B7_ITEM = 0x40  #: B7h with sub-code 2 (1059)
    B7_NOTIFICATION = 0x80  #: B7h with sub-code 3


class MarkingCodeCheck(enum.IntEnum):
    """B1h «результат проверки КМ в ФН» = tag 2004 (Table 128): bit 0 checked, bit 1 positive."""

    NOT_CHECKED = 0
    NEGATIVE = 1
    POSITIVE = 3


class MarkingNotCheckedReason(enum.IntEnum):
    """B1h «причина того, что КМ не проверен в ФН» (Table 128)."""

    CHECKED = 0
    TYPE_NOT_CHECKED = 1  #: КМ данного типа не подлежит проверке в ФН
    NO_KEY = 2  #: ФН не содержит ключ проверки этого КМ
    NO_GS1_91_92 = 3  #: нет идентификаторов применения GS1 91 и/или 92, или их формат неверный
    OTHER = 4  #: иная причина


class MarkingItemStep(enum.IntEnum):
    """B7h «дополнительный код команды» (Table 141)."""

    ITEM_DATA = 1  #: the block holds 2007 «данные о маркированном товаре» for the notification
    ITEM = 2  #: the block holds the 1059 «предмет расчета» of that code, for the receipt
    NOTIFICATION = 3  #: requisites for the notification (1261, 1228, 1009, 1055)


class MarkingResponseError(enum.IntEnum):
    """B6h answer 20h: the reason the answer of the marking system was refused (Table 139)."""

    BAD_SIGN = 1  #: неверный фискальный признак ответа
    BAD_FORMAT = 2  #: неверный формат реквизитов ответа
    BAD_REQUEST_NUMBER = 3  #: неверный номер запроса в ответе
    BAD_FN_NUMBER = 4  #: неверный номер ФН
    BAD_CRC = 5  #: неверный CRC блока данных
    BAD_LENGTH = 7  #: неверная длина ответа


class CommandGroup(enum.Enum):
    """Command groups of Table 6 (availability per life phase)."""

    STATUS = "status"
    ACTIVATION = "activation"
    DOCUMENTS = "documents"
    FN_CLOSE = "fn-close"
    OFD_EXCHANGE = "ofd-exchange"
    ARCHIVE = "archive"
    DEBUG = "debug"


_ALL = frozenset({
    LifePhase.READY_FOR_FISCAL, LifePhase.FISCAL_MODE, LifePhase.POST_FISCAL, LifePhase.ARCHIVE,
})

#: Table 6: which life phases accept each command group ("Да" cells)
GROUP_PHASES: dict[CommandGroup, frozenset[LifePhase]] = {
    CommandGroup.STATUS: _ALL,
    CommandGroup.ACTIVATION: frozenset({LifePhase.READY_FOR_FISCAL}),
    CommandGroup.DOCUMENTS: frozenset({LifePhase.FISCAL_MODE}),
    CommandGroup.FN_CLOSE: frozenset({LifePhase.FISCAL_MODE}),
    CommandGroup.OFD_EXCHANGE: frozenset({LifePhase.FISCAL_MODE, LifePhase.POST_FISCAL}),
    CommandGroup.ARCHIVE: _ALL,
    CommandGroup.DEBUG: _ALL,
}
