"""Positions as the two protocols carry them, turned into the ФН's :class:`ItemData` and the journal's form.

MS-K: a price line (price, quantity, section, goods code) with the position's TLV stream (type-40 records:
1199, 1214, 1212, 1043, 2108, 2000, 1222–1226, 1260 …). JSON: AddGoods fields. Either way the requisites
the ФН forms from the position's fields are taken out and the rest go to ``ItemData.extra`` as given.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from kkt_drivers.ffd.errors import FfdError
from kkt_drivers.ffd.tlv import Tlv, decode_tlv, encode_tlv

from ...core.fiscal import ItemData
from .machine import Refusal, Why, kopecks, round_half_up

#: requisites the register forms from the position's own fields, and the marking code with its planned status
#: (2000, 2003), which go to the ФН's check, not into the position
_OWN = {1030, 1079, 1023, 1043, 1199, 1214, 1212, 2000, 2003}


def split_tlv(data: bytes) -> list[tuple[int, bytes]]:
    """A TLV stream as (tag, value bytes), checked to decode (a bad stream is refused)."""
    try:
        decode_tlv(data)
    except FfdError as exc:
        raise Refusal(Why.BAD_VALUE, f"TLV: {exc}") from None
    out, offset = [], 0
    while offset < len(data):
        tag = int.from_bytes(data[offset:offset + 2], "little")
        size = int.from_bytes(data[offset + 2:offset + 4], "little")
        out.append((tag, data[offset + 4:offset + 4 + size]))
        offset += 4 + size
    return out


def _int(tag: int, raw: bytes) -> int:
    value = decode_tlv(tag.to_bytes(2, "little") + len(raw).to_bytes(2, "little") + raw)[0].value
    if isinstance(value, bool) or not isinstance(value, int):
        raise Refusal(Why.BAD_VALUE, f"реквизит {tag}")
    return value


@dataclass(frozen=True)
class Position:
    item: ItemData
    goods: dict[str, Any]
    #: (marking code, planned status) of a marked good, for the ФН's check
    marking: tuple[str, int] | None = None


def msk_position(name: str, price: Decimal, quantity: Decimal | None, section: int | None, goods_code: str,
                 tlv: bytes) -> Position:
    """A 0x53 price line and its TLV records."""
    price_k = kopecks(price, "цена")
    qty = Decimal(1) if quantity is None else quantity
    milli = qty * 1000
    if milli != milli.to_integral_value() or milli <= 0:
        raise Refusal(Why.BAD_VALUE, f"количество {qty}")
    fields = split_tlv(tlv)
    own = {tag: raw for tag, raw in fields if tag in _OWN}
    extra = tuple((tag, raw) for tag, raw in fields if tag not in _OWN)
    vat = _int(1199, own[1199]) if 1199 in own else 6  # без НДС unless told [inferred default]
    method = _int(1214, own[1214]) if 1214 in own else 4
    subject = _int(1212, own[1212]) if 1212 in own else 1
    amount = _int(1043, own[1043]) if 1043 in own else round_half_up(Decimal(price_k) * qty)
    marking_code = own[2000].decode("cp866", "replace") if 2000 in own else None
    planned = own[2003][0] if own.get(2003) else 1
    item = ItemData(name=name.strip(), price=price_k, quantity_milli=int(milli), amount=amount, vat=vat,
                    payment_method=method, payment_subject=subject, extra=extra, marking_code=marking_code)
    measure = next((raw[0] for tag, raw in fields if tag == 2108 and raw), 0)
    goods: dict[str, Any] = {"productName": item.name, "qty": int(qty * 10000), "measureUnit": measure,
                             "section": section or 1, "taxCode": vat, "price": price_k, "typeCode": subject,
                             "paymentFormCode": method, "sum": amount}
    if goods_code.isdigit() and int(goods_code):
        goods["code"] = int(goods_code)
    return Position(item, goods, (marking_code, planned) if marking_code else None)


def _enc(tag: int, value: Any, ffd: str) -> tuple[int, bytes]:
    try:
        return tag, encode_tlv(tag, value, ffd)[4:]
    except FfdError as exc:
        raise Refusal(Why.BAD_VALUE, f"реквизит {tag}: {exc}") from None


def _text(raw: Mapping[str, Any], key: str) -> str | None:
    value = raw.get(key)
    return value if isinstance(value, str) and value else None


def _phones(raw: Mapping[str, Any], key: str) -> list[str]:
    value = raw.get(key)
    return [v for v in value if isinstance(v, str)] if isinstance(value, list) else []


def json_position(params: Mapping[str, Any], ffd: str) -> Position:
    """AddGoods fields (already type-checked for the basics by the caller)."""
    name = params["productName"]
    price_k = params["price"]
    qty10k = params["qty"]
    if qty10k % 10:
        raise Refusal(Why.BAD_VALUE, f"количество {Decimal(qty10k) / 10000}: не более трёх знаков")
    qty = Decimal(qty10k) / 10000
    vat, method, subject = params.get("taxCode", 6), params.get("paymentFormCode", 4), params.get("productTypeCode", 1)
    amount = params.get("sum")
    amount = round_half_up(Decimal(price_k) * qty) if amount is None else amount
    extra: list[tuple[int, bytes]] = []
    measure = params.get("measureUnit", 0)
    if ffd == "1.2":
        extra.append(_enc(2108, measure, ffd))
    code = _text(params, "nomenclatureCode")
    if code is not None:
        if ffd != "1.05":
            raise Refusal(Why.BAD_VALUE, "nomenclatureCode (1162) — только ФФД 1.05")
        try:
            extra.append(_enc(1162, bytes.fromhex(code), ffd))
        except ValueError:
            raise Refusal(Why.BAD_VALUE, "nomenclatureCode: не шестнадцатеричные цифры") from None
    agent = params.get("agent")
    if isinstance(agent, Mapping):
        if isinstance(agent.get("code"), int):
            extra.append(_enc(1222, 1 << agent["code"], ffd))
        data = [Tlv(1044, v) for v in [_text(agent, "payingOp")] if v]
        data += [Tlv(1073, p) for p in _phones(agent, "payingPhone")]
        data += [Tlv(1074, p) for p in _phones(agent, "operatorPhone")]
        data += [Tlv(1075, p) for p in _phones(agent, "transfPhone")]
        for tag, key in ((1026, "transfName"), (1005, "transfAddress")):
            if _text(agent, key):
                data.append(Tlv(tag, agent[key]))
        if _text(agent, "transfINN"):
            data.append(Tlv(1016, agent["transfINN"].ljust(12)))
        if data:
            extra.append(_enc(1223, data, ffd))
        supplier = [Tlv(1171, p) for p in _phones(agent, "supplierPhone")]
        if _text(agent, "supplierName"):
            supplier.append(Tlv(1225, agent["supplierName"]))
        if supplier:
            extra.append(_enc(1224, supplier, ffd))
        if _text(agent, "supplierINN"):
            extra.append(_enc(1226, agent["supplierINN"].ljust(12), ffd))
    industry = params.get("industryAttribute")
    if isinstance(industry, list):
        for entry in industry:
            if not isinstance(entry, Mapping):
                raise Refusal(Why.BAD_VALUE, "industryAttribute")
            date = str(entry.get("causeDocDate", ""))
            if len(date) == 10 and date[4] == "-":
                date = f"{date[8:10]}.{date[5:7]}.{date[:4]}"
            extra.append(_enc(1260, [Tlv(1262, str(entry.get("idFoiv", ""))), Tlv(1263, date),
                                     Tlv(1264, str(entry.get("causeDocNum", ""))),
                                     Tlv(1265, str(entry.get("value", "")))], ffd))
    marking = _text(params, "markingCode")
    info = params.get("mcInfo")
    planned = 1
    if isinstance(info, Mapping):
        marking = marking or _text(info, "mc")
        planned = info.get("plannedStatus", 1) if isinstance(info.get("plannedStatus"), int) else 1
        part = info.get("part")
        if isinstance(part, Mapping) and isinstance(part.get("numerator"), int) \
                and isinstance(part.get("denominator"), int):
            extra.append(_enc(1291, [Tlv(1293, part["numerator"]), Tlv(1294, part["denominator"])], ffd))
    if marking is not None and ffd != "1.2":
        raise Refusal(Why.BAD_VALUE, "коды маркировки — только ФФД 1.2")
    item = ItemData(name=name, price=price_k, quantity_milli=int(qty * 1000), amount=amount, vat=vat,
                    payment_method=method, payment_subject=subject, extra=tuple(extra), marking_code=marking)
    goods: dict[str, Any] = {"productName": name, "qty": qty10k, "measureUnit": measure,
                             "section": params.get("section") or 1, "taxCode": vat, "price": price_k,
                             "typeCode": subject, "paymentFormCode": method, "sum": amount}
    if marking:
        goods["mcInfo"] = {"mc": marking, "plannedStatus": planned}
    return Position(item, goods, (marking, planned) if marking else None)
