"""A flags byte as named booleans, most significant bit first, that compiles inline in construct.

``BitStruct`` of eight ``Flag`` fields does the same but stays interpreted (about 16 µs a parse);
this adapter is a plain byte plus a dictionary.
"""

from __future__ import annotations

from typing import Any

import construct as cs


def bits_to_container(raw: bytes, names: tuple[str, ...]) -> cs.Container:
    if len(raw) != 1:
        raise cs.StreamError("a flags byte is missing")
    return cs.Container(zip(names, _BITS[raw[0]], strict=False))  # BitFlags has eight names


#: the eight flags of each byte value, bit 7 first
_BITS = tuple(tuple(bool(value >> (7 - i) & 1) for i in range(8)) for value in range(256))


def container_to_bits(obj: Any, names: tuple[str, ...]) -> bytes:
    try:
        value = 0
        for i, name in enumerate(names):
            if obj[name]:
                value |= 0x80 >> i
        return bytes((value,))
    except (KeyError, TypeError) as exc:
        raise cs.MappingError(f"flags need every one of {names}: {exc}") from exc


class BitFlags(cs.Adapter):  # type: ignore[misc]
    """Eight named flags in one byte, bit 7 first."""

    def __init__(self, *names: str) -> None:
        if len(names) != 8:
            raise ValueError("a flags byte has eight names")
        super().__init__(cs.Bytes(1))
        self.names = tuple(names)

    def _decode(self, obj: bytes, context: Any, path: str) -> cs.Container:
        return bits_to_container(obj, self.names)

    def _encode(self, obj: Any, context: Any, path: str) -> bytes:
        return container_to_bits(obj, self.names)

    def _emitparse(self, code: Any) -> str:
        code.append("from kkt_drivers.protocols.common.flags import bits_to_container as _kkt_bits")
        return f"_kkt_bits(io.read(1), {self.names!r})"

    def _emitbuild(self, code: Any) -> str:
        code.append("from kkt_drivers.protocols.common.flags import container_to_bits as _kkt_flag_byte")
        return f"(io.write(_kkt_flag_byte(obj, {self.names!r})), obj)[1]"
