"""ATOL settings tables (programmed with ``50``, read with ``46``), kept as raw field bytes.

Defaults follow the published table dictionary: table 2 row 1 (access password 2.1.23, TCP port
2.1.91), table 3 (operator passwords and names), table 19 (OFD address and port, the ATOL
personal-cabinet server). The fields are kept in the device's store (with the ФН archive, under the key
``tables``), so a change survives a restart and a crash whole.
"""

from __future__ import annotations

from typing import Any

from kkt_drivers.protocols.common.bcd import encode_bcd
from kkt_drivers.protocols.common.text import encode_atol

Key = tuple[int, int, int]

ACCESS_PASSWORD: Key = (2, 1, 23)
OFD_ADDRESS: Key = (19, 1, 1)
OFD_PORT: Key = (19, 1, 2)
CABINET_SERVER: Key = (19, 1, 9)
BINDING_CODE: Key = (19, 1, 14)
MAX_TABLE = 30
MAX_ROW = 200
MAX_FIELD = 120
MAX_VALUE = 256


def operator_name(row: int) -> str:
    if row == 29:
        return "АДМИНИСТРАТОР"
    if row == 30:
        return "СИС. АДМИНИСТРАТОР"
    return f"КАССИР {row}"


def defaults() -> dict[Key, bytes]:
    table: dict[Key, bytes] = {
        ACCESS_PASSWORD: encode_bcd(0, 2),
        (2, 1, 91): encode_bcd(5555, 2),
        OFD_ADDRESS: b"0.0.0.0",
        OFD_PORT: (7777).to_bytes(2, "big"),
        CABINET_SERVER: b"service.atol.ru/kkt",
        BINDING_CODE: b"",
    }
    for row in range(1, 31):
        table[(3, row, 1)] = encode_bcd(row, 4)
        table[(3, row, 2)] = encode_atol(operator_name(row))
    return table


class SettingsTables:
    """The table fields, over a device store (``device_value``/``store_device_values``), or in memory."""

    def __init__(self, store: Any = None) -> None:
        self.store = store
        self.fields = defaults()
        stored = store.device_value("tables", {}) if store is not None else {}
        self.load(stored if isinstance(stored, dict) else {})

    def load(self, stored: dict[str, Any]) -> None:
        """Take fields saved as ``{"t.r.f": hex}``; anything malformed is skipped (the default stays)."""
        for key, value in stored.items():
            try:
                t, r, f = (int(x) for x in str(key).split("."))
                data = bytes.fromhex(str(value))
            except ValueError:
                continue
            if self.valid_key((t, r, f)):
                self.fields[(t, r, f)] = data[:MAX_VALUE]

    @staticmethod
    def valid_key(key: Key) -> bool:
        t, r, f = key
        return 1 <= t <= MAX_TABLE and 1 <= r <= MAX_ROW and 1 <= f <= MAX_FIELD

    def get(self, key: Key) -> bytes | None:
        return self.fields.get(key)

    def set(self, key: Key, value: bytes) -> None:
        self.fields[key] = bytes(value[:MAX_VALUE])
        self.save()

    def password(self, row: int) -> int:
        raw = self.fields.get((3, row, 1), b"")
        return int(raw.hex()) if raw.hex().isdigit() else -1

    def access_password(self) -> int:
        raw = self.fields.get(ACCESS_PASSWORD, b"\x00\x00")
        return int(raw.hex()) if raw.hex().isdigit() else 0

    def save(self) -> None:
        if self.store is not None:
            self.store.store_device_values({"tables": self.as_json()})

    def as_json(self) -> dict[str, str]:
        return {f"{t}.{r}.{f}": v.hex() for (t, r, f), v in sorted(self.fields.items())}

    def reset(self) -> None:
        self.fields = defaults()
        self.save()
