"""Models the Mercury personality presents (data only)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class MercuryProfile:
    """One emulated model.

    ``serial`` is the seven-character serial ``E`` answers with ([S7]'s captured answer has "0681961");
    ``service_model`` the OpenSession model the driver service files it under ([S1]: 185F for
    115Ф/130Ф/180Ф/185Ф, 119F); ``goods_name`` the longest goods name its base takes (56 in [S1]'s product
    record; 40 on the MS-K model, the width of an 0x53 text record [inferred]).
    """

    key: str
    name: str
    model_code: int
    serial: str
    version: str
    service_model: str
    goods_name: int = 56
    line_width: int = 32
    program_date: str = "2025-06-01"


PROFILES: dict[str, MercuryProfile] = {
    p.key: p for p in (
        MercuryProfile("mercury-185f", "Меркурий-185Ф", 185, "0106001", "185F v2.1", "185F"),
        MercuryProfile("mercury-115f", "Меркурий-115Ф", 115, "0115001", "185F v2.1", "185F"),
        MercuryProfile("mercury-119f", "Меркурий-119Ф", 119, "0119001", "119F v1.4", "119F"),
        MercuryProfile("mercury-msk", "Меркурий MS-K", 1, "0681961", "1.0 MSK B5.6.6", "185F", goods_name=40,
                       line_width=40),
    )
}
DEFAULT_PROFILE = "mercury-185f"
