"""kkt_drivers.ffd.vat: VAT in a sum and the receipt-level VAT requisites by FFD version and document date;
the FNS JSON names that depend on the FFD version. Sources: protocol-notes/ffd/vat-2026.md."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from kkt_drivers.ffd import DocumentType, Field, FiscalDocument, Tlv, VatRate, to_fns_json
from kkt_drivers.ffd.vat import rate_in_force, receipt_vat_requisites, uses_container, vat_in

DAY_2026 = datetime(2026, 12, 2, 10, 0)


def test_new_codes_and_labels() -> None:
    assert (int(VatRate.VAT_22), int(VatRate.VAT_22_122)) == (11, 12)
    assert (VatRate.VAT_22.label, VatRate.VAT_22_122.label, VatRate.VAT_20.label) == ("22%", "22/122", "20%")


@pytest.mark.parametrize(("amount", "rate", "vat"), [
    (80730, 11, 14558),  # the real FNS receipt of 2026: 807.30 at 22 % → 145.58
    (12200, 12, 2200),
    (12000, 1, 2000),  # code 1 is still 20 %
    (11000, 2, 1000),
    (10500, 7, 500),
    (10000, 5, 0),
    (10000, 6, 0),
    (1, 11, 0),  # 0.18 kopeck rounds down
    (3, 11, 1),  # 0.54 rounds up
])
def test_vat_in(amount: int, rate: int, vat: int) -> None:
    assert vat_in(amount, rate) == vat


def test_22_percent_exists_from_2026_and_20_percent_stays() -> None:
    assert not rate_in_force(11, date(2025, 12, 31)) and rate_in_force(11, date(2026, 1, 1))
    assert not rate_in_force(12, datetime(2025, 12, 31, 23, 59))
    assert rate_in_force(1, DAY_2026) and rate_in_force(3, DAY_2026)


def test_flat_tags_then_the_container() -> None:
    tlvs = receipt_vat_requisites({11: 14558, 1: 2000, 12: 2200, 6: 500}, "1.2", DAY_2026)
    assert [t.tag for t in tlvs] == [1102, 1105, 1115]
    entries = [{c.tag: c.value for c in entry.children} for entry in tlvs[2].children]
    assert [e[1199] for e in entries] == [11, 12] and [e[1120] for e in entries] == [14558, 2200]


def test_container_alone_brings_1104_zero() -> None:
    tlvs = receipt_vat_requisites({11: 100}, "1.2", DAY_2026)
    assert [(t.tag, t.value) for t in tlvs[:1]] == [(1104, 0)] and tlvs[1].tag == 1115


def test_container_by_document_date() -> None:
    assert not uses_container("1.2", date(2025, 8, 31)) and uses_container("1.2", date(2025, 9, 1))
    assert receipt_vat_requisites({7: 500}, "1.2", date(2025, 8, 31)) == []
    assert receipt_vat_requisites({7: 500, 2: 100}, "1.05", date(2025, 8, 31)) == [Tlv(1103, 100)]
    assert [t.tag for t in receipt_vat_requisites({7: 500}, "1.05", date(2025, 9, 1))] == [1104, 1115]


def test_fns_json_names_follow_the_document_version() -> None:
    def doc(version: int) -> FiscalDocument:
        tlvs = [Tlv(1106, 100), Tlv(1157, (Tlv(1134, 2), Tlv(1129, (Tlv(1135, 2),)))), Tlv(1209, version)]
        return FiscalDocument(DocumentType.CURRENT_STATE, tuple(Field.from_tlv(t) for t in tlvs))

    old = to_fns_json(doc(2))["currentStateReport"]
    new = to_fns_json(doc(4))["currentStateReport"]
    assert old["ndsCalculated18"] == 100 and new["nds18118"] == 100
    assert old["fiscalDriveSumReports"] == {"receiptCount": 2, "sellOper": {"receiptCount": 2}}
    assert new["fiscalDriveSumReports"] == {"totalReceiptBsoCount": 2, "sellOper": {"receiptBsoCount": 2}}
