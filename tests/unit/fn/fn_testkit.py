"""Helpers shared by the ФН tests: vector loading and a JSON view of decoded values."""

from __future__ import annotations

import datetime as dt
import enum
import json
from dataclasses import fields, is_dataclass
from pathlib import Path
from typing import Any

VECTOR_DIR = Path(__file__).resolve().parents[2] / "vectors" / "fn"


def load(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((VECTOR_DIR / name).read_text(encoding="utf-8"))
    return data


def unhex(text: str) -> bytes:
    return bytes.fromhex(text)


def jsonable(value: Any) -> Any:
    """The form the vector files use: ISO dates, ints for enums/flags, hex for bytes."""
    if is_dataclass(value) and not isinstance(value, type):
        return {f.name: jsonable(getattr(value, f.name)) for f in fields(value)}
    if isinstance(value, dict):
        return {k: jsonable(v) for k, v in value.items()}
    if isinstance(value, dt.datetime):
        return value.isoformat(timespec="minutes")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return value
    if isinstance(value, enum.Enum | int):
        return int(value)
    if isinstance(value, bytes | bytearray):
        return bytes(value).hex(" ")
    raise TypeError(f"no JSON form for {value!r}")
