"""The Shtrih-M family descriptor and the driver's own tables: URL options, baud-rate and byte-timeout codes, the
VAT and payment numbering, and the link's ENQ-less fast path."""

from __future__ import annotations

import pytest

from kkt_drivers.errors import ConfigurationError, InvalidParameter, Timeout
from kkt_drivers.families import get_family
from kkt_drivers.protocols.actions import Deliver, Fail, Send, Wait
from kkt_drivers.protocols.shtrih import framer
from kkt_drivers.protocols.shtrih.link import LinkState, ShtrihLink
from kkt_drivers.types import PaymentType, VatRate
from kkt_drivers.url import resolve_device_url

pytestmark = pytest.mark.family("shtrih")


# -- URL options ----------------------------------------------------------------------------------

def test_password_is_a_number_and_baud_codes_are_the_vendors() -> None:
    resolved = resolve_device_url("shtrih:///dev/ttyUSB0?password=12345678&baudcode=3&enq=always")
    options = resolved.family_options
    assert (options.password, options.baud_code, options.baudrate, options.enq_first) == (12345678, 3, 19200, True)
    default = resolve_device_url("shtrih:///dev/ttyUSB0").family_options
    assert (default.password, default.baud_code, default.enq_first) == (30, None, False)


@pytest.mark.parametrize(("query", "message"), [
    ("password=abc", "password must be up to 8 digits (default 30), not 'abc'"),
    ("password=123456789", "password must be up to 8 digits (default 30), not '123456789'"),
    ("password=-1", "password must be up to 8 digits (default 30), not '-1'"),
    ("baudcode=10", "baudcode must be a whole number 0…9, the vendor's code of the line speed "
     "(0 = 2400, 1 = 4800, 2 = 9600, 3 = 19200, 4 = 38400, 5 = 57600, 6 = 115200, 7 = 230400,"
     " 8 = 460800, 9 = 921600), not '10'"),
    ("baudcode=115200", "baudcode must be a whole number 0…9, the vendor's code of the line speed "
     "(0 = 2400, 1 = 4800, 2 = 9600, 3 = 19200, 4 = 38400, 5 = 57600, 6 = 115200, 7 = 230400,"
     " 8 = 460800, 9 = 921600), not '115200'"),
    ("enq=sometimes", "enq must be 'always' or 'auto', not 'sometimes'"),
])
def test_bad_options_are_refused_with_their_reason(query: str, message: str) -> None:
    with pytest.raises(ConfigurationError) as caught:
        resolve_device_url(f"shtrih:///dev/ttyUSB0?{query}")
    assert str(caught.value) == message


def test_baud_code_needs_a_serial_line() -> None:
    from kkt_drivers.transport.tcp import TcpTransport

    family = get_family("shtrih")
    options = family.parse_options({"baudcode": "6"})
    with pytest.raises(ConfigurationError, match="baudcode sets a serial line's speed"):
        family.open(TcpTransport("127.0.0.1", 1), options)


def test_baud_code_table_is_the_vendor_protocols() -> None:
    """Vendor protocol v2.0, note 3 to 14h: codes 0…9 are 2400 … 921600 baud."""
    from kkt_drivers.drivers.shtrih import BAUD_RATES

    assert BAUD_RATES == {0: 2400, 1: 4800, 2: 9600, 3: 19200, 4: 38400, 5: 57600, 6: 115200, 7: 230400,
                          8: 460800, 9: 921600}


@pytest.mark.parametrize(("code", "seconds"), [(0, 0.0), (50, 0.050), (150, 0.150), (151, 0.300), (249, 15.0),
                                               (250, 30.0), (255, 105.0)])
def test_byte_timeout_codes(code: int, seconds: float) -> None:
    """Vendor protocol v2.0, note 5 to 14h: 0…150 ms by 1 ms, then 300 ms … 15 s by 150 ms, then 30 … 105 s."""
    from kkt_drivers.drivers.shtrih.base import byte_timeout_code, byte_timeout_seconds

    assert byte_timeout_seconds(code) == pytest.approx(seconds)
    assert byte_timeout_code(seconds) == code
    with pytest.raises(InvalidParameter):
        byte_timeout_seconds(256)


# -- numbering ------------------------------------------------------------------------------------

def test_vat_tax_byte_follows_the_vendor_javapos_table() -> None:
    """FF46h «налоговая ставка»: JavaPOS @ af0a237 getVatCodeShtrih, indexed by 1199 code."""
    from kkt_drivers.drivers.shtrih import VAT_TAX_BYTE

    expected = {VatRate.VAT_20: 0x01, VatRate.VAT_10: 0x02, VatRate.VAT_0: 0x04, VatRate.NO_VAT: 0x08,
                VatRate.VAT_20_120: 0x10, VatRate.VAT_10_110: 0x20, VatRate.VAT_5: 0x81, VatRate.VAT_7: 0x82,
                VatRate.VAT_5_105: 0x84, VatRate.VAT_7_107: 0x88, 11: 0xCB, 12: 0xCC}
    assert {int(k): v for k, v in expected.items()} == VAT_TAX_BYTE
    assert set(VAT_TAX_BYTE) == {int(rate) for rate in VatRate}  # every FFD rate has a byte, 22 % included


def test_payment_forms_take_their_ff45_slots() -> None:
    from kkt_drivers.drivers.shtrih import PAYMENT_INDEX

    assert PAYMENT_INDEX == {PaymentType.CASH: 0, PaymentType.ELECTRONIC: 1, PaymentType.PREPAID: 13,
                             PaymentType.CREDIT: 14, PaymentType.OTHER: 15}


def test_a_tlv_too_long_for_one_frame_is_refused_before_sending() -> None:
    from kkt_drivers.drivers.shtrih.fiscal import MAX_TLV, tlv_bytes

    assert tlv_bytes(1008, b"a@b.ru") == bytes.fromhex("F0 03 06 00") + b"a@b.ru"
    assert len(tlv_bytes(1192, bytes(MAX_TLV - 4))) == MAX_TLV
    with pytest.raises(InvalidParameter, match="does not fit one Shtrih frame"):
        tlv_bytes(1192, bytes(MAX_TLV - 3))


def test_limits_are_cp1251_with_128_character_names() -> None:
    from kkt_drivers.drivers.shtrih import LIMITS

    assert LIMITS.code_page == "cp1251" and LIMITS.max_name == 128
    assert LIMITS.can_encode('Кофе "Арабика" №5') and not LIMITS.can_encode("Café ☕")
    assert not LIMITS.can_encode("«Арабика»")  # WIN1251 has «», the ФН's CP866 does not


# -- the link's fast path -------------------------------------------------------------------------

ACK, NAK = b"\x06", b"\x15"


def _answer(link: ShtrihLink, message: bytes) -> list[object]:
    return link.receive(ACK + framer.encode(message))


def test_a_frame_goes_out_at_once_after_a_clean_exchange() -> None:
    link = ShtrihLink(enq_first=False)
    status = bytes.fromhex("10 1E 00 00 00")
    assert link.request(status, execution_timeout=3) == [Send(b"\x05"), Wait(1.0, "ack")]  # first: ENQ
    assert link.receive(NAK) == [Send(framer.encode(status)), Wait(1.0, "ack")]
    assert _answer(link, bytes.fromhex("10 00 1E"))[-1] == Deliver(bytes.fromhex("10 00 1E"))
    assert link.request(status, execution_timeout=3) == [Send(framer.encode(status)), Wait(1.0, "ack")]
    assert link.state is LinkState.FRAME_SENT
    assert _answer(link, bytes.fromhex("10 00 1E"))[-1] == Deliver(bytes.fromhex("10 00 1E"))


def test_silence_after_a_fast_frame_is_probed_with_enq_never_resent() -> None:
    link = ShtrihLink(enq_first=False)
    message = bytes.fromhex("FF 45 1E 00 00 00")
    link.request(message, execution_timeout=3)
    link.receive(NAK)
    link.receive(ACK + framer.encode(bytes.fromhex("FF 45 00 00 00 00 00 00")))
    link.request(message, execution_timeout=3)
    assert link.timeout() == [Send(b"\x05"), Wait(1.0, "ack")]  # the frame met silence: ask, do not resend
    assert link.receive(ACK) == [Wait(3, "execution")]  # the device took it
    answer = bytes.fromhex("FF 45 00 00 00 00 00 00")
    assert link.receive(framer.encode(answer)) == [Send(ACK), Deliver(answer)]


def test_after_a_failure_the_next_exchange_starts_with_enq_again() -> None:
    link = ShtrihLink(enq_first=False)
    message = bytes.fromhex("10 1E 00 00 00")
    link.request(message, execution_timeout=3)
    link.receive(NAK)
    link.receive(ACK + framer.encode(bytes.fromhex("10 00 1E")))
    link.request(message, execution_timeout=3)
    link.receive(ACK)  # taken; then no answer, and ENQ polls meet silence until the link gives up
    actions: list[object] = link.timeout()
    while not any(isinstance(a, Fail) for a in actions):
        actions = link.timeout()
    failure = next(a for a in actions if isinstance(a, Fail))
    assert isinstance(failure.error, Timeout) and failure.error.maybe_executed
    assert link.request(message, execution_timeout=3)[0] == Send(b"\x05")


def test_the_default_link_keeps_enq_before_every_frame() -> None:
    link = ShtrihLink()
    message = bytes.fromhex("10 1E 00 00 00")
    link.request(message, execution_timeout=3)
    link.receive(NAK)
    link.receive(ACK + framer.encode(bytes.fromhex("10 00 1E")))
    assert link.request(message, execution_timeout=3)[0] == Send(b"\x05")
