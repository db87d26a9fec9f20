"""The bad-input catalogue: every invalid input gets a typed error naming the field or the problem, before a
byte goes to the device wherever it can be known before; no command line ends in a traceback.

Each API case runs against a fresh in-process emulator and counts the bytes the driver sent; each CLI case
runs ``kkt`` or ``kkt-emu`` and checks the exit code and that no traceback was printed.
"""

from __future__ import annotations

import json
import socket
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from samples import REGISTRATION, make_receipt

from kkt_drivers import ConfigurationError, InvalidParameter, Kkt, NotSupported
from kkt_drivers.types import (
    Buyer,
    Cashier,
    CorrectionReceipt,
    CorrectionType,
    Payment,
    PaymentMethod,
    PaymentSubject,
    PaymentType,
    Receipt,
    ReceiptType,
    TaxationSystem,
    VatRate,
)
from kkt_drivers.url import resolve_device_url
from kkt_drivers.validation import InvalidReceipt

GOOD = make_receipt()
ITEM = GOOD.items[0]
CASH = Payment(PaymentType.CASH, 100_000)


def _receipt(**changes: Any) -> Receipt:
    return replace(GOOD, **changes)


def _item(**changes: Any) -> Receipt:
    item = replace(ITEM, **changes)
    return Receipt(items=(item,), payments=(Payment(PaymentType.CASH, 10**11),), taxation=TaxationSystem.OSN)


def _correction(**changes: Any) -> CorrectionReceipt:
    base = CorrectionReceipt(ReceiptType.SELL, CorrectionType.SELF, date(2026, 11, 30), "1", "сбой",
                             (Payment(PaymentType.CASH, 10_000),), ((VatRate.VAT_20, 1_667),), TaxationSystem.OSN)
    return replace(base, **changes)


@dataclass(frozen=True)
class Case:
    name: str
    action: Callable[[Kkt], Any]
    error: type[Exception]
    field: str  # the field the error names (or a part of its message)
    before_any_byte: bool = True


API: list[Case] = [
    # receipts: positions
    Case("no positions", lambda k: k.sell(_receipt(items=())), InvalidReceipt, "items"),
    Case("101 positions", lambda k: k.sell(_receipt(items=(ITEM,) * 101)), InvalidReceipt, "items"),
    Case("a position that is no Item", lambda k: k.sell(_receipt(items=("хлеб",))), InvalidReceipt, "items[0]"),
    Case("empty name", lambda k: k.sell(_item(name=" ")), InvalidReceipt, "items[0].name"),
    Case("name of 129 characters", lambda k: k.sell(_item(name="х" * 129)), InvalidReceipt, "items[0].name"),
    Case("emoji in a name", lambda k: k.sell(_item(name="Торт 🎂")), InvalidReceipt, "items[0].name"),
    Case("name not text", lambda k: k.sell(_item(name=42)), InvalidReceipt, "items[0].name"),
    Case("price as a float", lambda k: k.sell(_item(price=1.5)), InvalidReceipt, "items[0].price"),
    Case("price as a Decimal", lambda k: k.sell(_item(price=Decimal("45.50"))), InvalidReceipt, "items[0].price"),
    Case("negative price", lambda k: k.sell(_item(price=-1)), InvalidReceipt, "items[0].price"),
    Case("price beyond 5-byte BCD", lambda k: k.sell(_item(price=10**10)), InvalidReceipt, "items[0].price"),
    Case("price as a bool", lambda k: k.sell(_item(price=True)), InvalidReceipt, "items[0].price"),
    Case("zero quantity", lambda k: k.sell(_item(quantity=Decimal(0))), InvalidReceipt, "items[0].quantity"),
    Case("negative quantity", lambda k: k.sell(_item(quantity=Decimal(-1))), InvalidReceipt, "items[0].quantity"),
    Case("NaN quantity", lambda k: k.sell(_item(quantity=Decimal("NaN"))), InvalidReceipt, "items[0].quantity"),
    Case("infinite quantity", lambda k: k.sell(_item(quantity=Decimal("Infinity"))), InvalidReceipt,
         "items[0].quantity"),
    Case("quantity as text", lambda k: k.sell(_item(quantity="abc")), InvalidReceipt, "items[0].quantity"),
    Case("quantity as a float", lambda k: k.sell(_item(quantity=0.5)), InvalidReceipt, "items[0].quantity"),
    Case("four decimals of quantity", lambda k: k.sell(_item(quantity=Decimal("1.0001"))), InvalidReceipt,
         "items[0].quantity"),
    Case("quantity beyond the field", lambda k: k.sell(_item(quantity=Decimal(10**8))), InvalidReceipt,
         "items[0].quantity"),
    Case("VAT None", lambda k: k.sell(_item(vat=None)), InvalidReceipt, "items[0].vat"),
    Case("VAT as a bare int", lambda k: k.sell(_item(vat=1)), InvalidReceipt, "items[0].vat"),
    Case("payment method as text", lambda k: k.sell(_item(payment_method="full")), InvalidReceipt,
         "items[0].payment_method"),
    Case("payment subject as int", lambda k: k.sell(_item(payment_subject=1)), InvalidReceipt,
         "items[0].payment_subject"),
    Case("negative position discount", lambda k: k.sell(_item(discount=-5)), InvalidReceipt, "items[0].discount"),
    Case("discount over the cost", lambda k: k.sell(_item(discount=10**7)), InvalidReceipt, "items[0].discount"),
    Case("discount as a float", lambda k: k.sell(_item(discount=0.5)), InvalidReceipt, "items[0].discount"),
    # receipts: payments, totals, taxation, buyer
    Case("no payments", lambda k: k.sell(_receipt(payments=())), InvalidReceipt, "payments"),
    Case("a payment that is no Payment", lambda k: k.sell(_receipt(payments=(100,))), InvalidReceipt, "payments[0]"),
    Case("zero payment", lambda k: k.sell(_receipt(payments=(Payment(PaymentType.CASH, 0),))), InvalidReceipt,
         "payments[0].amount"),
    Case("negative payment", lambda k: k.sell(_receipt(payments=(Payment(PaymentType.CASH, -1),))), InvalidReceipt,
         "payments[0].amount"),
    Case("payment as a float", lambda k: k.sell(_receipt(payments=(Payment(PaymentType.CASH, 1.5),))),
         InvalidReceipt, "payments[0].amount"),
    Case("payment of 10¹³", lambda k: k.sell(_receipt(payments=(Payment(PaymentType.CASH, 10**13),))),
         InvalidReceipt, "payments[0].amount"),
    Case("payment type as text", lambda k: k.sell(_receipt(payments=(Payment("cash", 10**6),))), InvalidReceipt,
         "payments[0].type"),
    Case("payments short of the total", lambda k: k.sell(_receipt(payments=(Payment(PaymentType.CASH, 1),))),
         InvalidReceipt, "payments"),
    Case("non-cash over the total", lambda k: k.sell(_receipt(payments=(Payment(PaymentType.ELECTRONIC, 10**6),))),
         InvalidReceipt, "payments"),
    Case("total over the device's sums", lambda k: k.sell(Receipt(
        items=(replace(ITEM, price=9_000_000_000, quantity=Decimal(2)),), payments=(CASH,))), InvalidReceipt, "items"),
    Case("two taxation systems on a receipt", lambda k: k.sell(_receipt(
        taxation=TaxationSystem.OSN | TaxationSystem.USN_INCOME)), InvalidReceipt, "taxation"),
    Case("taxation as text", lambda k: k.sell(_receipt(taxation="osn")), InvalidReceipt, "taxation"),
    Case("buyer with phone and e-mail", lambda k: k.sell(_receipt(buyer=Buyer("+79123456789", "a@b.ru"))),
         InvalidReceipt, "buyer"),
    Case("bad e-mail", lambda k: k.sell(_receipt(buyer=Buyer(email="not-an-address"))), InvalidReceipt,
         "buyer.email"),
    Case("e-mail of 65 characters", lambda k: k.sell(_receipt(buyer=Buyer(email="a" * 57 + "@mail.ru"))),
         InvalidReceipt, "buyer.email"),
    Case("bad phone", lambda k: k.sell(_receipt(buyer=Buyer(phone="12-34"))), InvalidReceipt, "buyer.phone"),
    Case("buyer INN with bad check digits", lambda k: k.sell(_receipt(buyer=Buyer(name="ООО", inn="7701234567"))),
         InvalidReceipt, "buyer.inn"),
    Case("empty buyer", lambda k: k.sell(_receipt(buyer=Buyer())), InvalidReceipt, "buyer"),
    Case("negative receipt discount", lambda k: k.sell(_receipt(discount=-1)), InvalidReceipt, "discount"),
    Case("receipt discount over the total", lambda k: k.sell(_receipt(discount=10**7)), InvalidReceipt, "discount"),
    Case("receipt that is no Receipt", lambda k: k.sell({"items": []}), InvalidReceipt, "receipt"),
    Case("refund with a bad price", lambda k: k.refund(_item(price=-3)), InvalidReceipt, "items[0].price"),
    Case("buy with NaN quantity", lambda k: k.buy(_item(quantity=Decimal("NaN"))), InvalidReceipt,
         "items[0].quantity"),
    # corrections
    Case("1.05 correction of a return", lambda k: _with_ffd(k, "1.05").correction(_correction(
        type=ReceiptType.SELL_RETURN)), InvalidReceipt, "type"),
    Case("positions in a 1.05 correction", lambda k: _with_ffd(k, "1.05").correction(_correction(items=(ITEM,))),
         InvalidReceipt, "items"),
    Case("1.2 correction without positions", lambda k: _with_ffd(k, "1.2").correction(_correction()),
         InvalidReceipt, "items"),
    Case("empty basis number", lambda k: k.correction(_correction(basis_number=" ")), InvalidReceipt,
         "basis_number"),
    Case("basis number of 33 characters", lambda k: k.correction(_correction(basis_number="1" * 33)),
         InvalidReceipt, "basis_number"),
    Case("description of 257 characters", lambda k: k.correction(_correction(description="х" * 257)),
         InvalidReceipt, "description"),
    Case("basis dated 2100", lambda k: k.correction(_correction(basis_date=date(2100, 1, 1))), InvalidReceipt,
         "basis_date"),
    Case("basis dated 1999", lambda k: k.correction(_correction(basis_date=date(1999, 12, 31))), InvalidReceipt,
         "basis_date"),
    Case("basis date as text", lambda k: k.correction(_correction(basis_date="2026-01-01")), InvalidReceipt,
         "basis_date"),
    Case("VAT sum over the total", lambda k: k.correction(_correction(vat_amounts=((VatRate.VAT_20, 20_000),))),
         InvalidReceipt, "vat_amounts"),
    Case("VAT rate as int", lambda k: k.correction(_correction(vat_amounts=((1, 100),))), InvalidReceipt,
         "vat_amounts[0].vat"),
    Case("negative VAT sum", lambda k: k.correction(_correction(vat_amounts=((VatRate.VAT_20, -1),))),
         InvalidReceipt, "vat_amounts[0].amount"),
    Case("correction type as text", lambda k: k.correction(_correction(correction_type="self")), InvalidReceipt,
         "correction_type"),
    Case("correction without amounts", lambda k: k.correction(_correction(payments=())), InvalidReceipt,
         "payments"),
    # registration
    Case("empty user name", lambda k: k.register(replace(REGISTRATION, user_name="")), InvalidReceipt, "user_name"),
    Case("user name of 257", lambda k: k.register(replace(REGISTRATION, user_name="О" * 257)), InvalidReceipt,
         "user_name"),
    Case("user name out of the code page", lambda k: k.register(replace(REGISTRATION, user_name="Café ✓")),
         InvalidReceipt, "user_name"),
    Case("INN abc", lambda k: k.register(replace(REGISTRATION, inn="abc")), InvalidReceipt, "inn"),
    Case("INN of 11 digits", lambda k: k.register(replace(REGISTRATION, inn="77012345601")), InvalidReceipt, "inn"),
    Case("INN with bad check digits", lambda k: k.register(replace(REGISTRATION, inn="7701234567")), InvalidReceipt,
         "inn"),
    Case("INN of zeros", lambda k: k.register(replace(REGISTRATION, inn="0000000000")), InvalidReceipt, "inn"),
    Case("RNM of 15 digits", lambda k: k.register(replace(REGISTRATION, rnm="000000000103553")), InvalidReceipt,
         "rnm"),
    Case("RNM with a bad checksum", lambda k: k.register(replace(REGISTRATION, rnm="0000000001035530")),
         InvalidReceipt, "rnm", before_any_byte=False),  # needs the KKT serial number: a status query first
    Case("empty address", lambda k: k.register(replace(REGISTRATION, address="")), InvalidReceipt, "address"),
    Case("empty place", lambda k: k.register(replace(REGISTRATION, place=" ")), InvalidReceipt, "place"),
    Case("no taxation system", lambda k: k.register(replace(REGISTRATION, taxation=TaxationSystem(0))),
         InvalidReceipt, "taxation"),
    Case("taxation as int", lambda k: k.register(replace(REGISTRATION, taxation=1)), InvalidReceipt, "taxation"),
    Case("OFD INN with bad check digits", lambda k: k.register(replace(REGISTRATION, ofd_inn="7704358519")),
         InvalidReceipt, "ofd_inn"),
    Case("OFD INN of 12 digits", lambda k: k.register(replace(REGISTRATION, ofd_inn="500100732259")),
         InvalidReceipt, "ofd_inn"),
    Case("bad sender e-mail", lambda k: k.register(replace(REGISTRATION, sender_email="shop@")), InvalidReceipt,
         "sender_email"),
    Case("FFD 2.0", lambda k: k.register(replace(REGISTRATION, ffd="2.0")), InvalidReceipt, "ffd"),
    Case("FFD as the number 1.05", lambda k: k.register(replace(REGISTRATION, ffd=1.05)), InvalidReceipt, "ffd"),
    Case("autonomous as text", lambda k: k.register(replace(REGISTRATION, autonomous="yes")), InvalidReceipt,
         "autonomous"),
    Case("OFD host of 500 characters in a registration is fine but as a server it is not",
         lambda k: k.set_ofd_server("o" * 500, 7777), InvalidReceipt, "address"),
    Case("new ФН number of 15 digits", lambda k: k.replace_fn("999907890001234", REGISTRATION), InvalidReceipt,
         "new_fn_number"),
    Case("new ФН number with letters", lambda k: k.replace_fn("99990789000123AB", REGISTRATION), InvalidReceipt,
         "new_fn_number"),
    Case("reregistration reason 0", lambda k: k.reregister(REGISTRATION, 0), InvalidReceipt, "reasons"),
    Case("reregistration reason as text", lambda k: k.reregister(REGISTRATION, "3"), InvalidReceipt, "reasons"),
    # cashier
    Case("empty cashier", lambda k: _cashier(k, Cashier("")).open_shift(), InvalidReceipt, "cashier.name"),
    Case("cashier of 65 characters", lambda k: _cashier(k, Cashier("К" * 65)).open_shift(), InvalidReceipt,
         "cashier.name"),
    Case("cashier out of the code page", lambda k: _cashier(k, Cashier("Ivanov 😀")).sell(GOOD), InvalidReceipt,
         "cashier.name"),
    Case("cashier INN abc", lambda k: _cashier(k, Cashier("Иванов", "abc")).sell(GOOD), InvalidReceipt,
         "cashier.inn"),
    Case("cashier INN of 10 digits", lambda k: _cashier(k, Cashier("Иванов", "7701234560")).sell(GOOD),
         InvalidReceipt, "cashier.inn"),
    Case("cashier password -1", lambda k: _cashier(k, Cashier("Иванов", None, -1)).close_shift(), InvalidReceipt,
         "cashier.password"),
    # cash
    Case("cash in 1.5", lambda k: k.cash_in(1.5), InvalidReceipt, "amount"),
    Case("cash in 0", lambda k: k.cash_in(0), InvalidReceipt, "amount"),
    Case("cash in -100", lambda k: k.cash_in(-100), InvalidReceipt, "amount"),
    Case("cash in a Decimal", lambda k: k.cash_in(Decimal(100)), InvalidReceipt, "amount"),
    Case("cash in True", lambda k: k.cash_in(True), InvalidReceipt, "amount"),
    Case("cash in beyond the field", lambda k: k.cash_in(10**10), InvalidReceipt, "amount"),
    Case("cash out 0.01 as a float", lambda k: k.cash_out(0.01), InvalidReceipt, "amount"),
    Case("cash out -1", lambda k: k.cash_out(-1), InvalidReceipt, "amount"),
    # servers
    Case("OFD host empty", lambda k: k.set_ofd_server("", 7777), InvalidReceipt, "address"),
    Case("OFD host with spaces", lambda k: k.set_ofd_server("ofd example", 7777), InvalidReceipt, "address"),
    Case("OFD host in Cyrillic", lambda k: k.set_ofd_server("офд.рф", 7777), InvalidReceipt, "address"),
    Case("OFD port 0", lambda k: k.set_ofd_server("ofd.ru", 0), InvalidReceipt, "port"),
    Case("OFD port 70000", lambda k: k.set_ofd_server("ofd.ru", 70000), InvalidReceipt, "port"),
    Case("OFD port as text", lambda k: k.set_ofd_server("ofd.ru", "7777"), InvalidReceipt, "port"),
    Case("cloud server of 65 characters", lambda k: k.set_cloud_server("c" * 65), InvalidReceipt, "address"),
    # documents, clock, operations
    Case("document 0", lambda k: k.document(0), InvalidReceipt, "number"),
    Case("document -1", lambda k: k.document(-1), InvalidReceipt, "number"),
    Case("document as text", lambda k: k.document("3"), InvalidReceipt, "number"),
    Case("clock set to 2100", lambda k: k.driver.set_datetime(datetime(2100, 1, 1)), InvalidParameter, "2100"),
    Case("clock set to 1999", lambda k: k.driver.set_datetime(datetime(1999, 12, 31)), InvalidParameter, "1999"),
    Case("an operation the family lacks", lambda k: k.device.set_server(
        __import__("kkt_drivers.types", fromlist=["ServerKind"]).ServerKind.KKT_SERVER, "1"), NotSupported,
        "kkt_server"),
]


def _with_ffd(kkt: Kkt, ffd: str) -> Kkt:
    kkt.ffd = ffd
    return kkt


def _cashier(kkt: Kkt, cashier: Cashier) -> Kkt:
    kkt.cashier = cashier
    return kkt


@pytest.mark.parametrize("case", API, ids=[c.name for c in API])
def test_api_case(case: Case) -> None:
    with Kkt.open("emu://atol?transport=v3") as kkt:
        sent: list[bytes] = []
        kkt.device.session.hooks.append(lambda direction, data: sent.append(data) if direction == "tx" else None)
        with pytest.raises(case.error) as caught:
            case.action(kkt)
        assert case.field in (getattr(caught.value, "field", "") or "") + str(caught.value), str(caught.value)
        if case.before_any_byte:
            assert sent == [], f"{len(sent)} writes before the refusal"
        assert (caught.value.message_ru and caught.value.message_ru != str(caught.value)) or \
            case.error is NotSupported  # a Russian text of its own


URLS = [
    ("nosuch:///dev/ttyUSB0", "unknown device family"),
    ("atol+pigeon://x", "unknown connection"),
    ("atol:///dev/ttyUSB0?transport=v5", "transport"),
    ("atol:///dev/ttyUSB0?password=12345", "password"),
    ("atol+tcp://10.0.0.5:5555?baudrate=9600", "baudrate"),
    ("atol:///dev/ttyUSB0?model=atol-55f", "model"),
    ("atol:///dev/ttyUSB0?colour=red", "colour"),
    ("atol+tcp://", "no address"),
    ("/dev/ttyUSB0", "not a device URL"),
    ("emu://", "name the emulated family"),
    ("emu://shtrihprint", "kkt-emu has no shtrihprint device"),
    ("emu+tcp://nosuch", "the emulator has no family .nosuch.; known: atol, cas, caslp, massak, mercury, shtrih$"),
    ("atol:///dev/ttyUSB0?a=1&&", "bad query"),
]


@pytest.mark.parametrize(("url", "message"), URLS, ids=[u for u, _ in URLS])
def test_url_case(url: str, message: str) -> None:
    with pytest.raises(ConfigurationError, match=message):
        resolve_device_url(url)


@pytest.mark.parametrize(("url", "message"), [("emu://atol?tz=%2B15:00", "tz"), ("emu://atol?ffd=2.0", "ffd"),
                                              ("atol+usb://zz:01", "VID:PID")])
def test_url_case_on_connect(url: str, message: str) -> None:
    from kkt_drivers import connect

    with pytest.raises(ConfigurationError, match=message):
        connect(url)


def _kkt(*args: str, stdin: str | None = None, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    import os

    return subprocess.run([sys.executable, "-m", "kkt_drivers.cli", *args], capture_output=True, text=True,
                          input=stdin, timeout=60, env={**os.environ, **(env or {})})


def _write(tmp_path: Path, name: str, data: bytes | str) -> str:
    path = tmp_path / name
    path.write_bytes(data if isinstance(data, bytes) else data.encode())
    return str(path)


GOOD_ITEM = {"name": "Хлеб", "price": "10.00"}
GOOD_PAY = [{"type": "cash", "amount": "10.00"}]
REG = json.loads(Path(__file__).resolve().parents[2].joinpath("examples", "registration.json").read_text())

CLI = [
    ("receipt in cp1251", ["sell", "{f}"], "Хлеб".encode("cp1251").join([b'{"items": [{"name": "', b'"}]}']), 2,
     "UTF-8"),
    ("NaN quantity", ["sell", "{f}"], '{"items":[{"name":"x","price":"1","quantity":NaN}],"payments":[]}', 2, "NaN"),
    ("Infinity price", ["sell", "{f}"], '{"items":[{"name":"x","price":Infinity}],"payments":[]}', 2, "Infinity"),
    ("registration that is a list", ["register", "{f}", "--yes"], "[1, 2]", 2, "registration"),
    ("registration that is a number", ["register", "{f}", "--yes"], "42", 2, "registration"),
    ("ffd as a number", ["register", "{f}", "--yes"], json.dumps({**REG, "ffd": 1.05}), 2, "ffd"),
    ("ffd 2.0", ["register", "{f}", "--yes"], json.dumps({**REG, "ffd": "2.0"}), 2, "ffd"),
    ("unknown receipt field", ["sell", "{f}"], json.dumps({"items": [GOOD_ITEM], "payments": GOOD_PAY,
                                                          "colour": 1}), 2, "unknown field"),
    ("price with three decimals", ["sell", "{f}"], json.dumps({"items": [{"name": "x", "price": "1.005"}],
                                                              "payments": GOOD_PAY}), 2, "price"),
    ("negative price", ["sell", "{f}"], json.dumps({"items": [{"name": "x", "price": "-1"}], "payments": GOOD_PAY}),
     2, "price"),
    ("unknown VAT name", ["sell", "{f}"], json.dumps({"items": [{**GOOD_ITEM, "vat": "vat_99"}],
                                                     "payments": GOOD_PAY}), 2, "vat"),
    ("not JSON", ["sell", "{f}"], "{items: [}", 2, "not valid JSON"),
    ("empty file", ["sell", "{f}"], "", 2, "not valid JSON"),
    ("correction with a bad date", ["correction", "{f}"], json.dumps({"basis": {"date": "02.03.2026",
                                                                                "number": "1"},
                                                                      "payments": GOOD_PAY}), 2, "date"),
    ("cash-in 0", ["cash-in", "0"], None, 2, "amount"),
    ("cash-in negative", ["cash-in", "--", "-5"], None, 2, "amount"),
    ("cash-in abc", ["cash-in", "abc"], None, 2, "amount"),
    ("cash-in 1.005", ["cash-in", "1.005"], None, 2, "amount"),
    ("missing file", ["sell", "/no/such/receipt.json"], None, 2, "no such file"),
    ("a directory as the file", ["sell", "/tmp"], None, 2, "directory"),
    ("document 0", ["document", "0"], None, 2, "number"),
    ("close-fn on a real register without --yes", ["--device", "atol:///dev/ttyUSB9", "close-fn"], None, 2, "--yes"),
    ("unknown command", ["sing"], None, 2, "invalid choice"),
    ("bad device URL", ["--device", "atol+tcp://h?colour=red", "status"], None, 2, "colour"),
    ("a file that is no port", ["--device", "atol:///dev/null?transport=v2", "status"], None, 4, "cannot open"),
]


@pytest.mark.parametrize(("name", "args", "data", "code", "message"), CLI, ids=[c[0] for c in CLI])
def test_cli_case(tmp_path: Path, name: str, args: list[str], data: bytes | str | None, code: int,
                  message: str) -> None:
    path = _write(tmp_path, "input.json", data) if data is not None else ""
    result = _kkt(*[a.replace("{f}", path) for a in args])
    assert result.returncode == code, result.stdout + result.stderr
    assert "Traceback" not in result.stderr + result.stdout
    assert message.lower() in (result.stderr + result.stdout).lower()


def test_cli_errors_are_json_with_json_and_russian_with_the_locale(tmp_path: Path) -> None:
    path = _write(tmp_path, "r.json", json.dumps({"items": [{"name": "x", "price": "-1"}], "payments": GOOD_PAY}))
    result = _kkt("--json", "sell", path)
    error = json.loads(result.stdout)["error"]
    assert result.returncode == 2 and error["exit_code"] == 2 and error["type"] == "InvalidReceipt"
    assert error["field"].startswith("items[0].price") and error["message_ru"]
    russian = _kkt("cash-in", "0", env={"LANG": "ru_RU.UTF-8"})
    assert "должна быть больше 0" in russian.stderr


def test_a_bom_is_fine(tmp_path: Path) -> None:
    path = _write(tmp_path, "bom.json", b"\xef\xbb\xbf" + json.dumps({"items": [GOOD_ITEM], "payments": GOOD_PAY,
                                                                      "taxation": "osn"}).encode())
    result = _kkt("--device", "emu://atol", "sell", path)
    assert "UTF-8" not in result.stderr and "Traceback" not in result.stderr


def test_broken_pipe_is_quiet() -> None:
    proc = subprocess.Popen(f"{sys.executable} -m kkt_drivers.cli --device emu://atol document 1 | head -c 1",
                            shell=True, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    _, err = proc.communicate(timeout=60)
    assert "Traceback" not in err and "BrokenPipe" not in err


def _emu(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "kkt_emu.cli", *args], capture_output=True, text=True, timeout=60)


def test_emu_cli_cases(tmp_path: Path) -> None:
    file_state = _write(tmp_path, "state-file", "x")
    cases = [
        (["serve", "--tcp", "--state", file_state], "is a file"),
        (["serve", "--tcp", "--state", "/proc/kkt-state"], "--state"),
        (["serve", "--tcp", "--tape", str(tmp_path / "no" / "dir" / "tape.txt")], "--tape"),
        (["serve", "--tcp", "--transport", "v9"], "no transport"),
        (["serve", "--tcp", "--timezone", "Moscow"], "UTC offset"),
        (["serve"], "give --pty, --tcp"),
        (["control", "127.0.0.1:1", "status"], "cannot reach"),
        (["control", "127.0.0.1:9", "advance-clock", "soon"], "bad arguments"),
        (["kkt-server", "--port", "x"], "invalid int value"),
        (["kkt-server", "--base", str(tmp_path / "no-such-goods.json")], "no-such-goods.json"),
        (["kkt-server", "--device", "seventeen"], "the ID is digits"),
    ]
    for args, message in cases:
        result = _emu(*args)
        assert result.returncode == 2 and message in result.stderr, (args, result.stderr)
        assert "Traceback" not in result.stderr


def test_emu_kkt_server_has_its_own_help() -> None:
    result = _emu("kkt-server", "--help")
    assert result.returncode == 0 and "--base" in result.stdout and "--device" in result.stdout


def test_emu_control_against_a_port_that_is_no_emulator() -> None:
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen()
        import threading

        def answer_garbage() -> None:
            conn, _ = server.accept()
            conn.sendall(b"HTTP/1.0 400 Bad Request\r\n\r\n")
            conn.close()

        threading.Thread(target=answer_garbage, daemon=True).start()
        result = _emu("control", f"127.0.0.1:{server.getsockname()[1]}", "status")
    assert result.returncode == 2 and "not a kkt-emu control port" in result.stderr


def test_two_emulators_on_one_state(tmp_path: Path) -> None:
    first = subprocess.Popen([sys.executable, "-m", "kkt_emu.cli", "serve", "--tcp", "--state", str(tmp_path / "d")],
                             stdout=subprocess.PIPE, text=True)
    try:
        assert first.stdout is not None and json.loads(first.stdout.readline())["event"] == "ready"
        second = _emu("serve", "--tcp", "--state", str(tmp_path / "d"))
        assert second.returncode == 2 and "another kkt-emu" in second.stderr and "Traceback" not in second.stderr
    finally:
        first.terminate()
        first.wait(10)


@pytest.mark.skipif(sys.platform == "win32", reason="needs a pty")
def test_a_port_that_is_no_register_fails_within_seconds_with_a_hint() -> None:
    import os
    import time

    master, slave = os.openpty()  # a terminal nobody answers on
    try:
        start = time.monotonic()
        result = _kkt("--device", f"atol://{os.ttyname(slave)}?transport=v3", "status")
        took = time.monotonic() - start
    finally:
        os.close(master)
        os.close(slave)
    assert result.returncode == 4 and "nothing at" in result.stderr and "transport" in result.stderr
    assert took < 20 and "may have been executed" not in result.stderr


@pytest.mark.skipif(sys.platform == "win32", reason="needs a pty")
def test_a_wrong_transport_says_which_one_answers() -> None:
    proc = subprocess.Popen([sys.executable, "-m", "kkt_emu.cli", "serve", "--pty", "--transport", "v2"],
                            stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout is not None
        pty = json.loads(proc.stdout.readline())["pty"]
        result = _kkt("--device", f"atol://{pty}?transport=v3", "status")
    finally:
        proc.terminate()
        proc.wait(10)
    assert result.returncode == 4 and f"atol://{pty}?transport=v2" in result.stderr, result.stderr


def test_the_catalogue_is_at_least_110_cases() -> None:
    assert len(API) + len(URLS) + 3 + len(CLI) + 8 + 3 >= 110


# the few API cases that need a registered device, run in one place
def test_taxation_not_registered_and_basis_after_the_device_date() -> None:
    with Kkt.open("emu://atol?transport=v3") as kkt:
        kkt.register(replace(REGISTRATION, taxation=TaxationSystem.OSN))
        kkt.open_shift()
        with pytest.raises(InvalidReceipt, match="taxation"):
            kkt.sell(_receipt(taxation=TaxationSystem.PSN))
        tomorrow = kkt.status().datetime.date().replace(year=kkt.status().datetime.year + 1)
        with pytest.raises(InvalidReceipt, match="basis_date"):
            kkt.correction(_correction(basis_date=tomorrow))
        with pytest.raises(InvalidReceipt, match=r"items\[0\]\.payment_method"):
            kkt.sell(_item(payment_method=PaymentMethod.FULL_PAYMENT.value))
        assert PaymentSubject.GOODS  # the enums themselves are accepted
