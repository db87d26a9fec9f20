"""ATOL settings tables (programmed with ``50``, read with ``46``), kept as raw field bytes.

Defaults follow the published table dictionary: table 2 row 1 (access password 2.1.23, TCP port
2.1.91), table 3 (operator passwords and names), table 19 (OFD address and port, the ATOL
personal-cabinet server). The state can be saved to and loaded from a JSON file chosen by the user
(never by anything received over the wire).
"""

from __future__ import annotations

import json
import os
from pathlib import Path

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
    def __init__(self, path: Path | None = None) -> None:
        self.path = path
        self.fields = defaults()
        if path is not None and path.exists():
            stored = json.loads(path.read_text(encoding="utf-8"))
            for key, value in stored.items():
                t, r, f = (int(x) for x in key.split("."))
                self.fields[(t, r, f)] = bytes.fromhex(value)

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
        if self.path is None:
            return
        data = {f"{t}.{r}.{f}": v.hex() for (t, r, f), v in sorted(self.fields.items())}
        tmp = self.path.with_suffix(".tmp")
        tmp.write_text(json.dumps(data, indent=0), encoding="utf-8")
        os.replace(tmp, self.path)

    def reset(self) -> None:
        self.fields = defaults()
        self.save()
