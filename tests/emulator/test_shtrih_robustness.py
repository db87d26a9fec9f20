"""Whatever a host sends, the emulated Shtrih-M register answers in the protocol and never fails inside: every
message, declared or not, well-formed or not, gets an answer that starts with its command code; no handler
raises (an incident would be answered 39h «Внутренняя ошибка ПО ККТ»)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from kkt_emu.personalities import create_device
from samples import REGISTRATION

from kkt_drivers.protocols.shtrih import commands as c
from kkt_drivers.protocols.shtrih.framer import MAX_MESSAGE, command_code
from kkt_drivers.protocols.spec import fixed_size

pytestmark = pytest.mark.family("shtrih")

CODES = [spec.code for spec in c.REGISTRY]
PASSWORDS = st.sampled_from([1, 2, 28, 29, 30, 0, 31, 99_999_999]).map(lambda p: p.to_bytes(4, "little"))


@st.composite
def messages(draw: st.DrawFn) -> bytes:
    """A declared command with a valid password and parameters of at least their fixed size (so handlers run),
    or anything at all."""
    if draw(st.booleans()):
        spec = draw(st.sampled_from(list(c.REGISTRY)))
        size = fixed_size(spec.request)
        password = draw(PASSWORDS) if spec.takes_password else b""
        return (spec.code + password + draw(st.binary(min_size=size, max_size=size + 48)))[:MAX_MESSAGE]
    code = draw(st.sampled_from(CODES) | st.binary(min_size=1, max_size=2))
    return (code + draw(PASSWORDS | st.binary(max_size=4)) + draw(st.binary(max_size=60)))[:MAX_MESSAGE]


@settings(max_examples=600)
@given(batch=st.lists(messages(), min_size=1, max_size=12), fiscal=st.booleans())
def test_every_message_gets_an_answer_in_the_protocol(batch: list[bytes], fiscal: bool) -> None:
    device = create_device("shtrih")
    try:
        if fiscal:
            core = device.fiscal
            from kkt_emu.core.fiscal import Registration

            core.register(Registration(user_name="ООО", inn=REGISTRATION.inn, rnm=REGISTRATION.rnm,
                                       kkt_serial="0000000000106001", address="Москва", place="Зал",
                                       taxation=1, ofd_inn=REGISTRATION.ofd_inn, ofd_name="ОФД"), "Кассир")
            core.open_shift("Кассир")
        for message in batch:
            answer = device.execute(message).answer
            code = command_code(message)
            assert answer[:len(code)] == code and len(answer) > len(code), (message.hex(" "), answer.hex(" "))
            assert answer[len(code)] != 0x39, (message.hex(" "), answer.hex(" "))
        assert device.incidents.total == 0, [i.error for i in device.incidents.recent()]
    finally:
        device.close()
