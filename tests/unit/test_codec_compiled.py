"""Compiled construct schemas agree with the interpreted ones; the inline-compiling adapters round-trip."""

from __future__ import annotations

import construct as cs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kkt_drivers.protocols.atol import commands as c
from kkt_drivers.protocols.atol import fiscal_commands  # noqa: F401 - registers the fiscal commands
from kkt_drivers.protocols.common.bcd import Bcd
from kkt_drivers.protocols.common.flags import BitFlags

SPECS = sorted(c.REGISTRY, key=lambda s: s.code)


def _plain(value: object) -> object:
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items() if not k.startswith("_io")}
    return value


@pytest.mark.parametrize("spec", SPECS, ids=lambda s: s.code.hex())
@settings(max_examples=40, deadline=None, database=None)
@given(data=st.binary(max_size=48))
def test_spec_parsers_agree_with_interpreted_construct(spec: c.CommandSpec, data: bytes) -> None:
    """The spec's compiled parse (with its length check) gives what interpreted construct gives."""
    for schema, parse in ((spec.request, spec.parse_params), (spec.response, spec.parse_data)):
        try:
            expected = _plain(schema.parse(data))
        except cs.ConstructError:
            expected = "error"
        try:
            got = _plain(parse(data))
        except cs.ConstructError:
            got = "error"
        assert got == expected


@settings(max_examples=200, deadline=None, database=None)
@given(value=st.integers(0, 10**10 - 1))
def test_bcd_compiled_round_trip(value: int) -> None:
    field = Bcd(5)
    compiled = cs.Struct("v" / field).compile()
    raw = compiled.build({"v": value})
    assert raw == bytes.fromhex(f"{value:010d}") and compiled.parse(raw).v == value


@settings(max_examples=100, deadline=None, database=None)
@given(byte=st.integers(0, 255))
def test_bit_flags_match_bitstruct(byte: int) -> None:
    names = ("a", "b", "c", "d", "e", "f", "g", "h")
    reference = cs.BitStruct(*[n / cs.Flag for n in names])
    ours = cs.Struct("f" / BitFlags(*names)).compile()
    parsed = ours.parse(bytes((byte,))).f
    assert {n: parsed[n] for n in names} == {n: reference.parse(bytes((byte,)))[n] for n in names}
    assert ours.build({"f": parsed}) == bytes((byte,))


def test_bcd_refuses_non_digits_and_short_input_in_compiled_code() -> None:
    compiled = cs.Struct("v" / Bcd(2)).compile()
    with pytest.raises(cs.MappingError):
        compiled.parse(b"\x1a\x00")
    with pytest.raises(cs.StreamError):
        compiled.parse(b"\x10")
    with pytest.raises(cs.MappingError):
        compiled.build({"v": 100000})


def test_fixed_size_counts_an_optional_field_as_absent() -> None:
    """``Optional`` is a ``Select`` of the field and ``Pass``: a short answer without it is still whole."""
    import construct as cs

    from kkt_drivers.protocols.spec import fixed_size

    assert fixed_size(cs.Struct("a" / cs.Int8ub, "b" / cs.Optional(cs.Int16ub))) == 1
    assert fixed_size(cs.Struct("a" / cs.Int8ub, "b" / cs.Int16ub, "t" / cs.GreedyBytes)) == 3
