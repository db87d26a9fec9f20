"""FFD requisites an integrator sends beyond name, price, quantity, VAT, method and subject — built and checked.

Family-neutral: every driver turns a :class:`~kkt_drivers.types.Item` or :class:`~kkt_drivers.types.Receipt`
into the same TLV values and wraps them in its own command (ATOL's E8h, Shtrih's tag commands, the ФН's 07h…).

* :func:`item_requisites` — the position requisites (inside 1059);
* :func:`receipt_requisites` — the receipt requisites (top level of the receipt);
* :func:`check_item`, :func:`check_receipt`, :func:`check_correction_type` — the checks, raising
  :class:`kkt_drivers.validation.InvalidReceipt` with the field path and the real limit, before a byte is sent.

Each builder returns ``[(tag, value_bytes), ...]``: the value part of each TLV, encoded and length-checked with
the FFD tag table (an STLV's value holds its child TLVs). What goes where, per FFD version (tables of Приказ
ФНС ЕД-7-20/662@ as the research transcribed them; see ``protocol-notes/ffd/requisites.md``):

============================  =====================================  ======================================
Data                          FFD 1.05                               FFD 1.2
============================  =====================================  ======================================
``Item.measure``              1197 «единица измерения» text, only     2108 «мера количества» (always)
                              when not pieces **[inferred]**
``Item.product_code``         1162 (bytes)                           refused (1162 is not in FFD 1.2)
``Item.marking``              refused (marking is FFD 1.2)           1163 {1305 GS1.М | 1300}, 2102 = 0,
                                                                     1291 {1292, 1293, 1294} for a part
``Item.agent``                1222, 1223 {1044, 1073…, 1026, …}      same
``Item.supplier``             1224 {1225, 1171…}, 1226               same; 1222 and 1226 only together
``Item.industry``             refused                                1260 {1262, 1263, 1264, 1265} each
``Buyer.phone/email``         1008                                   1008
``Buyer.name/inn``            1227, 1228                             1256 {1227, 1228}
``Receipt.agent``             1057 and its data (1044, 1073…)        refused (per position in FFD 1.2)
``Receipt.industry``          refused                                1261 each
``Receipt.operational``       refused                                1270 {1271, 1272, 1273}
============================  =====================================  ======================================
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Final, NoReturn

from .checks import inn_problem, phone_digits
from .ffd.enums import AgentType, OperationType, PaymentSubject, QuantityMeasure
from .ffd.errors import FfdEncodeError
from .ffd.marking import MarkingCodeError, parse_marking_code
from .ffd.tlv import Tlv, TlvInput, encode_tlv
from .types import AgentInfo, Buyer, IndustryRequisite, Item, MarkingCode, OperationalRequisite, Receipt, Supplier

__all__ = [
    "MARKED_SUBJECTS",
    "MARKED_WITH_CODE",
    "check_correction_type",
    "check_item",
    "check_receipt",
    "item_requisites",
    "item_values",
    "receipt_requisites",
    "receipt_values",
]

Requisites = list[tuple[int, bytes]]

#: 1212 codes of marked goods (FFD 1.2 only): 30/32 without a marking code, 31/33 with one.
MARKED_SUBJECTS: Final = frozenset({PaymentSubject.EXCISE_MARKED_NO_CODE, PaymentSubject.EXCISE_MARKED_WITH_CODE,
                                    PaymentSubject.MARKED_NO_CODE, PaymentSubject.MARKED_WITH_CODE})
MARKED_WITH_CODE: Final = frozenset({PaymentSubject.EXCISE_MARKED_WITH_CODE, PaymentSubject.MARKED_WITH_CODE})
#: 2003 «планируемый статус товара» values (FFD 1.2): 1, 2 sold (piece, measured), 3, 4 returned, 255 unchanged.
PLANNED_STATUSES: Final = frozenset({1, 2, 3, 4, 255})
#: 1197 text for a measure in FFD 1.05 (the unit as a receipt prints it) [inferred: 1197 is free text].
UNIT_TEXT: Final = {
    QuantityMeasure.GRAM: "г", QuantityMeasure.KILOGRAM: "кг", QuantityMeasure.TONNE: "т",
    QuantityMeasure.CENTIMETRE: "см", QuantityMeasure.DECIMETRE: "дм", QuantityMeasure.METRE: "м",
    QuantityMeasure.SQUARE_CENTIMETRE: "кв. см", QuantityMeasure.SQUARE_DECIMETRE: "кв. дм",
    QuantityMeasure.SQUARE_METRE: "кв. м", QuantityMeasure.MILLILITRE: "мл", QuantityMeasure.LITRE: "л",
    QuantityMeasure.CUBIC_METRE: "куб. м", QuantityMeasure.KILOWATT_HOUR: "кВт·ч",
    QuantityMeasure.GIGACALORIE: "Гкал", QuantityMeasure.DAY: "сутки", QuantityMeasure.HOUR: "час",
    QuantityMeasure.MINUTE: "мин", QuantityMeasure.SECOND: "с", QuantityMeasure.KILOBYTE: "Кбайт",
    QuantityMeasure.MEGABYTE: "Мбайт", QuantityMeasure.GIGABYTE: "Гбайт", QuantityMeasure.TERABYTE: "Тбайт",
    QuantityMeasure.OTHER: "иная",
}
#: 2102 «режим обработки кода маркировки»: FFD 1.2 allows only 0 (RUSTT's transcription of the table).
MARKING_MODE: Final = 0

_FOIV: Final = re.compile(r"^\d{3}$")
_VERSIONS: Final = ("1.05", "1.2")
# Maximum value lengths in bytes (the FFD tag table), named here so that messages state them.
_LIMITS: Final = {1005: 256, 1016: 12, 1026: 64, 1044: 24, 1073: 19, 1074: 19, 1075: 19, 1171: 19, 1225: 256,
                  1226: 12, 1227: 128, 1228: 12, 1264: 32, 1265: 256, 1272: 64, 1292: 24}


def _fail(field: str, message: str, message_ru: str | None = None) -> NoReturn:
    # imported here: kkt_drivers.validation may import this module, in either order
    from .validation import InvalidReceipt

    raise InvalidReceipt(field, message, message_ru)


def _version(ffd: str) -> str:
    if ffd not in _VERSIONS:
        raise ValueError(f"ffd must be '1.05' or '1.2', got {ffd!r}")
    return ffd


def _text(field: str, value: str | None, tag: int, *, required: bool = False) -> None:
    """Length in CP866 bytes (one byte per character) and the code page."""
    if value is None or value == "":
        if required:
            _fail(field, f"required (tag {tag})", f"обязателен (тег {tag})")
        return
    if not isinstance(value, str):
        _fail(field, f"must be text (tag {tag}), got {type(value).__name__}", f"должен быть текстом (тег {tag})")
    try:
        size = len(value.encode("cp866"))
    except UnicodeEncodeError as exc:
        char = value[exc.start]
        _fail(field, f"character {char!r} is outside CP866, the FFD code page (tag {tag})",
              f"символ {char!r} вне кодовой страницы ФФД CP866 (тег {tag})")
    limit = _LIMITS[tag]
    if size > limit:
        _fail(field, f"at most {limit} characters (tag {tag}), got {size}",
              f"не более {limit} символов (тег {tag}), получено {size}")


def _inn(field: str, value: str | None, tag: int, *, required: bool = False) -> None:
    """An ИНН: 10 digits (organisation) or 12 (person) with its check digits."""
    if value is None or value == "":
        if required:
            _fail(field, f"required (tag {tag})", f"обязателен (тег {tag})")
        return
    problem = inn_problem(value)
    if problem is not None:
        _fail(field, f"{problem[0]} (tag {tag})", f"{problem[1]} (тег {tag})")


def _phones(field: str, phones: Sequence[str], tag: int) -> None:
    if isinstance(phones, str) or not isinstance(phones, Sequence):
        _fail(field, f"a tuple of phone numbers (tag {tag}), not {type(phones).__name__}",
              f"кортеж номеров телефонов (тег {tag})")
    for index, phone in enumerate(phones):
        digits = phone_digits(phone)
        if digits is None or len(digits) > 19:
            _fail(f"{field}[{index}]", f"not a phone number of at most 19 characters with '+' (tag {tag}): {phone!r}",
                  f"не номер телефона (не более 19 символов с «+», тег {tag}): {phone!r}")


def _single_bit(mask: int) -> bool:
    return mask > 0 and mask & (mask - 1) == 0


# --- checks ----------------------------------------------------------------------------------------------------


def _check_agent(where: str, agent: AgentInfo, *, position: bool) -> None:
    tag = 1222 if position else 1057
    mask = int(agent.type) if isinstance(agent.type, int) else -1
    if not 0 < mask < int(AgentType.OTHER_AGENT) * 2:
        _fail(f"{where}.type", f"an AgentType bit mask of bits 0..6 (tag {tag}), got {agent.type!r}",
              f"битовая маска AgentType из битов 0..6 (тег {tag}), получено {agent.type!r}")
    if position and not _single_bit(mask):
        _fail(f"{where}.type", f"a position has exactly one agent type (tag 1222), got {agent.type!r}",
              f"у позиции ровно один признак агента (тег 1222), получено {agent.type!r}")
    _text(f"{where}.operation", agent.operation, 1044)
    _phones(f"{where}.phones", agent.phones, 1073)
    _phones(f"{where}.payment_operator_phones", agent.payment_operator_phones, 1074)
    _phones(f"{where}.transfer_operator_phones", agent.transfer_operator_phones, 1075)
    _text(f"{where}.transfer_operator_name", agent.transfer_operator_name, 1026)
    _text(f"{where}.transfer_operator_address", agent.transfer_operator_address, 1005)
    _inn(f"{where}.transfer_operator_inn", agent.transfer_operator_inn, 1016)


def _check_supplier(where: str, supplier: Supplier) -> None:
    _inn(f"{where}.inn", supplier.inn, 1226, required=True)
    _text(f"{where}.name", supplier.name, 1225)
    _phones(f"{where}.phones", supplier.phones, 1171)


def _check_industry(where: str, requisite: IndustryRequisite, tag: int) -> None:
    if not isinstance(requisite.foiv_id, str) or not _FOIV.match(requisite.foiv_id):
        _fail(f"{where}.foiv_id", f"the ФОИВ id is 3 digits (tag 1262 in {tag}), got {requisite.foiv_id!r}",
              f"идентификатор ФОИВ — 3 цифры (тег 1262 в {tag}), получено {requisite.foiv_id!r}")
    if not isinstance(requisite.document_date, date):
        _fail(f"{where}.document_date", f"a date (tag 1263 in {tag})", f"дата (тег 1263 в {tag})")
    _text(f"{where}.document_number", requisite.document_number, 1264, required=True)
    _text(f"{where}.value", requisite.value, 1265, required=True)


def _check_marking(where: str, item: Item, marking: MarkingCode) -> None:
    try:
        parse_marking_code(marking.code)
    except MarkingCodeError as exc:
        _fail(f"{where}.code", str(exc), f"не код маркировки: {exc}")
    if marking.planned_status not in PLANNED_STATUSES:
        _fail(f"{where}.planned_status", f"2003 is one of {sorted(PLANNED_STATUSES)}, got {marking.planned_status!r}",
              f"тег 2003 — одно из {sorted(PLANNED_STATUSES)}, получено {marking.planned_status!r}")
    numerator, denominator = marking.numerator, marking.denominator
    if numerator is None and denominator is None:
        return
    if not (isinstance(numerator, int) and isinstance(denominator, int) and 0 < numerator < denominator < 1 << 64):
        _fail(f"{where}.numerator", "a part of a pack needs numerator and denominator with 0 < numerator < "
              f"denominator < 2**64 (1293/1294), got {numerator}/{denominator}",
              "для части упаковки нужны числитель и знаменатель, 0 < числитель < знаменатель (теги 1293/1294), "
              f"получено {numerator}/{denominator}")
    if Decimal(item.quantity) != 1 or item.measure != QuantityMeasure.PIECE:
        _fail(f"{where}.numerator", "a part of a pack is sold as quantity 1 in pieces, the share in 1291 "
              "[inferred from FFD 1.2 practice]",
              "часть упаковки продаётся количеством 1 в штуках, доля — в теге 1291")


def check_item(item: Item, ffd: str, where: str) -> None:
    """Refuse a position whose extra requisites the FFD version cannot carry (``where``: ``"items[2]"``)."""
    ffd = _version(ffd)
    try:
        measure = QuantityMeasure(item.measure)
    except ValueError:
        _fail(f"{where}.measure", f"not a 2108 measure code: {item.measure!r}",
              f"не код меры количества (тег 2108): {item.measure!r}")
    subject = int(item.payment_subject)
    if subject in MARKED_SUBJECTS and ffd != "1.2":
        _fail(f"{where}.payment_subject", f"payment subjects 30–33 (marked goods) exist in FFD 1.2 only, got {subject}",
              f"признаки предмета расчёта 30–33 (маркированные товары) есть только в ФФД 1.2, получено {subject}")
    if subject in MARKED_WITH_CODE and item.marking is None:
        _fail(f"{where}.payment_subject", f"payment subject {subject} is a marked good with a marking code: "
              "give item.marking", f"признак предмета расчёта {subject} — товар с кодом маркировки: укажите его")
    if item.marking is not None:
        if ffd != "1.2":
            _fail(f"{where}.marking", "marking codes are checked and sent in FFD 1.2 only",
                  "коды маркировки проверяются и передаются только в ФФД 1.2")
        if subject not in MARKED_WITH_CODE:
            _fail(f"{where}.payment_subject", "a position with a marking code has payment subject 31 (excise) or "
                  f"33, got {subject}",
                  f"у позиции с кодом маркировки признак предмета расчёта 31 (подакцизный) или 33, получено {subject}")
        _check_marking(f"{where}.marking", item, item.marking)
    if ffd == "1.05" and measure != QuantityMeasure.PIECE and measure not in UNIT_TEXT:
        _fail(f"{where}.measure", f"no FFD 1.05 unit text for {measure!r}", f"нет единицы ФФД 1.05 для {measure!r}")
    if item.product_code is not None:
        if ffd != "1.05":
            _fail(f"{where}.product_code", "1162 is FFD 1.05; in FFD 1.2 a product code goes into 1163 "
                  "(give a marking code for marked goods)",
                  "тег 1162 есть только в ФФД 1.05; в ФФД 1.2 код товара — в теге 1163 (код маркировки)")
        if not isinstance(item.product_code, bytes) or not 1 <= len(item.product_code) <= 32:
            _fail(f"{where}.product_code", "1..32 bytes (tag 1162)", "от 1 до 32 байт (тег 1162)")
    if item.agent is not None:
        _check_agent(f"{where}.agent", item.agent, position=True)
    if item.supplier is not None:
        _check_supplier(f"{where}.supplier", item.supplier)
    if ffd == "1.2" and (item.agent is None) != (item.supplier is None):
        field = "supplier" if item.supplier is None else "agent"
        _fail(f"{where}.{field}", f"1222 (agent) and 1226 (supplier INN) go together in FFD 1.2 (ФН protocol "
              f"§4.3.3): give the {field}",
              "теги 1222 (признак агента) и 1226 (ИНН поставщика) в ФФД 1.2 указываются только вместе")
    if item.industry:
        if ffd != "1.2":
            _fail(f"{where}.industry", "industry requisites (1260) exist in FFD 1.2 only",
                  "отраслевые реквизиты (тег 1260) есть только в ФФД 1.2")
        for index, requisite in enumerate(item.industry):
            _check_industry(f"{where}.industry[{index}]", requisite, 1260)
    try:
        _encoded(item_values(item, ffd), ffd)
    except FfdEncodeError as exc:  # a limit the checks above do not state (an STLV's total length)
        _fail(where, str(exc), f"не помещается в формат ФФД: {exc}")


def check_receipt(receipt: Receipt, ffd: str) -> None:
    """Refuse a receipt whose extra requisites (and those of its positions) the FFD version cannot carry.

    Payments, totals and names are :func:`kkt_drivers.validation.validate_receipt`'s job; this checks the
    requisites :func:`receipt_requisites` and :func:`item_requisites` send.
    """
    ffd = _version(ffd)
    for index, item in enumerate(receipt.items):
        check_item(item, ffd, f"items[{index}]")
    if receipt.buyer is not None:
        _check_buyer(receipt.buyer)
    if receipt.agent is not None:
        if ffd == "1.2":
            _fail("agent", "FFD 1.2 has no receipt-level agent sign (1057): give the agent on each position",
                  "в ФФД 1.2 нет признака агента чека (тег 1057): укажите агента в позициях")
        _check_agent("agent", receipt.agent, position=False)
    if receipt.industry:
        if ffd != "1.2":
            _fail("industry", "industry requisites (1261) exist in FFD 1.2 only",
                  "отраслевые реквизиты чека (тег 1261) есть только в ФФД 1.2")
        for index, requisite in enumerate(receipt.industry):
            _check_industry(f"industry[{index}]", requisite, 1261)
    if receipt.operational is not None:
        if ffd != "1.2":
            _fail("operational", "the operational requisite (1270) exists in FFD 1.2 only",
                  "операционный реквизит чека (тег 1270) есть только в ФФД 1.2")
        _check_operational(receipt.operational)
    try:
        _encoded(receipt_values(receipt, ffd), ffd)
    except FfdEncodeError as exc:
        _fail("receipt", str(exc), f"не помещается в формат ФФД: {exc}")


def _check_buyer(buyer: Buyer) -> None:
    if buyer.phone or buyer.email:
        from .validation import buyer_contact

        buyer_contact(buyer)
    _text("buyer.name", buyer.name, 1227)
    _inn("buyer.inn", buyer.inn, 1228)


def _check_operational(requisite: OperationalRequisite) -> None:
    if not isinstance(requisite.operation_id, int) or not 0 <= requisite.operation_id <= 255:
        _fail("operational.operation_id", f"0..255 (tag 1271), got {requisite.operation_id!r}",
              f"от 0 до 255 (тег 1271), получено {requisite.operation_id!r}")
    _text("operational.data", requisite.data, 1272, required=True)
    if not isinstance(requisite.when, datetime) or requisite.when.tzinfo is not None:
        _fail("operational.when", "a naive datetime in the register's local time (tag 1273)",
              "дата и время без часового пояса, по часам ККТ (тег 1273)")


def check_correction_type(operation: int, ffd: str) -> None:
    """An FFD 1.05 correction is «приход» or «расход» only (1054 = 1 or 3; Письмо ФНС АБ-4-20/10421@)."""
    ffd = _version(ffd)
    try:
        kind = OperationType(int(operation))
    except (TypeError, ValueError):
        _fail("type", f"1054 is 1..4, got {operation!r}", f"тег 1054 — от 1 до 4, получено {operation!r}")
    if ffd == "1.05" and kind not in (OperationType.INCOME, OperationType.EXPENSE):
        _fail("type", "an FFD 1.05 correction is «приход» (1) or «расход» (3) only (Письмо ФНС АБ-4-20/10421@); "
              f"got {int(kind)}",
              f"чек коррекции ФФД 1.05 — только «приход» (1) или «расход» (3) (Письмо ФНС АБ-4-20/10421@), "
              f"получено {int(kind)}")


# --- builders --------------------------------------------------------------------------------------------------


def _phone(phone: str) -> str:
    """A phone as the FFD writes it (``+`` and digits); unchanged when it is not one (the check refuses it)."""
    return phone_digits(phone) or phone


def _agent_children(agent: AgentInfo) -> list[Tlv]:
    out: list[Tlv] = []
    if agent.operation:
        out.append(Tlv(1044, agent.operation))
    out += [Tlv(1073, _phone(phone)) for phone in agent.phones]
    out += [Tlv(1074, _phone(phone)) for phone in agent.payment_operator_phones]
    out += [Tlv(1075, _phone(phone)) for phone in agent.transfer_operator_phones]
    if agent.transfer_operator_name:
        out.append(Tlv(1026, agent.transfer_operator_name))
    if agent.transfer_operator_address:
        out.append(Tlv(1005, agent.transfer_operator_address))
    if agent.transfer_operator_inn:
        out.append(Tlv(1016, agent.transfer_operator_inn))
    return out


def _industry(tag: int, requisite: IndustryRequisite) -> Tlv:
    return Tlv(tag, (Tlv(1262, requisite.foiv_id), Tlv(1263, requisite.document_date.strftime("%d.%m.%Y")),
                     Tlv(1264, requisite.document_number), Tlv(1265, requisite.value)))


def item_values(item: Item, ffd: str) -> list[Tlv]:
    """The position requisites as :class:`~kkt_drivers.ffd.Tlv` values (unchecked; see :func:`item_requisites`)."""
    out: list[Tlv] = []
    if ffd == "1.2":
        out.append(Tlv(2108, int(item.measure)))
    elif item.measure != QuantityMeasure.PIECE:
        out.append(Tlv(1197, UNIT_TEXT[QuantityMeasure(item.measure)]))
    if ffd == "1.05" and item.product_code is not None:
        out.append(Tlv(1162, item.product_code))
    if item.marking is not None:
        parsed = parse_marking_code(item.marking.code)
        out.append(Tlv(1163, (Tlv(parsed.product_tag, parsed.product_code),)))
        out.append(Tlv(2102, MARKING_MODE))
        if item.marking.numerator is not None and item.marking.denominator is not None:
            num, den = item.marking.numerator, item.marking.denominator
            out.append(Tlv(1291, (Tlv(1292, f"{num}/{den}"), Tlv(1293, num), Tlv(1294, den))))
    if item.agent is not None:
        out.append(Tlv(1222, int(item.agent.type)))
        data = _agent_children(item.agent)
        if data:
            out.append(Tlv(1223, tuple(data)))
    if item.supplier is not None:
        data = ([Tlv(1225, item.supplier.name)] if item.supplier.name else [])
        data += [Tlv(1171, _phone(phone)) for phone in item.supplier.phones]
        if data:
            out.append(Tlv(1224, tuple(data)))
        out.append(Tlv(1226, item.supplier.inn))
    out += [_industry(1260, requisite) for requisite in item.industry]
    return out


def receipt_values(receipt: Receipt, ffd: str) -> list[Tlv]:
    """The receipt requisites as :class:`~kkt_drivers.ffd.Tlv` values (unchecked; see :func:`receipt_requisites`)."""
    out: list[Tlv] = []
    buyer = receipt.buyer
    if buyer is not None:
        from .validation import buyer_contact

        contact = buyer_contact(buyer) if buyer.phone or buyer.email else None
        if contact:
            out.append(Tlv(1008, contact))
        about = [Tlv(tag, text) for tag, text in ((1227, buyer.name), (1228, buyer.inn)) if text]
        if about and ffd == "1.2":
            out.append(Tlv(1256, tuple(about)))
        else:
            out += about
    if receipt.agent is not None and ffd == "1.05":
        out.append(Tlv(1057, int(receipt.agent.type)))
        out += _agent_children(receipt.agent)
    if ffd == "1.2":
        out += [_industry(1261, requisite) for requisite in receipt.industry]
        if receipt.operational is not None:
            op = receipt.operational
            out.append(Tlv(1270, (Tlv(1271, op.operation_id), Tlv(1272, op.data), Tlv(1273, op.when))))
    return out


def _encoded(tlvs: Iterable[Tlv], ffd: str) -> Requisites:
    return [(t.tag, _value_bytes(t.tag, t.value, ffd)) for t in tlvs]


def _value_bytes(tag: int, value: TlvInput, ffd: str) -> bytes:
    return encode_tlv(tag, value, ffd)[4:]


def item_requisites(item: Item, ffd: str) -> list[tuple[int, bytes]]:
    """The position requisites of ``item`` for FFD ``ffd`` as ``[(tag, value_bytes), ...]``, checked first
    (:func:`check_item`, field path ``item``)."""
    check_item(item, ffd, "item")
    return _encoded(item_values(item, ffd), ffd)


def receipt_requisites(receipt: Receipt, ffd: str) -> list[tuple[int, bytes]]:
    """The receipt-level requisites of ``receipt`` for FFD ``ffd`` as ``[(tag, value_bytes), ...]``, checked
    first (:func:`check_receipt`). Position requisites are :func:`item_requisites`'."""
    check_receipt(receipt, ffd)
    return _encoded(receipt_values(receipt, ffd), ffd)


def needs_ffd(receipt: Receipt) -> bool:
    """Whether ``receipt`` carries requisites whose form depends on the FFD version (so the version must be known
    before it is sent), beyond name, price, quantity, VAT, method, subject and the buyer's contact."""
    buyer = receipt.buyer
    return bool(receipt.agent or receipt.industry or receipt.operational
                or (buyer is not None and (buyer.name or buyer.inn))
                or any(item.marking or item.agent or item.supplier or item.industry or item.product_code
                       or int(item.measure) for item in receipt.items))
