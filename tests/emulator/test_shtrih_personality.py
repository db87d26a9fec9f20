"""The emulated Shtrih-M register through our driver: modes, passwords, error codes, tables, requisites in the
documents, the 22 % VAT, corrections, registration through table 18, lost answers.

Each test starts a fresh in-process emulator (``emu://shtrih``); a few use two connections to one named device.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from dataclasses import replace
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import pytest
from samples import REGISTRATION, make_receipt

from kkt_drivers import DeviceError
from kkt_drivers.drivers.shtrih import ShtrihDriver, ShtrihMode
from kkt_drivers.ffd import decode_document
from kkt_drivers.ffd.tlv import decode_tlv
from kkt_drivers.kkt import Kkt
from kkt_drivers.protocols.shtrih import commands as c
from kkt_drivers.requisites import receipt_requisites
from kkt_drivers.types import (
    AgentInfo,
    AgentType,
    Buyer,
    Cashier,
    CorrectionReceipt,
    CorrectionType,
    Item,
    Payment,
    PaymentType,
    QuantityMeasure,
    Receipt,
    ReceiptType,
    Supplier,
    TaxationSystem,
    VatRate,
)

pytestmark = pytest.mark.family("shtrih")
_names = itertools.count()


@pytest.fixture
def kkt() -> Iterator[Kkt]:
    with Kkt.open("emu://shtrih") as opened:
        yield opened


@pytest.fixture
def ready(kkt: Kkt) -> Kkt:
    kkt.register(REGISTRATION)
    kkt.open_shift()
    return kkt


def driver(kkt: Kkt) -> ShtrihDriver:
    assert isinstance(kkt.driver, ShtrihDriver)
    return kkt.driver


def refused(code: int, call: Any, *args: Any, **kwargs: Any) -> DeviceError:
    with pytest.raises(DeviceError) as caught:
        call(*args, **kwargs)
    assert caught.value.code == code, caught.value
    assert caught.value.family == "shtrih" and caught.value.message_ru
    return caught.value


def fields_of(kkt: Kkt, number: int) -> dict[int, Any]:
    return {f.info.tag: f.value for f in decode_document(kkt.document(number).tlv).fields}


def items_of(kkt: Kkt, number: int) -> list[dict[int, Any]]:
    doc = decode_document(kkt.document(number).tlv)
    return [{child.info.tag: child.value for child in f.value} for f in doc.fields if f.info.tag == 1059]  # type: ignore[union-attr]


# -- modes ------------------------------------------------------------------------------------------

def test_the_mode_follows_the_shift_and_the_receipt(kkt: Kkt) -> None:
    d = driver(kkt)
    assert d.short_status().mode is ShtrihMode.SHIFT_CLOSED
    kkt.register(REGISTRATION)
    kkt.open_shift()
    assert d.short_status().mode is ShtrihMode.SHIFT_OPEN
    d.begin_receipt(ReceiptType.SELL_RETURN, correction=False, taxation=TaxationSystem.OSN, cashier=Cashier())
    status = d.short_status()
    assert status.mode is ShtrihMode.DOCUMENT_OPEN and status.mode_status == 2  # a sale return is open
    d.add_position(make_receipt().items[0])
    assert d.short_status().operations == 1 and kkt.status().receipt_open
    d.cancel_receipt()
    assert d.short_status().mode is ShtrihMode.SHIFT_OPEN
    kkt.driver.emulator.advance_clock(24 * 3600 + 60)  # type: ignore[union-attr]
    assert d.short_status().mode is ShtrihMode.SHIFT_EXPIRED and kkt.shift_state().expired
    refused(0x4E, kkt.sell, make_receipt())  # «Смена превысила 24 часа»
    kkt.close_shift()
    assert d.short_status().mode is ShtrihMode.SHIFT_CLOSED


def test_a_date_waits_for_its_confirmation_in_mode_6(kkt: Kkt) -> None:
    d = driver(kkt)
    day = {"day": 15, "month": 3, "year": 26}
    d.execute(c.SET_DATE, {"date": day})
    assert d.short_status().mode is ShtrihMode.DATE_CONFIRMATION
    refused(0x7C, d.execute, c.CONFIRM_DATE, {"date": {**day, "day": 16}})  # «Не совпадает дата»
    assert d.short_status().mode is ShtrihMode.SHIFT_CLOSED
    d.set_datetime(datetime(2026, 3, 15, 10, 30, 0))
    assert abs((d.read_datetime() - datetime(2026, 3, 15, 10, 30, 0)).total_seconds()) < 3


# -- passwords --------------------------------------------------------------------------------------

def test_cashiers_1_to_28_administrator_29_system_administrator_30(ready: Kkt) -> None:
    d = driver(ready)
    for row in (1, 14, 28, 29, 30):
        assert d.execute(c.SHORT_STATUS, password=row).operator == row  # the answer names the operator
    refused(0x4F, d.execute, c.SHORT_STATUS, password=31)  # «Неверный пароль»
    refused(0x4F, d.execute, c.X_REPORT, password=1)  # a cashier may not print the daily report
    d.execute(c.X_REPORT, password=29)  # the administrator may
    refused(0x4F, d.execute, c.READ_TABLE, {"table": 2, "row": 1, "field": 1}, password=29)  # tables: row 30 only
    assert d.read_table_int(2, 1, 1) == 1


def test_a_cashier_password_changed_in_table_2_is_the_one_that_works(kkt: Kkt) -> None:
    d = driver(kkt)
    d.write_table(2, 5, 1, 5555, size=4)
    refused(0x4F, d.execute, c.SHORT_STATUS, password=5)
    assert d.execute(c.SHORT_STATUS, password=5555).operator == 5
    d.write_table(2, 5, 2, "Петрова А.А.")
    kkt.register(REGISTRATION)
    d.open_shift(Cashier("Петрова А.А.", password=5555))
    assert fields_of(kkt, 2)[1021] == "Петрова А.А."
    refused(0x3C, d.write_table, 2, 5, 1, 5, size=4)  # passwords change only in a closed shift [inferred]


def test_the_tax_inspector_has_a_password_of_his_own(ready: Kkt) -> None:
    d = driver(ready)
    answer = d.execute(c.DATE_RANGE, password=0)
    assert (answer.first_shift, answer.last_shift) == (1, 1)
    refused(0x4F, d.execute, c.DATE_RANGE, password=30)
    with pytest.raises(Exception, match="password"):  # no default to send: refused before a byte goes out
        d.execute(c.DATE_RANGE)


def test_another_operators_receipt_is_refused_but_the_administrator_may_cancel_it(ready: Kkt) -> None:
    d = driver(ready)
    d.open_receipt(0, password=1)
    item = {"operation": 1, "quantity": 1_000_000, "price": 100, "amount": None, "tax_rate": 0x08,
            "payment_method": 4, "payment_object": 1, "name": "Хлеб"}
    refused(0x59, d.operation_v2, **item, password=2)  # «Документ открыт другим оператором»
    d.operation_v2(**item, password=1)
    d.cancel_receipt_command(30)
    assert not ready.status().receipt_open


def test_an_open_receipt_belongs_to_its_connection() -> None:
    url = f"emu://shtrih?name=owner-{next(_names)}"
    with Kkt.open(url) as first, Kkt.open(url) as second:
        first.register(REGISTRATION)
        first.open_shift()
        driver(first).begin_receipt(ReceiptType.SELL, correction=False, taxation=TaxationSystem.OSN,
                                    cashier=Cashier())
        refused(0x4A, driver(second).open_receipt, 0, password=1)  # «Открыт чек – операция невозможна»
        assert second.status().receipt_open  # reading is allowed
        driver(first).cancel_receipt()
        assert second.sell(make_receipt()).document.number == 3


# -- error codes ------------------------------------------------------------------------------------

def test_refusals_use_shtrih_codes(kkt: Kkt) -> None:
    d = driver(kkt)
    assert d.raw(bytes.fromhex("7E 1E 00 00 00")) == bytes.fromhex("7E 37")  # unknown: «Команда не поддерживается»
    assert d.raw(bytes.fromhex("10 1E 00")) == bytes.fromhex("10 33")  # short: «Некорректные параметры»
    refused(0x3D, d.open_receipt, 0, password=1)  # «Смена не открыта»
    kkt.register(REGISTRATION)
    kkt.open_shift()
    refused(0x3C, d.open_shift_command, 1)  # «Смена открыта»
    refused(0x55, d.cancel_receipt_command, 1)  # «Чек закрыт»
    d.open_receipt(0, password=1)
    refused(0x4A, d.open_receipt, 0, password=1)  # «Открыт чек»
    refused(0x8E, d.close_receipt_v2, [100] + [0] * 15, password=1)  # no position: «Нулевой итог чека»
    d.cancel_receipt()
    refused(0x46, kkt.cash_out, 100)  # «Не хватает наличности в кассе»
    assert d.error_text(0x46) == "Не хватает наличности в кассе"


def test_payments_are_checked_at_the_close(ready: Kkt) -> None:
    d = driver(ready)
    d.begin_receipt(ReceiptType.SELL, correction=False, taxation=TaxationSystem.OSN, cashier=Cashier())
    d.add_position(Item("Хлеб", 5000))
    refused(0x45, d.close_receipt_v2, [4000] + [0] * 15, password=1)  # «Сумма оплат меньше итога чека»
    refused(0x4D, d.close_receipt_v2, [0, 6000] + [0] * 14, password=1)  # «Безналичная сумма больше суммы чека»
    answer = d.close_receipt_v2([10000] + [0] * 15, password=1)
    assert answer.change == 5000 and answer.document_number == 3
    tlv = ready.document(3).tlv  # FF45h's fiscal sign is bytes 2..5 of 1077, as captured (fr_drv_ng #141)
    sign = next(t.value for t in decode_tlv(tlv)[0].children if t.tag == 1077)
    assert isinstance(sign, bytes) and int.from_bytes(sign[2:6], "big") == answer.fiscal_sign


def test_paper_out_stops_printing_until_paper_is_back(ready: Kkt) -> None:
    d = driver(ready)
    control = ready.driver.emulator
    assert control is not None
    control.personality.control("paper", {"present": False})  # type: ignore[attr-defined]
    assert d.short_status().submode == 1 and not d.short_status().paper_present
    refused(0x6B, ready.x_report)  # «Нет чековой ленты»
    refused(0x6B, ready.sell, make_receipt())
    control.personality.control("paper", {"present": True})  # type: ignore[attr-defined]
    assert ready.sell(make_receipt()).document.number == 3


# -- requisites and VAT -----------------------------------------------------------------------------

def test_agent_supplier_and_measure_reach_the_position_in_ffd_1_2() -> None:
    registration = replace(REGISTRATION, ffd="1.2")
    agent = Item("Билет", 20000, Decimal(1), VatRate.NO_VAT, measure=QuantityMeasure.PIECE,
                 agent=AgentInfo(AgentType.COMMISSION_AGENT, phones=("+79161234567",)),
                 supplier=Supplier("7727563778", "ООО Поставщик", ("+74951234567",)))
    weighed = Item("Сыр", 80000, Decimal("0.250"), VatRate.VAT_10, measure=QuantityMeasure.KILOGRAM)
    with Kkt.open("emu://shtrih?ffd=1.2") as kkt:
        kkt.register(registration)
        kkt.open_shift()
        receipt = Receipt(items=(agent, weighed), payments=(Payment(PaymentType.CASH, 40000),),
                          taxation=TaxationSystem.OSN)
        result = kkt.sell(receipt)
        ticket, cheese = items_of(kkt, result.document.number)
        assert ticket[1222] == int(AgentType.COMMISSION_AGENT) and ticket[1226].strip() == "7727563778"
        assert {c.info.tag for c in ticket[1224]} == {1225, 1171}
        assert {c.info.tag for c in ticket[1223]} == {1073}
        assert cheese[2108] == int(QuantityMeasure.KILOGRAM) and cheese[1023] == Decimal("0.250")


def test_buyer_inn_and_name_travel_as_receipt_requisites(ready: Kkt) -> None:
    d = driver(ready)
    receipt = replace(make_receipt(), buyer=Buyer(email="buyer@example.com", name="ООО Покупатель",
                                                  inn="7707083893"))
    d.begin_receipt(ReceiptType.SELL, correction=False, taxation=TaxationSystem.OSN, cashier=Cashier("Иванов"))
    for item in receipt.items:
        d.add_position(item)
    for tag, value in receipt_requisites(receipt, "1.05"):
        d.add_requisite(tag, value)
    d.close_receipt(Payment(PaymentType.CASH, receipt.total))
    fields = fields_of(ready, 3)
    assert (fields[1008], fields[1227], fields[1228].strip(), fields[1021]) == (
        "buyer@example.com", "ООО Покупатель", "7707083893", "Иванов")


def test_vat_22_and_22_122_are_tax_numbers_11_and_12(ready: Kkt) -> None:
    items = (Item("Кофе", 10000, Decimal(1), VatRate(11)), Item("Чай", 12200, Decimal(1), VatRate(12)))
    result = ready.sell(Receipt(items=items, payments=(Payment(PaymentType.CASH, 22200),),
                                taxation=TaxationSystem.OSN))
    assert [i[1199] for i in items_of(ready, result.document.number)] == [11, 12]
    d = driver(ready)
    assert d.read_table_text(6, 11, 2) == "НДС 22%" and d.read_table_int(6, 11, 1) == 2200


def test_the_20_to_22_switch_of_table_17_field_71(kkt: Kkt) -> None:
    """Mode 1 (a real register's factory setting): rate 1 becomes 22 % from 2026-01-01 by the register's clock;
    mode 2 (the emulator's default): the rate as given."""
    d = driver(kkt)
    d.set_datetime(datetime(2026, 2, 2, 12, 0, 0))
    kkt.register(REGISTRATION)
    kkt.open_shift()
    before = kkt.sell(make_receipt(VatRate.VAT_20))
    d.write_table(17, 1, 71, 1, size=1)
    after = kkt.sell(make_receipt(VatRate.VAT_20_120))
    assert {i[1199] for i in items_of(kkt, before.document.number)} == {1}
    assert {i[1199] for i in items_of(kkt, after.document.number)} == {12}


# -- corrections ------------------------------------------------------------------------------------

def test_ffd_1_05_correction_carries_its_vat_sums_in_ff45(ready: Kkt) -> None:
    correction = CorrectionReceipt(ReceiptType.SELL, CorrectionType.BY_ORDER, date(2026, 1, 20), "ПР-7",
                                   "Предписание", (Payment(PaymentType.CASH, 12000),),
                                   vat_amounts=((VatRate.VAT_20, 2000), (VatRate.VAT_10_110, 100)),
                                   taxation=TaxationSystem.OSN)
    result = ready.correction(correction)
    fields = fields_of(ready, result.document.number)
    assert result.document.document_type == 31
    assert (fields[1173], fields[1031], fields[1020], fields[1102], fields[1107]) == (1, 12000, 12000, 2000, 100)
    assert {c.info.tag: c.value for c in fields[1174]}[1179] == "ПР-7"


def test_ffd_1_2_correction_has_its_positions() -> None:
    with Kkt.open("emu://shtrih?ffd=1.2") as kkt:
        kkt.register(replace(REGISTRATION, ffd="1.2"))
        kkt.open_shift()
        kkt.cash_in(100_000)
        correction = CorrectionReceipt(ReceiptType.SELL_RETURN, CorrectionType.SELF, date(2026, 1, 20), "1", "",
                                       (Payment(PaymentType.CASH, 9100),), taxation=TaxationSystem.OSN,
                                       items=(Item("Хлеб", 4550, Decimal(2), VatRate.VAT_10),))
        result = kkt.correction(correction)
        fields = fields_of(kkt, result.document.number)
        assert (fields[1054], fields[1020]) == (2, 9100) and len(items_of(kkt, result.document.number)) == 1


# -- registration, tables, settings ----------------------------------------------------------------

def test_registration_goes_through_table_18_and_a_long_address_over_two_fields(kkt: Kkt) -> None:
    address = ("г. Москва, ул. Тверская, д. 1, стр. 2, " * 6)[:200]
    kkt.register(replace(REGISTRATION, address=address))
    d = driver(kkt)
    assert d.read_table_text(18, 1, 7) == REGISTRATION.user_name
    assert d.read_table_text(18, 1, 9) + d.read_table_text(18, 1, 18) == address
    assert d.read_table_int(17, 1, 17) == 2  # FFD 1.05
    assert d.read_table_text(18, 1, 2).strip() == REGISTRATION.inn  # the register keeps what it registered
    refused(0x7A, d.write_table, 18, 1, 2, "7707083893")  # «Поле не редактируется»
    assert fields_of(kkt, 1)[1009] == address
    totals = d.execute(c.REGISTRATION_TOTALS)
    assert (totals.inn.strip(), totals.document_number) == (REGISTRATION.inn, 1)


def test_ofd_server_lives_in_table_19(kkt: Kkt) -> None:
    kkt.set_ofd_server("ofd.example.ru", 21101)
    assert kkt.server_settings() == {"ofd_address": "ofd.example.ru", "ofd_port": 21101}
    d = driver(kkt)
    assert d.field_structure(19, 2).maximum == 65535 and d.field_structure(19, 1).is_text
    assert d.table_structure(19) == ("Параметры офд", 1, 8)
    refused(0x5D, d.read_table, 99, 1, 1)  # «Таблица не определена»


def test_exchange_parameters_by_baud_code(kkt: Kkt) -> None:
    d = driver(kkt)
    assert d.exchange_parameters(0) == (115200, 0.05)
    d.set_exchange_parameters(0, 57600, 0.3)
    assert d.exchange_parameters(0) == (57600, 0.3)
    assert d.execute(c.READ_EXCHANGE_PARAMETERS, {"port": 0}).baud_code == 5


def test_device_status_and_device_type(ready: Kkt) -> None:
    status = ready.status()
    assert (status.family, status.model, status.serial_number) == ("shtrih", "ШТРИХ-М-01Ф", "0000000000106001")
    assert status.fiscalised and status.shift_open and not status.receipt_open and status.paper_present
    kind = driver(ready).device_type()
    assert (kind.model, kind.protocol_version) == (250, 2)


# -- lost answers -----------------------------------------------------------------------------------

def test_a_withheld_close_is_brought_out_by_enq_without_a_second_document(ready: Kkt) -> None:
    """The device closes the receipt and its answer is lost on the line: our link polls with ENQ, the device
    answers ACK and sends the held answer again — the protocol's own recovery, no settling needed."""
    control = ready.driver.emulator
    assert control is not None
    before = ready.fn_status().last_document_number
    control.set_fault("withhold_command", "close_receipt")
    ready.driver.session.execution_scale = 0.05
    result = ready.sell(make_receipt())
    ready.driver.session.execution_scale = 1.0
    assert result.document.number == before + 1 and not result.recovered
    assert ready.fn_status().last_document_number == before + 1


# -- printing and limits ----------------------------------------------------------------------------

def test_print_string_cut_and_beep(ready: Kkt) -> None:
    d = driver(ready)
    d.print_string("Спасибо за покупку!")
    d.cut(partial=True)
    d.beep()
    control = ready.driver.emulator
    assert control is not None
    control.personality.control("paper", {"present": "0"})  # type: ignore[attr-defined]
    refused(0x6B, d.print_string, "нет бумаги")
    refused(0x6B, d.cut)


def test_names_outside_cp1251_are_refused_before_any_byte(ready: Kkt) -> None:
    from kkt_drivers.validation import InvalidReceipt

    sent: list[bytes] = []
    ready.driver.session.hooks.append(lambda direction, data: sent.append(data) if direction == "tx" else None)
    for name in ("Café ☕", "x" * 129, "Кофе «Арабика»"):  # «» are WIN1251 but not CP866, the ФН's code page
        receipt = Receipt(items=(Item(name, 100),), payments=(Payment(PaymentType.CASH, 100),),
                          taxation=TaxationSystem.OSN)
        with pytest.raises(InvalidReceipt):
            ready.sell(receipt)
    assert sent == []
    assert ready.sell(Receipt(items=(Item('Кофе "Арабика" №5 - 250 г', 100),),
                              payments=(Payment(PaymentType.CASH, 100),), taxation=TaxationSystem.OSN))


def test_a_position_past_the_five_byte_receipt_total_is_refused_with_48h(ready: Kkt) -> None:
    """Found by the long fuzz: a receipt whose total did not fit the register's 5-byte sums was made, and then the
    ФН search answer (FF0Ah) could not carry it. A real register refuses the position: «Переполнение итога чека»."""
    d = driver(ready)
    d.begin_receipt(ReceiptType.SELL, correction=False, taxation=TaxationSystem.OSN, cashier=Cashier())
    d.add_position(Item("Слиток", 0xFF_FFFF_FFFF // 2, Decimal(1), VatRate.VAT_22))
    refused(0x48, d.add_position, Item("Слиток", 0xFF_FFFF_FFFF // 2 + 2, Decimal(1), VatRate.VAT_22))
    d.cancel_receipt()


def test_a_correction_by_amounts_past_the_five_byte_total_is_refused_with_48h(ready: Kkt) -> None:
    """Also found by the long fuzz: a correction's total is the sum of its 16 payments, each of 5 bytes."""
    d = driver(ready)
    d.begin_receipt(ReceiptType.SELL, correction=True, taxation=TaxationSystem.OSN, cashier=Cashier())
    refused(0x48, d.close_receipt_v2, [0xFF_FFFF_FFFF, 0xFF_FFFF_FFFF] + [0] * 14, password=1)
    d.cancel_receipt()
