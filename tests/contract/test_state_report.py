"""Отчёт о текущем состоянии расчётов (ФД type 21) through ``Kkt.state_report`` on every emulated family.

What the facade returns is checked against the emulator's ФН archive read directly (``kkt_emulator.fiscal``),
not through the driver: the document exists there with type 21 and the same number and fiscal sign. A link
without a command for the report (Меркурий MS-K) refuses it, typed, before a byte is sent.
"""

from __future__ import annotations

from typing import Any

import pytest
from samples import make_receipt

from kkt_drivers import DeviceError, NotSupported, connect
from kkt_drivers.families import family_names, get_family
from kkt_drivers.ffd import decode_document, missing_mandatory
from kkt_drivers.kkt import Kkt
from kkt_drivers.register import FiscalRegister, Op
from kkt_drivers.types import Cashier, DocumentInfo, Registration
from kkt_drivers.validation import InvalidReceipt

STATE_REPORT_TYPE = 21
#: the code each family's register refuses the report with while the ФН is not registered («неверное состояние
#: ФН»: ATOL D4h, Shtrih 02h, the driver service's 0x102 «Другое состояние ФН»)
NOT_REGISTERED_CODES = {"atol": {0xD4}, "shtrih": {0x02}, "mercury": {0x102}}

pytestmark = pytest.mark.emulator_only


def _sent(kkt: Kkt) -> list[bytes]:
    sent: list[bytes] = []
    kkt.device.session.hooks.append(lambda direction, data: sent.append(data) if direction == "tx" else None)
    return sent


def _in_archive(kkt_emulator: Any, doc: DocumentInfo) -> dict[int, object]:
    """The document as the emulator's ФН keeps it, checked against what the facade returned; its requisites."""
    row = kkt_emulator.fiscal.document(doc.number)
    assert row.document_type == STATE_REPORT_TYPE == doc.document_type
    assert (row.number, row.fiscal_sign) == (doc.number, doc.fiscal_sign)
    assert row.datetime.replace(second=0) == doc.datetime.replace(second=0)
    decoded = decode_document(row.tlv)
    assert not missing_mandatory(decoded), f"document {doc.number} lacks {missing_mandatory(decoded)}"
    return {f.info.tag: f.value for f in decoded.fields}


def test_state_report_is_a_type_21_document_in_the_fn_archive(kkt: Kkt, kkt_emulator: Any,
                                                               registration: Registration) -> None:
    if Op.STATE_REPORT not in kkt.capabilities:  # the twin of the check below: refused, typed, nothing sent
        sent = _sent(kkt)
        with pytest.raises(NotSupported) as caught:
            kkt.state_report()
        assert caught.value.operation == Op.STATE_REPORT and caught.value.family == kkt.family
        with pytest.raises(NotSupported):
            kkt.device.state_report(Cashier())
        assert sent == []
        return
    kkt.register(registration)
    closed = kkt.state_report()  # with the shift closed (before the first one)
    assert closed.number == 2 == kkt_emulator.fiscal.last_document().number and closed.fiscal_sign > 0
    _in_archive(kkt_emulator, closed)

    kkt.open_shift()
    kkt_emulator.fiscal.set_ofd(None)  # the OFD never confirms: the report counts what waits
    kkt.sell(make_receipt())
    opened = kkt.state_report(cashier=Cashier("Петров П.П."))
    assert opened.number == 5 == kkt_emulator.fiscal.last_document().number
    requisites = _in_archive(kkt_emulator, opened)
    assert requisites[1038] == kkt.shift_state().number and int(requisites[1097]) >= 1  # type: ignore[call-overload]
    assert kkt.shift_state().open  # a report, not a shift document
    assert kkt.document(opened.number, with_tlv=False).document_type == STATE_REPORT_TYPE


@pytest.mark.requires(Op.STATE_REPORT)  # skipped over Меркурий MS-K (its refusal is asserted above)
def test_state_report_before_registration_is_refused_with_the_device_code(kkt: Kkt, kkt_emulator: Any) -> None:
    with pytest.raises(DeviceError) as caught:
        kkt.state_report()
    assert caught.value.code in NOT_REGISTERED_CODES.get(kkt.family, {caught.value.code})
    assert caught.value.message_ru and str(caught.value)
    fn = kkt_emulator.fiscal.status()
    assert fn.last_fd_number == 0 and int(fn.current_document) == 0  # nothing made, no document left begun
    assert not kkt.status().receipt_open


@pytest.mark.requires(Op.STATE_REPORT)
@pytest.mark.parametrize("fault", ["withhold_command", "disconnect_command"])
def test_a_lost_answer_to_the_state_report_is_settled_from_the_fn(kkt: Kkt, kkt_emulator: Any,
                                                                  registration: Registration, fault: str) -> None:
    """The register makes the report and its answer is lost (or the line drops): the facade reads the document
    back from the ФН and returns it — no second report is made."""
    kkt.register(registration)
    kkt.open_shift()
    before = kkt_emulator.fiscal.last_document().number
    kkt_emulator.set_fault(fault, "state_report")
    kkt.device.session.execution_scale = 0.05  # notice the lost answer in a second, not in the report's timeout
    doc = kkt.state_report()
    kkt.device.session.execution_scale = 1.0
    assert getattr(kkt_emulator.device.faults, fault) == ""  # the fault fired: the answer really was lost
    assert kkt_emulator.fiscal.last_document().number == before + 1 == doc.number
    _in_archive(kkt_emulator, doc)
    assert kkt.state_report().number == before + 2  # the device works on; nothing was left half-done


@pytest.mark.parametrize("name", [n for n in family_names() if get_family(n).kind == "register"
                                  and get_family(n).emulated])
def test_every_link_of_a_family_has_the_capabilities_its_family_says(name: str) -> None:
    """``variant_capabilities`` is what the pytest plugin's ``requires`` marker reads; the driver opened on each
    link variant must agree with it."""
    family = get_family(name)
    for variant in family.variants:
        query = "&".join(f"{k}={v}" for k, v in family.variant_options(variant).items())
        with connect(f"emu://{name}" + (f"?{query}" if query else "")) as device:
            assert isinstance(device, FiscalRegister)
            assert device.capabilities == family.variant_capabilities(variant), (name, variant)


@pytest.mark.requires(Op.STATE_REPORT)
def test_a_cashier_the_register_cannot_take_is_refused_before_a_byte(kkt: Kkt) -> None:
    sent = _sent(kkt)
    with pytest.raises(InvalidReceipt) as caught:
        kkt.state_report(cashier=Cashier("К" * 65))
    assert caught.value.field == "cashier.name"
    assert sent == []
