"""Shared pieces of the reliability suite (not a test module)."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass


@dataclass(frozen=True)
class Scale:
    full: bool
    seed: int

    def size(self, sample: int, full: int) -> int:
        return full if self.full else sample


def report(name: str, counts: dict[str, object]) -> None:
    """Print a result line and append it to ``$KKT_RELIABILITY_REPORT`` when set."""
    line = json.dumps({"test": name, **counts}, ensure_ascii=False, sort_keys=True)
    print(line)
    target = os.environ.get("KKT_RELIABILITY_REPORT")
    if target:
        with open(target, "a", encoding="utf-8") as handle:
            handle.write(line + "\n")
