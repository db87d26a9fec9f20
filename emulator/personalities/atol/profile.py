"""Models the ATOL personality can present (data only; behaviour lives in the personality)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class AtolProfile:
    """One emulated model. ``model`` is the code returned by ``3F``/``A5`` (libfptr10 model list)."""

    key: str
    name: str
    model: int
    serial_number: int = 106001
    firmware: bytes = b"\x05\x01"
    version: bytes = bytes.fromhex("0500002100")
    line_width: int = 48
    interface: int = 4  # 1 RS-232, 4 USB, 6 Ethernet
    #: seconds a report prints after 5A / 67 (the sub-mode x.2); a real register takes several [inferred]
    report_seconds: float = 0.2
    #: dots per line of the printing head (register 24) [inferred: 8 dots per character of the first font]
    line_pixels: int = 384


PROFILES: dict[str, AtolProfile] = {
    p.key: p for p in (
        AtolProfile("atol-30f", "АТОЛ 30Ф", 61, line_width=32),
        AtolProfile("atol-55f", "АТОЛ 55Ф", 62, line_width=48),
        AtolProfile("atol-1f", "АТОЛ 1Ф", 93, line_width=32),
        AtolProfile("atol-kaznachey", "Казначей ФА", 76, line_width=48),
    )
}
DEFAULT_PROFILE = "atol-30f"
