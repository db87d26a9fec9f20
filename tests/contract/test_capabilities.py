"""Every family either has an operation or refuses it with ``NotSupported`` before a byte is sent.

The twin of every ``requires`` skip: what a family lacks is asserted, not just skipped.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from samples import make_receipt

from kkt_drivers import NotSupported
from kkt_drivers.kkt import Kkt
from kkt_drivers.register import Op
from kkt_drivers.types import ServerKind

CALLS: dict[str, Callable[[Kkt], object]] = {
    Op.OFD_STATUS: lambda k: k.ofd_status(),
    Op.DOCUMENT_TLV: lambda k: k.document(1),
    Op.OPEN_SHIFT: lambda k: k.open_shift(),
    Op.CLOSE_SHIFT: lambda k: k.close_shift(),
    Op.X_REPORT: lambda k: k.x_report(),
    Op.STATE_REPORT: lambda k: k.state_report(),
    Op.RECEIPT: lambda k: k.sell(make_receipt()),
    Op.RECEIPT_DISCOUNT: lambda k: k.device.receipt_discount(100),
    Op.CASH: lambda k: k.cash_in(100),
    Op.CLOSE_FN: lambda k: k.close_fn(),
    Op.OFD_SERVER: lambda k: k.set_ofd_server("ofd.example", 7777),
    Op.VENDOR_CLOUD: lambda k: k.set_cloud_server("cloud.example"),
    Op.KKT_SERVER: lambda k: k.device.set_server(ServerKind.KKT_SERVER, "123456"),
    Op.OPERATOR_PASSWORDS: lambda k: k.device.set_operator_passwords(admin=29),
}


def test_every_operation_has_a_call_here() -> None:
    assert set(CALLS) | {Op.CORRECTION, Op.REGISTER} == set(Op.ALL)


def test_operations_a_family_lacks_raise_not_supported_before_any_byte(kkt: Kkt) -> None:
    sent: list[bytes] = []
    kkt.device.session.hooks.append(lambda direction, data: sent.append(data) if direction == "tx" else None)
    lacking = [op for op in CALLS if op not in kkt.capabilities]
    for op in lacking:
        with pytest.raises(NotSupported) as caught:
            CALLS[op](kkt)
        assert caught.value.family == kkt.family
    assert sent == []
