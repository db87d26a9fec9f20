"""The printer of an emulated ATOL register: renders documents onto a paper tape."""

from __future__ import annotations

from typing import Any

from ...core.tape import Tape, render_document, render_report


class TapePrinter:
    """Prints fiscal documents (from their TLV) and the X-report on a :class:`~kkt_emu.core.tape.Tape`."""

    def __init__(self, tape: Tape, width: int) -> None:
        self.tape = tape
        self.width = width

    def print_document(self, tlv: bytes) -> None:
        self.tape.write(render_document(tlv, self.width))

    def print_x_report(self, shift: Any, totals: Any, drawer: int) -> None:
        rows = [("СМЕНА", str(shift.number)), ("СМЕНА ОТКРЫТА", "ДА" if shift.open else "НЕТ"),
                ("ЧЕКОВ ЗА СМЕНУ", str(max(shift.next_receipt_number - 1, 0)))]
        for name, value in _totals_rows(totals):
            rows.append((name, value))
        rows.append(("НАЛИЧНЫХ В КАССЕ", f"{drawer // 100}.{drawer % 100:02d}"))
        self.tape.write(render_report("X-ОТЧЕТ", rows, self.width))


def _totals_rows(totals: Any) -> list[tuple[str, str]]:
    names = {1: "ПРИХОД", 2: "ВОЗВРАТ ПРИХОДА", 3: "РАСХОД", 4: "ВОЗВРАТ РАСХОДА"}
    rows = []
    items = totals.items() if isinstance(totals, dict) else []
    for key, value in items:
        count, amount = (value if isinstance(value, tuple) else (getattr(value, "count", 0),
                                                                 getattr(value, "amount", 0)))
        rows.append((f"{names.get(int(key), str(key))} ({count})", f"{amount // 100}.{amount % 100:02d}"))
    return rows
