"""Shared pieces of the reliability suite (not a test module)."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from typing import Any


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


def tune(session: Any, *, execution_scale: float = 0.02, quick: float = 0.1) -> None:
    """Short deadlines on a session's link, so that a stall of 0.3 s is already past them: ``execution_scale``
    shrinks each command's execution time, ``quick`` is the link's own deadlines (ack, inter-byte…)."""
    from kkt_drivers.protocols.atol.link_v2 import V2Timeouts
    from kkt_drivers.protocols.atol.link_v3 import V3Timeouts
    from kkt_drivers.protocols.cas.link import CasLink, CasTimeouts
    from kkt_drivers.protocols.caslp.link import CasLpLink, CasLpTimeouts
    from kkt_drivers.protocols.incotex.json_link import JsonLink, JsonTimeouts
    from kkt_drivers.protocols.incotex.msk_link import MskLink, MskTimeouts
    from kkt_drivers.protocols.massak.link import MassaKLink, MassaKTimeouts
    from kkt_drivers.protocols.shtrih.link import ShtrihLink, ShtrihTimeouts

    session.execution_scale = execution_scale
    link: Any = session.link
    q = quick
    if isinstance(getattr(link, "t", None), V3Timeouts):
        link.t = V3Timeouts(reply=1.5 * q, poll=q / 2, recover_tries=3)
    elif isinstance(getattr(link, "t", None), V2Timeouts):
        link.t = V2Timeouts(t1=q, t2=3 * q, t3=q, t4=q, t6=q, t7=q / 2)
    elif isinstance(link, ShtrihLink):
        link.t = ShtrihTimeouts(enq=q, ack=q, byte=q)
    elif isinstance(link, MskLink):
        link.t = MskTimeouts(inter_byte=q, repeat_answer=2 * q)
    elif isinstance(link, JsonLink):
        link.t = JsonTimeouts(inter_byte=q)
    elif isinstance(link, MassaKLink):
        link.t = MassaKTimeouts(inter_byte=q)
    elif isinstance(link, CasLink):
        link.t = CasTimeouts(ack=q, busy_pause=q / 2, inter_byte=q)
    elif isinstance(link, CasLpLink):
        link.t = CasLpTimeouts(sync=q, inter_byte=q, ready=q, drain=q / 2, busy_pause=q / 2)
