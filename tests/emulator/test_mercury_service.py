"""The emulated driver service as third-party programs use it: their own request objects (the golden vectors
of tests/vectors/incotex_json.json) over HTTP, sessions, another session's receipt, the goods base with its
progress and whole-or-nothing refusal, the sales journal, and the FFD 2026 requisites through both
protocols."""

from __future__ import annotations

import http.client
import json
from collections.abc import Iterator
from dataclasses import replace
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from kkt_emu.attach.http import HttpAttachment
from kkt_emu.personalities import create_device
from samples import REGISTRATION, make_receipt

from kkt_drivers import DeviceError, Kkt
from kkt_drivers.drivers.mercury import JsonBackend, MercuryDriver
from kkt_drivers.ffd import decode_document
from kkt_drivers.protocols.incotex.json_goods import GoodsRecord
from kkt_drivers.types import (
    AgentInfo,
    AgentType,
    Buyer,
    Item,
    MarkingCode,
    OperationalRequisite,
    Payment,
    PaymentSubject,
    PaymentType,
    Receipt,
    Supplier,
    TaxationSystem,
    VatRate,
)

VECTORS = {v["name"]: v for v in json.loads((Path(__file__).resolve().parents[1] / "vectors" / "incotex_json.json")
                                            .read_text(encoding="utf-8"))["vectors"]}


class Client:
    """A third-party program: POSTs the JSON objects it builds itself."""

    def __init__(self, attachment: HttpAttachment) -> None:
        self.conn = http.client.HTTPConnection(attachment.host, attachment.port, timeout=10)

    def post(self, obj: dict[str, Any]) -> dict[str, Any]:
        self.conn.request("POST", "/api.json", body=json.dumps(obj, ensure_ascii=False).encode("utf-8"),
                          headers={"Content-Type": "application/json; charset=utf-8"})
        answer: dict[str, Any] = json.loads(self.conn.getresponse().read())
        return answer

    def vector(self, name: str, key: str, **override: Any) -> dict[str, Any]:
        obj = dict(VECTORS[name]["json"])
        if "sessionKey" in obj and obj["sessionKey"] is not None:
            obj["sessionKey"] = key
        return self.post({**obj, **override})


@pytest.fixture
def service() -> Iterator[HttpAttachment]:
    device = create_device("mercury")
    attachment = HttpAttachment(device, "json").start()
    try:
        yield attachment
    finally:
        attachment.stop()
        device.close()


def test_a_third_party_program_drives_a_receipt_with_its_own_requests(service: HttpAttachment) -> None:
    with Kkt.open(f"mercury+http://{service.host}:{service.port}") as kkt:
        kkt.register(REGISTRATION)  # taxation systems ОСН and УСН доход, as the vector's OpenCheck needs
    client = Client(service)
    opened = client.vector("s17-open-session-com3", "")
    assert opened["result"] == 0 and opened["sessionKey"]
    key = opened["sessionKey"]
    assert client.vector("s16-open-shift", key)["result"] == 0
    assert client.vector("s16-open-check", key)["result"] == 0
    added = client.vector("s16-add-goods", key)  # 2 × 45.50 «Хлеб»
    assert added["result"] == 0 and added["goodsNum"] == 1
    closed = client.vector("s16-close-check", key, payment={"cash": 9100})
    assert closed["result"] == 0 and closed["fiscalDocNum"] == 3 and closed["fiscalSign"].isdigit()
    status = client.vector("s2-GetStatus", key)
    assert status["fnInfo"]["lastDoc"]["num"] == 3 and status["shiftInfo"]["cash"] == 9100
    assert client.vector("s3-report-status-of-settlements", key)["fiscalDocNum"] == 4
    assert client.vector("s2-CloseSession", key)["result"] == 0
    assert client.vector("s2-GetStatus", key)["result"] != 0  # the key is gone
    assert client.vector("s2-get-driver-info", "")["driverBaseVer"]


def test_malformed_unknown_and_sessionless_requests_get_result_codes(service: HttpAttachment) -> None:
    client = Client(service)
    assert client.post({"command": "NoSuchCommand"})["result"] == 2
    assert client.post({"command": "GetStatus", "sessionKey": "nope"})["result"] == 3
    key = client.post({"command": "OpenSession", "sessionKey": None, "portName": "USB", "model": "185F"})["sessionKey"]
    refused = client.post({"command": "OpenCheck", "sessionKey": key, "checkType": 9, "cashierInfo": {}})
    assert refused["result"] == 4 and "checkType" in refused["description"]
    assert client.post({"command": "OpenSession", "sessionKey": None, "portName": "USB",
                        "model": "999F"})["result"] == 4


def test_a_receipt_belongs_to_its_session(service: HttpAttachment) -> None:
    with Kkt.open(f"mercury+http://{service.host}:{service.port}") as kkt:
        kkt.register(REGISTRATION)
        kkt.open_shift()
    client = Client(service)
    cashier = {"cashierName": "Иванова"}
    open_session = {"command": "OpenSession", "sessionKey": None, "portName": "USB", "model": "185F"}
    first, second = (client.post(open_session)["sessionKey"] for _ in range(2))
    assert client.post({"command": "OpenCheck", "sessionKey": first, "checkType": 0, "taxSystem": 0,
                        "cashierInfo": cashier})["result"] == 0
    assert client.post({"command": "CloseShift", "sessionKey": second, "cashierInfo": cashier})["result"] == 18
    assert client.post({"command": "ResetCheck", "sessionKey": second})["result"] == 18
    assert client.post({"command": "CloseSession", "sessionKey": first})["result"] == 0  # its receipt is anyone's
    assert client.post({"command": "ResetCheck", "sessionKey": second})["result"] == 0


@pytest.fixture
def json_kkt() -> Iterator[Kkt]:
    with Kkt.open("emu://mercury?protocol=json") as kkt:
        yield kkt


def service_of(kkt: Kkt) -> JsonBackend:
    assert isinstance(kkt.driver, MercuryDriver) and isinstance(kkt.driver.backend, JsonBackend)
    return kkt.driver.backend


def test_goods_base_written_with_progress_and_read_back(json_kkt: Kkt) -> None:
    control = json_kkt.driver.emulator
    assert control is not None
    control.personality.control("goods_rate", {"rate": 2000})  # 400 records take 0.2 s
    records = [GoodsRecord(code=n, name=f"Товар {n}", price=Decimal(n) / 4) for n in range(1, 401)]
    seen: list[int] = []
    upload = service_of(json_kkt).write_goods_base(records, lambda percent, command: seen.append(percent))
    assert upload.records == 400 and seen[-1] == 100 and len(seen) > 2 and seen == sorted(seen)
    read = service_of(json_kkt).read_goods_base()
    assert [(r.code, r.price) for r in read] == [(r.code, r.price) for r in records]


def test_a_bad_goods_record_refuses_the_whole_base_naming_it(json_kkt: Kkt) -> None:
    service = service_of(json_kkt)
    service.write_goods_base([GoodsRecord(code=1, name="Хлеб", price=Decimal(45))])
    bad = [GoodsRecord(code=1, name="Хлеб", price=Decimal(50)), GoodsRecord(code=2, name="Молоко", price=Decimal(80)),
           GoodsRecord(code=2, name="Кефир", price=Decimal(70))]
    with pytest.raises(DeviceError) as caught:
        service.write_goods_base(bad)
    assert caught.value.code == 21 and "запись 3 (код 2)" in caught.value.message_ru
    assert [(r.code, r.price) for r in service.read_goods_base()] == [(1, Decimal(45))]  # nothing half-loaded


def test_the_sales_journal_has_the_shift_and_its_receipts(json_kkt: Kkt) -> None:
    json_kkt.register(REGISTRATION)
    json_kkt.open_shift()
    sold = json_kkt.sell(make_receipt())
    closed = json_kkt.close_shift()
    journal = service_of(json_kkt).read_sales()
    [shift] = journal["shifts"]
    assert shift["num"] == 1 and shift["close"]["fiscalDocNum"] == closed.number
    [receipt] = shift["checks"]
    assert receipt["fiscalDocNum"] == sold.document.number and receipt["fiscalSign"] == str(sold.document.fiscal_sign)
    assert receipt["total"] == make_receipt().total and receipt["payment"] == {"ecash": 10000,
                                                                              "cash": make_receipt().total - 10000}
    assert journal["kktRegNum"] == REGISTRATION.rnm and journal["ownerInn"] == REGISTRATION.inn
    service_of(json_kkt).clear_sales()
    assert service_of(json_kkt).read_sales()["shifts"] == []


MARKING = "0104600439931256215Iq5Nd7Ab=t3U\x1d91EE06\x1d92YzU7NDc9ZkFlMmJzdk1tWkpoV0ZQbmlCZ0NQMVpCT0p1UHBkeHVyUT0="


@pytest.mark.parametrize("protocol", ["msk", "json"])
def test_ffd_2026_requisites_reach_the_document(protocol: str) -> None:
    """VAT 22 % and 22/122 (1199 codes 11 and 12), a marking code, agent and supplier data, a buyer INN and an
    operational requisite, through ``Kkt.sell`` and each protocol's own commands."""
    with Kkt.open(f"emu://mercury?protocol={protocol}&ffd=1.2") as kkt:
        kkt.register(replace(REGISTRATION, ffd="1.2"))
        kkt.open_shift()
        items = (Item("Молоко", 8990, Decimal(1), VatRate.VAT_22, payment_subject=PaymentSubject.MARKED_WITH_CODE,
                      marking=MarkingCode(MARKING)),
                 Item("Услуга", 10000, Decimal(1), VatRate.VAT_22_122,
                      agent=AgentInfo(AgentType.COMMISSION_AGENT, phones=("+79990000000",)),
                      supplier=Supplier("7707083893", "ООО Поставщик")))
        when = datetime(2026, 3, 2, 10, 0)
        receipt = Receipt(items=items, payments=(Payment(PaymentType.CASH, 18990),), taxation=TaxationSystem.OSN,
                          buyer=Buyer(name="ООО Покупатель", inn="7707083893"),
                          operational=OperationalRequisite(7, "заказ 12", when))
        kkt.sell(receipt)
        doc = decode_document(kkt.document(kkt.fn_status().last_document_number).tlv)
        positions = [dict((c.tag, c.value) for c in f.value) for f in doc.fields if f.info.tag == 1059]  # type: ignore[union-attr]
        assert [p[1199] for p in positions] == [11, 12]
        assert 1163 in positions[0] and 2106 in positions[0]  # the checked marking code
        assert positions[1][1222] == int(AgentType.COMMISSION_AGENT) and positions[1][1226].strip() == "7707083893"
        buyer = dict((c.tag, str(c.value).strip()) for c in doc.get(1256))  # type: ignore[union-attr]
        assert buyer == {1227: "ООО Покупатель", 1228: "7707083893"}
        operation = dict((c.tag, c.value) for c in doc.get(1270))  # type: ignore[union-attr]
        assert operation == {1271: 7, 1272: "заказ 12", 1273: when}
