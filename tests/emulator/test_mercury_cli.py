"""The Mercury ``kkt`` commands (kkt_drivers.drivers.mercury.cli_commands): server ID, exchange, goods upload
with progress on standard error, the sales journal, and the «Сервер ККТ» upload — wired into a parser the
way ``kkt`` wires its own commands."""

from __future__ import annotations

import argparse
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from kkt_emu.kkt_server import KktServer
from samples import REGISTRATION, make_receipt

from kkt_drivers import Kkt
from kkt_drivers.drivers.mercury import cli_commands as cc
from kkt_drivers.errors import ConfigurationError, InvalidParameter


def parser() -> argparse.ArgumentParser:
    """What ``kkt`` does with its COMMANDS table, for the Mercury commands."""
    top = argparse.ArgumentParser(prog="kkt")
    sub = top.add_subparsers(dest="command", required=True)
    for name, (text, _, add) in cc.DEVICE_COMMANDS.items():
        cmd = sub.add_parser(name, help=text)
        if add is not None:
            add(cmd)
    for name, (text, _, add_server) in cc.SERVER_COMMANDS.items():
        add_server(sub.add_parser(name, help=text))
    return top


def run(kkt: Kkt, *argv: str) -> tuple[Any, str]:
    args = parser().parse_args(argv)
    if args.command in cc.SERVER_COMMANDS:
        return cc.SERVER_COMMANDS[args.command][1](args)
    return cc.DEVICE_COMMANDS[args.command][1](kkt, args)


@pytest.fixture
def server() -> Iterator[KktServer]:
    server = KktServer().start()
    try:
        yield server
    finally:
        server.stop()


def test_goods_upload_shows_progress_and_reads_back(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    goods = {"base": [{"code": n, "name": f"Товар {n}", "price": 100 * n} for n in range(1, 301)]}
    path = tmp_path / "goods.json"
    path.write_text(json.dumps(goods, ensure_ascii=False), encoding="utf-8")
    with Kkt.open("emu://mercury?protocol=json") as kkt:
        control = kkt.driver.emulator
        assert control is not None
        control.personality.control("goods_rate", {"rate": 1500})  # 300 records: 0.2 s
        result, text = run(kkt, "goods-upload", str(path))
        assert result["records"] == 300 and "300 records" in text
        err = capsys.readouterr().err
        assert "WriteGoodsBase: 100%" in err and err.count("%") >= 3
        result, _ = run(kkt, "goods-download", "--quiet", "--out", str(tmp_path / "back.json"))
        assert json.loads((tmp_path / "back.json").read_text(encoding="utf-8"))["base"][299]["price"] == 30000


def test_a_bad_goods_file_is_refused_before_anything_is_sent(tmp_path: Path) -> None:
    path = tmp_path / "bad.json"
    path.write_text(json.dumps({"base": [{"code": 1, "name": "Хлеб", "price": 10},
                                         {"code": 2, "name": "Сыр", "price": -5}]}), encoding="utf-8")
    with Kkt.open("emu://mercury?protocol=json") as kkt:
        sent: list[bytes] = []
        kkt.driver.session.hooks.append(lambda d, b: sent.append(b) if d == "tx" else None)
        with pytest.raises(ValueError, match="record 2"):
            run(kkt, "goods-upload", str(path))
        assert sent == []


def test_goods_commands_need_the_driver_service() -> None:
    with Kkt.open("emu://mercury?protocol=msk") as kkt, pytest.raises(ConfigurationError, match="protocol=json"):
        run(kkt, "sales")


@pytest.mark.parametrize("protocol", ["msk", "json"])
def test_server_id_exchange_and_the_journal_from_the_command_line(server: KktServer, tmp_path: Path,
                                                                  protocol: str,
                                                                  capsys: pytest.CaptureFixture[str]) -> None:
    goods = tmp_path / "goods.json"
    goods.write_text(json.dumps({"groups": [{"id": 1, "name": "Всё"}],
                                 "base": [{"code": 1, "name": "Хлеб", "price": "4550", "group": 1}]}),
                     encoding="utf-8")
    result, text = run(None, "server-upload", "--server", server.address, str(goods))  # type: ignore[arg-type]
    assert result["goods"] == 1 and "took 1" in text and "upload: 100%" in capsys.readouterr().err
    result, text = run(None, "server-device", "--server", server.address, "17", "--groups", "1",  # type: ignore[arg-type]
                       "--percent", "80")
    assert result["groups"] == [1] and result["percent"] == 80
    with Kkt.open(f"emu://mercury?protocol={protocol}") as kkt:
        kkt.register(REGISTRATION)
        kkt.open_shift()
        kkt.sell(make_receipt())
        result, text = run(kkt, "server-id", "17", "--address", server.address)
        assert result == {"id": "17", "address": server.address}
        result, text = run(kkt, "server-test")
        assert result["state"] == 1 and "exchange done" in text
        result, text = run(kkt, "server-exchange")
        assert result["goods"] == 1 and result["unsent_sales"] == 0
        assert run(kkt, "server-status")[0]["state"] == 1
        if protocol == "json":
            journal, text = run(kkt, "sales", "--quiet", "--clear")
            assert "1 receipts (cleared)" in text and journal["shifts"][0]["checks"][0]["total"] == make_receipt().total
    assert len(server.store.device("17")["sales"]) == 1


def test_the_server_refuses_a_file_the_command_already_names(tmp_path: Path, server: KktServer) -> None:
    goods = tmp_path / "goods.json"
    goods.write_text(json.dumps({"base": [{"code": 1, "name": "Хлеб", "price": 1, "group": 4}]}), encoding="utf-8")
    with pytest.raises(InvalidParameter) as caught:
        run(None, "server-upload", "--server", server.address, "--quiet", str(goods))  # type: ignore[arg-type]
    assert "запись 1" in caught.value.message_ru and "группа 4" in caught.value.message_ru


@pytest.mark.parametrize("transport", ["msk", "json"])
def test_kkt_drives_a_whole_shift_on_kkt_emu_serve(transport: str, tmp_path: Path) -> None:
    """``kkt-emu serve --family mercury --transport msk|json --tcp`` and the ``kkt`` commands, as a user runs them."""
    import subprocess
    import sys
    from dataclasses import asdict

    registration = {**asdict(REGISTRATION), "taxation": ["osn", "usn_income"]}
    reg_file = tmp_path / "registration.json"
    reg_file.write_text(json.dumps(registration, ensure_ascii=False), encoding="utf-8")
    receipt = Path(__file__).resolve().parents[2] / "examples" / "receipt.json"
    serve = subprocess.Popen([sys.executable, "-m", "kkt_emu.cli", "serve", "--family", "mercury", "--transport",
                              transport, "--tcp"], stdout=subprocess.PIPE, text=True)
    try:
        assert serve.stdout is not None
        url = json.loads(serve.stdout.readline())["urls"][0]

        def kkt(*argv: str) -> str:
            done = subprocess.run([sys.executable, "-m", "kkt_drivers.cli", "--device", url, *argv],
                                  capture_output=True, text=True, timeout=60)
            assert done.returncode == 0, done.stderr
            return done.stdout

        assert "document 1" in kkt("register", str(reg_file), "--yes")
        assert "document 2" in kkt("open-shift")
        assert "document 3" in kkt("sell", str(receipt))
        assert "document 4" in kkt("z-report")
        assert "last document 4, shift closed" in kkt("fn-status")
    finally:
        serve.terminate()
        assert serve.wait(timeout=10) == 0
