"""CRC of the ФН link frame: CRC16-CCITT, poly 0x1021 (v1.2.06 §3.2), init 0xFFFF [inferred]."""

from __future__ import annotations

import pytest
from fn_testkit import load, unhex

from kkt_drivers.protocols.fn.frame import crc16

CRC = load("crc.json")


def test_algorithm_parameters_recorded() -> None:
    algo = CRC["algorithm"]
    assert (algo["poly"], algo["init"], algo["refin"], algo["xorout"]) == ("0x1021", "0xFFFF", False, "0x0000")


def test_standard_check_value() -> None:
    assert crc16(b"123456789") == 0x29B1


@pytest.mark.parametrize("vector", CRC["vectors"], ids=lambda v: v["kind"] + ":" + v["source"][:30])
def test_crc_vectors(vector: dict[str, str]) -> None:
    data = vector["input_ascii"].encode() if "input_ascii" in vector else unhex(vector["input_hex"])
    assert crc16(data) == int(vector["crc"], 16)


def test_status_request_crc_matches_research_note() -> None:
    # protocol-research/ffd_fn.md §2.1: CRC(01 00 30) = 0xCDFF, sent as FF CD
    assert crc16(b"\x01\x00\x30") == 0xCDFF


def test_crc_detects_single_bit_flips() -> None:
    body = bytes(range(64))
    reference = crc16(body)
    for i in range(len(body) * 8):
        flipped = bytearray(body)
        flipped[i // 8] ^= 1 << (i % 8)
        assert crc16(bytes(flipped)) != reference
