"""Server-ID: an emulated Меркурий with an «ID КАССЫ» exchanges with the emulated «Сервер ККТ» — its goods
base comes filtered by its groups and re-priced at its percent, its sales go back; a bad record refuses the
base whole, naming the record; status and connection test; both protocols."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest
from kkt_emu.kkt_server import KktServer
from samples import REGISTRATION, make_receipt

from kkt_drivers import DeviceError, Kkt
from kkt_drivers.drivers.mercury import MercuryDriver
from kkt_drivers.protocols.incotex.kkt_server import ExchangeState
from kkt_drivers.types import ServerKind

GOODS = {"groups": [{"id": 1, "name": "Молочные"}, {"id": 2, "name": "Хлеб"}],
         "base": [{"code": 1, "name": "Молоко 3,2% 1 л", "price": "8990", "group": 1},
                  {"code": 2, "name": "Хлеб бородинский", "price": "4550", "group": 2},
                  {"code": 3, "name": "Кефир", "price": 7000, "group": 1, "taxCode": 2}]}


@pytest.fixture
def server() -> Iterator[KktServer]:
    server = KktServer().start()
    server.store.put_base(GOODS)
    server.store.put_device("17", {"groups": [1], "percent": 90})
    try:
        yield server
    finally:
        server.stop()


def driver(kkt: Kkt) -> MercuryDriver:
    assert isinstance(kkt.driver, MercuryDriver)
    return kkt.driver


@pytest.mark.parametrize("protocol", ["msk", "json"])
def test_the_register_gets_its_groups_at_its_percent_and_sends_its_sales(server: KktServer, protocol: str) -> None:
    with Kkt.open(f"emu://mercury?protocol={protocol}") as kkt:
        d = driver(kkt)
        assert kkt.server_settings() == {} and d.kkt_server_status().state == ExchangeState.NEVER
        kkt.register(REGISTRATION)
        kkt.open_shift()
        sold = kkt.sell(make_receipt())
        d.set_kkt_server("17", server.address)
        assert kkt.server_settings() == {"kkt_server_id": "17"}
        assert d.kkt_server_settings() == ("17", server.address)
        assert d.kkt_server_status().unsent_sales == 1
        status = d.kkt_server_exchange()
        assert status.ok and status.goods == 2 and status.unsent_sales == 0 and status.last_exchange is not None
        control = kkt.driver.emulator
        assert control is not None
        base = control.personality.control("goods", {})["base"]
        assert [(r["code"], r["price"]) for r in base] == [(1, 8091), (3, 6300)]  # group 1 only, at 90 %
        [received] = server.store.device("17")["sales"]
        assert received["fiscalDocNum"] == sold.document.number and received["total"] == make_receipt().total
        assert [g["productName"] for g in received["goods"]] == [i.name for i in make_receipt().items]
        d.kkt_server_exchange()  # nothing new: the server keeps each receipt once
        assert len(server.store.device("17")["sales"]) == 1


@pytest.mark.parametrize("protocol", ["msk", "json"])
def test_a_bad_record_refuses_the_base_whole_naming_the_record(server: KktServer, protocol: str) -> None:
    with Kkt.open(f"emu://mercury?protocol={protocol}&model=mercury-msk") as kkt:  # names up to 40 characters
        d = driver(kkt)
        d.set_kkt_server("17", server.address)
        d.kkt_server_exchange()
        control = kkt.driver.emulator
        assert control is not None
        before = control.personality.control("goods", {})
        assert before["count"] == 2
        server.store.put_base({**GOODS, "base": [*GOODS["base"],
                                                 {"code": 4, "name": "Молоко ультрапастеризованное, бутылка 0,9 л",
                                                  "price": 12000, "group": 1}]})
        with pytest.raises(DeviceError) as caught:
            d.kkt_server_exchange()
        assert "запись 3 (код 4)" in caught.value.message_ru  # the third record this register gets
        status = d.kkt_server_status()
        assert status.state == ExchangeState.GOODS_REFUSED and "запись 3 (код 4)" in status.message
        assert control.personality.control("goods", {}) == before  # nothing half-loaded


@pytest.mark.parametrize("protocol", ["msk", "json"])
def test_status_and_connection_test(server: KktServer, protocol: str) -> None:
    with Kkt.open(f"emu://mercury?protocol={protocol}") as kkt:
        d = driver(kkt)
        with pytest.raises(DeviceError):  # no ID set
            d.kkt_server_exchange()
        assert d.kkt_server_status().state == ExchangeState.NO_ID
        d.set_kkt_server("99", server.address)  # an ID the server does not know
        assert d.kkt_server_test().state == ExchangeState.REFUSED
        kkt.device.set_server(ServerKind.KKT_SERVER, "17")
        assert d.kkt_server_test().state == ExchangeState.OK
        gone = KktServer().start()
        gone.stop()  # its port is free again: nothing answers there
        d.set_kkt_server("17", gone.address)
        tested = d.kkt_server_test()
        assert tested.state == ExchangeState.NOT_ANSWERING and tested.message


def test_the_server_refuses_a_bad_goods_file_whole_over_http(server: KktServer) -> None:
    import http.client

    def put(body: Any) -> tuple[int, dict[str, Any]]:
        conn = http.client.HTTPConnection(server.host, server.port, timeout=5)
        conn.request("PUT", "/api/base", body=json.dumps(body).encode(), headers={"Content-Type": "application/json"})
        response = conn.getresponse()
        answer = json.loads(response.read())
        conn.close()
        return response.status, answer

    status, answer = put({**GOODS, "base": [*GOODS["base"], {"code": 9, "name": "Сыр", "price": -100}]})
    assert status == 422 and answer["record"] == 4 and "отрицательная цена" in answer["description"]
    assert len(server.store.base_file()["base"]) == 3  # the old base stands
    status, answer = put({**GOODS, "base": [{"code": 9, "name": "Сыр", "price": 100, "group": 7}]})
    assert status == 422 and "неизвестная группа 7" in answer["description"]
    status, answer = put({**GOODS, "base": GOODS["base"][:1]})
    assert status == 200 and answer["goods"] == 1


def test_the_server_runs_as_a_module_and_prints_one_ready_line(tmp_path: Any) -> None:
    base = tmp_path / "goods.json"
    base.write_text(json.dumps(GOODS, ensure_ascii=False), encoding="utf-8")
    proc = subprocess.Popen([sys.executable, "-m", "kkt_emu.kkt_server", "--base", str(base), "--device", "17:1:90"],
                            stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout is not None
        ready = json.loads(proc.stdout.readline())
        assert ready["event"] == "ready" and ready["kkt_server"]["host"] == "127.0.0.1"
        from kkt_emu.personalities.mercury import server_link

        base_got, _ = server_link.fetch_base(ready["address"], "17")
        assert [(r["code"], r["price"]) for r in base_got] == [(1, 8091), (3, 6300)]
    finally:
        proc.terminate()
        assert proc.wait(timeout=10) == 0


def test_percent_rounds_half_up_to_the_kopeck(server: KktServer) -> None:
    server.store.put_device("18", {"groups": None, "percent": 115})
    from kkt_emu.personalities.mercury import server_link

    base, _ = server_link.fetch_base(server.address, "18")
    assert [Decimal(r["price"]) / 100 for r in base] == [Decimal("103.39"), Decimal("52.33"), Decimal("80.50")]
