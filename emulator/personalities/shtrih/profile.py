"""Models the Shtrih-M personality can present (data only; behaviour lives in the personality)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ShtrihProfile:
    """One emulated model: what FCh and 11h report.

    ``model`` is FCh's model byte. 45 (2Dh) for ШТРИХ-СМАРТПОС-Ф is captured (fr_drv_ng issue #236); 152 for
    ШТРИХ-НАНО-Ф and 250 for ШТРИХ-М-ФР-К are the vendor JavaPOS model table's (``PrinterModel*.java``); that
    ШТРИХ-М-01Ф keeps the code of its ЭКЛЗ-era predecessor ШТРИХ-М-ФР-К is **[inferred]**. The names are the ones
    pyshtrih's discovery matches (``М-01Ф``…). The serial number is the ATOL emulator's, so one registration
    (with its RNM check digits) serves both families in the shared tests.
    """

    key: str
    name: str
    model: int
    serial_number: int = 106001
    line_width: int = 48
    firmware_version: str = "C2"
    firmware_build: int = 34865
    protocol_version: int = 2  # FCh «версия протокола» 2, subversion 0, as captured from a СМАРТПОС-Ф


PROFILES: dict[str, ShtrihProfile] = {
    p.key: p for p in (
        ShtrihProfile("shtrih-m-01f", "ШТРИХ-М-01Ф", 250, line_width=48),
        ShtrihProfile("shtrih-smartpos-f", "ШТРИХ-СМАРТПОС-Ф", 45, line_width=48),
        ShtrihProfile("shtrih-nano-f", "ШТРИХ-НАНО-Ф", 152, line_width=32),
    )
}
DEFAULT_PROFILE = "shtrih-m-01f"
