"""Shared builders for the virtual ФН tests (not a test module)."""

from __future__ import annotations

from datetime import date

from kkt_emu.core.fiscal import (
    CorrectionData,
    DocumentResult,
    FiscalCore,
    ItemData,
    ReceiptData,
    Registration,
    make_rnm,
)

from kkt_drivers.ffd import FiscalDocument, decode_document, missing_mandatory, missing_mandatory_in_items

INN = "7702203276"
SERIAL = "00000000000000012345"
FFD_CODES = {"1.05": 2, "1.2": 4}


def registration(ffd: str = "1.05", **changes: object) -> Registration:
    base: dict[str, object] = {
        "user_name": 'ООО "Ромашка"',
        "inn": INN,
        "rnm": make_rnm(INN, SERIAL, 5),
        "kkt_serial": SERIAL,
        "address": "г. Москва, ул. Тверская, д. 1",
        "place": "Магазин №1",
        "taxation": 0b000011,  # ОСН + УСН доход
        "ofd_inn": "7704358518",
        "ofd_name": 'ООО "Такском"',
        "ffd_version": FFD_CODES[ffd],
    }
    base.update(changes)
    return Registration(**base)  # type: ignore[arg-type]


def item(amount: int = 10000, *, vat: int = 1, **changes: object) -> ItemData:
    base: dict[str, object] = {"name": "Товар", "price": amount, "quantity_milli": 1000, "amount": amount, "vat": vat}
    base.update(changes)
    return ItemData(**base)  # type: ignore[arg-type]


def receipt(operation: int = 1, amounts: tuple[int, ...] = (10000,), *, taxation: int = 1, by_card: bool = False,
            **changes: object) -> ReceiptData:
    total = sum(amounts)
    base: dict[str, object] = {
        "operation": operation,
        "items": tuple(item(a) for a in amounts),
        "cash": 0 if by_card else total,
        "electronic": total if by_card else 0,
        "prepaid": 0,
        "credit": 0,
        "other": 0,
        "total": total,
        "taxation": taxation,
        "cashier": "Иванов И.И.",
    }
    base.update(changes)
    return ReceiptData(**base)  # type: ignore[arg-type]


def correction(operation: int = 1, total: int = 5000, **changes: object) -> CorrectionData:
    base: dict[str, object] = {
        "operation": operation,
        "correction_type": 0,
        "basis_date": date(2024, 3, 1),
        "basis_number": "",
        "description": "не пробит чек",
        "cash": total,
        "electronic": 0,
        "prepaid": 0,
        "credit": 0,
        "other": 0,
        "total": total,
        "taxation": 1,
        "cashier": "Иванов И.И.",
        "vat_20": total * 20 // 120,
        "items": (item(total),),
    }
    base.update(changes)
    return CorrectionData(**base)  # type: ignore[arg-type]


def registered(fn: FiscalCore, ffd: str = "1.05", *, shift: bool = True, **changes: object) -> FiscalCore:
    fn.register(registration(ffd, **changes), "Иванов И.И.")
    if shift:
        fn.open_shift("Иванов И.И.")
    return fn


def decoded(result: DocumentResult, ffd: str) -> FiscalDocument:
    """Decode a produced document and assert it has every mandatory requisite of its FFD version."""
    doc = decode_document(result.tlv)
    assert int(doc.document_type) == result.document_type
    assert missing_mandatory(doc, ffd_version=ffd) == set(), (result.document_type, missing_mandatory(doc))
    assert all(not gap for gap in missing_mandatory_in_items(doc, ffd_version=ffd))
    assert doc.get(1040) == result.number
    assert doc.get(1012) == result.datetime
    return doc
