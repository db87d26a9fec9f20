"""CAS LP 1.6 records, status and totals against tests/vectors/caslp.json, both directions, plus the limits."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from scales_testkit import ids, load, unhex

from kkt_drivers.errors import InvalidParameter, ProtocolError
from kkt_drivers.protocols.caslp import commands as c
from kkt_drivers.protocols.caslp.commands import DigitOrder, PluRecord, ScaleStatus, ShelfLife, Totals
from kkt_drivers.protocols.caslp.device import CasLpDeviceDecoder, Command, Handshake, handshake_answer

VECTORS = load("caslp.json")
RECORDS = [v for v in VECTORS if "record" in v]
STATUSES = [v for v in VECTORS if "status" in v]
HANDSHAKES = [v for v in VECTORS if "logical_number" in v]


def test_every_vector_names_its_source_and_kind() -> None:
    assert len({v["name"] for v in VECTORS}) == len(VECTORS)
    for vector in VECTORS:
        assert vector["source"] and vector["kind"] == "computed" and vector["meaning"]


def _record(fields: dict[str, Any]) -> PluRecord:
    date = fields.get("shelf_life_date")
    shelf = ShelfLife(date=dt.date.fromisoformat(date)) if date else ShelfLife(days=fields["shelf_life_days"])
    return PluRecord(fields["plu"], fields["code"], fields["name1"], fields["name2"], fields["price"], shelf,
                     fields["tare_g"], fields["group"], fields["message"])


@pytest.mark.parametrize("vector", RECORDS, ids=ids(RECORDS))
def test_write_plu_bytes_both_ways(vector: dict[str, Any]) -> None:
    wire = unhex(vector["hex"])
    order = DigitOrder(vector["digits"])
    expected = _record(vector["record"])
    assert c.write_plu(expected, order) == wire
    assert wire[0] == c.Cmd.WRITE_PLU and len(wire) == 1 + c.RECORD_SIZE
    assert PluRecord.decode(wire[1:], order) == expected


def test_the_two_digit_orders_are_the_same_record_reversed() -> None:
    lsd, msd = (unhex(v["hex"]) for v in RECORDS if v["name"] in ("write-plu-lsd", "write-plu-msd"))
    assert lsd[5:11] == msd[5:11][::-1] and lsd[76:82] == msd[76:82][::-1]
    assert lsd[:5] + lsd[11:76] == msd[:5] + msd[11:76]


@pytest.mark.parametrize("vector", STATUSES, ids=ids(STATUSES))
def test_status_both_ways(vector: dict[str, Any]) -> None:
    wire = unhex(vector["hex"])
    fields = vector["status"]
    status = ScaleStatus.decode(wire)
    assert (status.flags, status.weight_g, status.price, status.amount, status.plu) == (
        fields["flags"], fields["weight_g"], fields["price"], fields["amount"], fields["plu"])
    assert (status.stable, status.zero, status.tare, status.overload) == (
        fields["stable"], fields["zero"], fields["tare"], fields["overload"])
    assert status.encode() == wire


def test_totals_give_the_free_cells() -> None:
    vector = next(v for v in VECTORS if "totals" in v)
    totals = Totals.decode(unhex(vector["hex"]))
    assert (totals.free_plu, totals.free_messages) == (vector["totals"]["free_plu"], vector["totals"]["free_messages"])


@pytest.mark.parametrize("vector", [v for v in VECTORS if v["name"] in ("read-plu-238", "delete-plu-3999")],
                         ids=["read-plu-238", "delete-plu-3999"])
def test_plu_number_requests(vector: dict[str, Any]) -> None:
    wire = unhex(vector["hex"])
    built = c.read_plu(238) if wire[0] == c.Cmd.READ_PLU else c.delete_plu(3999)
    assert built == wire


@pytest.mark.parametrize("vector", HANDSHAKES, ids=ids(HANDSHAKES))
def test_the_device_decoder_answers_a_handshake(vector: dict[str, Any]) -> None:
    events = CasLpDeviceDecoder().feed(unhex(vector["hex"]))
    assert events == [Handshake(vector["logical_number"])]
    assert handshake_answer(vector["logical_number"]) == unhex(vector["answer"])


@pytest.mark.parametrize("vector", RECORDS, ids=ids(RECORDS))
def test_the_device_decoder_takes_a_write_in_any_split(vector: dict[str, Any]) -> None:
    wire = unhex(vector["hex"])
    decoder = CasLpDeviceDecoder()
    events = [e for i in range(len(wire)) for e in decoder.feed(wire[i:i + 1])]
    assert events == [Command(wire)] and not decoder.in_command


# -- refusals ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(("record", "fragment"), [
    (PluRecord(1, name1="x" * 29), "at most 28"),
    (PluRecord(1, name1="😀"), "outside cp1251"),
    (PluRecord(1, code=1_000_000), "0..999999"),
    (PluRecord(1, group=-1), "0..999999"),
    (PluRecord(1, price=2**32), "price"),
    (PluRecord(1, tare_g=70_000), "tare"),
    (PluRecord(1, shelf_life=ShelfLife(days=10_000)), "0..9999 days"),
    (PluRecord(1, shelf_life=ShelfLife(days=3, date=dt.date(2025, 1, 1))), "not both"),
    (PluRecord(1, name1="a\x00b"), "NUL"),
])
def test_a_record_that_does_not_fit_is_refused_before_encoding(record: PluRecord, fragment: str) -> None:
    with pytest.raises(InvalidParameter, match=fragment):
        record.encode()


@pytest.mark.parametrize("message", [b"", b"\x80", b"\x82" + bytes(82), b"\x89\x00", b"\x81\x01\x00\x00"])
def test_a_malformed_request_is_refused(message: bytes) -> None:
    with pytest.raises(InvalidParameter):
        c.check_request(message)


@pytest.mark.parametrize("data", [bytes([0x12]) + bytes(14), bytes([0x02]) + bytes(14), bytes(14)])
def test_a_status_with_an_always_zero_bit_or_the_wrong_size_is_refused(data: bytes) -> None:
    with pytest.raises(ProtocolError):
        ScaleStatus.decode(data)


def test_a_shelf_life_that_is_not_bcd_is_refused() -> None:
    with pytest.raises(ProtocolError, match="not BCD"):
        ShelfLife.decode(bytes((0, 0x0A, 0)))
    with pytest.raises(ProtocolError, match="no date"):
        ShelfLife.decode(bytes((0x31, 0x02, 0x25)))
