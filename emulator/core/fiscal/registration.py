"""Registration parameters: checks (03h/A3h answer codes) and the requisites of reports 1 / 11 / 6.

Which requisites the report carries follows the FFD tables (research §1.6) and the mode byte
mapping of v1.2.06 Tables 37/38/51: in FFD 1.05 mode the flags become their own tags (1001, 1002,
1056, 1108, 1109, 1110, 1126, 1193, 1207, 1221); in FFD 1.2 mode the usage flags are bits of
1290 and the drive adds 1190 «версия ФФД ФН» and 1213 «ресурс ключей ФП».

Re-registration reasons: FFD 1.05 writes one 1101 code (2 смена ОФД, 3 смена реквизитов
пользователя, 4 смена настроек ККТ; 1 «замена ФН» is set by the drive itself for the replacement
report — v1.2.06 Table 39). FFD 1.2 writes the 1205 bit mask; its bit meanings are not in our
sources, and bit 0 is taken as «замена ФН» [inferred, from the FFD 1.2 table as remembered, not
verified].
"""

from __future__ import annotations

from typing import Final

from kkt_drivers.ffd import UsageConditions

from .documents import Body
from .errors import Code, FnError
from .model import Registration, rnm_checksum

__all__ = [
    "FFD_CODES",
    "REASON_FN_REPLACEMENT_1101",
    "REASON_FN_REPLACEMENT_1205",
    "check_reasons",
    "check_registration",
    "registration_body",
]

#: 1209 code of each FFD mode.
FFD_CODES: Final = {"1.05": 2, "1.2": 4}
REASON_FN_REPLACEMENT_1101: Final = 1
REASON_FN_REPLACEMENT_1205: Final = 1 << 0  # [inferred]
_TAXATION_BITS: Final = 0x3F  # Table 36: bits 0..5
_NO_OFD_INN: Final = "000000000000"


def _digits(text: str, *lengths: int) -> bool:
    return text.isascii() and text.isdigit() and len(text) in lengths


def check_registration(reg: Registration, ffd: str, command: str) -> None:
    """The drive's checks of the registration parameters.

    0Ah when 1209 does not match the FFD mode (Table 53); 09h for a malformed INN, RNM (checksum
    included, Table 41), tax-system mask or OFD INN; 3Ch when a mandatory text is empty [inferred].
    """
    if FFD_CODES[ffd] != reg.ffd_version:
        raise FnError(Code.BAD_COMMAND, f"1209={reg.ffd_version} does not match the drive's FFD {ffd} mode",
                      tag=1209, command=command)
    inn = reg.inn.strip()
    if not _digits(inn, 10, 12):
        raise FnError(Code.BAD_PARAMETER, f"INN {reg.inn!r} must have 10 or 12 digits", tag=1018, command=command)
    rnm = reg.rnm.strip()
    if not _digits(rnm, 16) or int(rnm[10:]) != rnm_checksum(rnm[:10], inn, reg.kkt_serial):
        raise FnError(Code.BAD_PARAMETER, f"RNM {reg.rnm!r} is not 16 digits with a valid checksum",
                      tag=1037, command=command)
    if not 0 < reg.taxation <= _TAXATION_BITS:
        raise FnError(Code.BAD_PARAMETER, f"tax-system mask {reg.taxation:#x} is outside bits 0..5",
                      tag=1062, command=command)
    if not reg.autonomous and not _digits(reg.ofd_inn.strip(), 10, 12):
        raise FnError(Code.BAD_PARAMETER, f"OFD INN {reg.ofd_inn!r} must have 10 or 12 digits",
                      tag=1017, command=command)
    if reg.marking and ffd != "1.2":
        raise FnError(Code.BAD_PARAMETER, "marked goods need FFD 1.2 (v1.2.06 §4.10.1)", tag=1290, command=command)
    for tag, text in ((1048, reg.user_name), (1013, reg.kkt_serial), (1009, reg.address), (1187, reg.place)):
        if not text.strip():
            raise FnError(Code.MISSING_REQUISITES, f"requisite {tag} is empty", tag=tag, command=command)


def check_reasons(reasons: int, ffd: str, command: str) -> None:
    """09h for a re-registration reason the KKT may not give (see the module docstring)."""
    if ffd == "1.05":
        if reasons not in (2, 3, 4):
            raise FnError(Code.BAD_PARAMETER, f"1101 reason must be 2, 3 or 4, got {reasons}", tag=1101,
                          command=command)
    elif not 0 < reasons <= 0xFFFF_FFFF or reasons & REASON_FN_REPLACEMENT_1205:
        raise FnError(Code.BAD_PARAMETER, f"1205 reasons {reasons:#x} must be a non-zero uint32 without "
                      "the «замена ФН» bit", tag=1205, command=command)


def _usage_conditions(reg: Registration) -> int:
    bits = UsageConditions(0)
    for flag, bit in ((reg.printer_in_machine, UsageConditions.PRINTER_IN_MACHINE),
                      (reg.bso, UsageConditions.BSO_AUTOMATED_SYSTEM),
                      (reg.internet, UsageConditions.INTERNET),
                      (reg.excise, UsageConditions.EXCISE_GOODS),
                      (reg.services, UsageConditions.SERVICES),
                      (reg.gambling, UsageConditions.GAMBLING),
                      (reg.lottery, UsageConditions.LOTTERY),
                      (reg.marking, UsageConditions.MARKED_GOODS)):
        if flag:
            bits |= bit
    return int(bits)


def registration_body(
    body: Body, reg: Registration, cashier: str, *, key_days: int, reason: int | None
) -> None:
    """Requisites of a registration (reason None) or re-registration report, minus 1040/1041/1012/1077."""
    body.add(1048, reg.user_name)
    body.add(1018, reg.inn.strip())
    body.add(1037, reg.rnm.strip())
    body.add(1013, reg.kkt_serial)
    body.add(1009, reg.address)
    body.add(1187, reg.place)
    body.add(1062, reg.taxation)
    body.add(1017, _NO_OFD_INN if reg.autonomous else reg.ofd_inn.strip())
    body.add_if(1046, reg.ofd_name)
    body.add_if(1060, reg.fns_site)
    body.add_if(1117, reg.sender_email)
    body.add_if(1036, reg.machine_number)
    body.add(1002, int(reg.autonomous))
    body.add(1056, int(reg.encryption))
    body.add(1001, int(reg.automatic))
    body.add(1188, reg.kkt_version)
    body.add(1189, reg.ffd_version)
    body.add_if(1021, cashier)
    body.add(1213, max(0, min(key_days, 0xFFFF)))
    if body.ffd == "1.05":
        for tag, flag in ((1108, reg.internet), (1109, reg.services), (1110, reg.bso), (1193, reg.gambling),
                          (1126, reg.lottery), (1207, reg.excise), (1221, reg.printer_in_machine)):
            body.add(tag, int(flag))
        if reason is not None:
            body.add(1101, reason)
    else:
        body.add(1290, _usage_conditions(reg))
        body.add(1190, FFD_CODES["1.2"])
        if reason is not None:
            body.add(1205, reason)
