"""The printer of an emulated Shtrih-M register: documents, X-reports and free lines onto a paper tape."""

from __future__ import annotations

from typing import Any

from ...core.tape import Tape, render_document, render_report


class TapePrinter:
    def __init__(self, tape: Tape, width: int) -> None:
        self.tape = tape
        self.width = width

    def print_document(self, tlv: bytes) -> None:
        self.tape.write(render_document(tlv, self.width))

    def print_line(self, text: str) -> None:
        self.tape.write(text[:self.width] + "\n")

    def print_x_report(self, shift: Any, drawer: int) -> None:
        rows = [("СМЕНА", str(shift.number)), ("СМЕНА ОТКРЫТА", "ДА" if shift.open else "НЕТ"),
                ("ЧЕКОВ ЗА СМЕНУ", str(max(shift.next_receipt_number - 1, 0))),
                ("НАЛИЧНОСТЬ В КАССЕ", f"{drawer // 100}.{drawer % 100:02d}")]
        self.tape.write(render_report("СУТОЧНЫЙ ОТЧЕТ БЕЗ ГАШЕНИЯ", rows, self.width))
