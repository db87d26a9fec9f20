"""Helpers shared by the Incotex tests: vector loading and turning the vectors' hand-written
decoded fields into our typed values (a plain mapping; no codec logic of ours is involved)."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from pathlib import Path
from typing import Any

from kkt_drivers.protocols.incotex import msk_commands as mc

VECTOR_DIR = Path(__file__).resolve().parents[2] / "vectors"


def load(name: str) -> list[dict[str, Any]]:
    data = json.loads((VECTOR_DIR / name).read_text(encoding="utf-8"))
    vectors: list[dict[str, Any]] = data["vectors"]
    return vectors


def unhex(text: str) -> bytes:
    return bytes.fromhex(text)


def _dec(value: str | None) -> Decimal | None:
    return None if value is None else Decimal(value)


def record(raw: dict[str, Any]) -> mc.Record:
    flags = int(raw["flags"], 16)
    if raw["type"] == 11:
        return mc.PriceRecord(price=Decimal(raw["price"]), quantity=_dec(raw["quantity"]), section=raw["section"],
                             goods_code=raw["goods_code"], percent=_dec(raw["percent"]), unit=raw["unit"],
                             flags=flags, x=raw["x"], y=raw["y"])
    return mc.TextRecord(raw["type"], flags, raw["x"], raw["y"], raw["text"])


def request(raw: dict[str, Any]) -> mc.MskRequest:
    kind = raw["class"]
    if kind == "ReadParameter":
        return mc.ReadParameter(raw["number"])
    if kind == "FiscalDocument":
        count = raw["count_field"]
        return mc.FiscalDocument(mc.DocumentType(raw["doc_type"]), int(raw["flags"], 16),
                                tuple(record(r) for r in raw["records"]),
                                zero_pad_count=len(count) == 3 and count.startswith("0"))
    if kind == "Report":
        return mc.Report(mc.ReportKind(raw["kind"]), int(raw["flags"], 16), raw["number"])
    if kind == "SetDateTime":
        return mc.SetDateTime(dt.datetime.fromisoformat(raw["value"]))
    simple: dict[str, type[mc.MskRequest]] = {
        "LastDocumentInfo": mc.LastDocumentInfo, "GetVersion": mc.GetVersion, "GetDateTime": mc.GetDateTime,
        "RepeatAnswer": mc.RepeatAnswer}
    return simple[kind]()


def answer_data(raw: dict[str, Any]) -> mc.AnswerData:
    if raw["class"] == "ParameterValue":
        return mc.ParameterValue(raw["number"], raw["value"])
    return mc.DocumentInfo(raw["cashier"], raw["doc_number"], dt.datetime.fromisoformat(raw["date_time"]),
                          raw["doc_type"], Decimal(raw["total"]), raw["check_number"], raw["extra"])
