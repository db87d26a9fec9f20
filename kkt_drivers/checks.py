"""Check digits and shapes of the numbers a register works with: ИНН, РНМ, ФН number, e-mail, phone.

Each check returns ``None`` when the value is right, else the reason as ``(English, Russian)``, so that
validation can name the field and the rule in both languages.
"""

from __future__ import annotations

import re

from .protocols.fn.frame import crc16

Reason = tuple[str, str]

_INN10 = (2, 4, 10, 3, 5, 9, 4, 6, 8)
_INN12_11 = (7, 2, 4, 10, 3, 5, 9, 4, 6, 8)
_INN12_12 = (3, 7, 2, 4, 10, 3, 5, 9, 4, 6, 8)
_EMAIL = re.compile(r"^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]{1,64}@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
                    r"(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+$")
_PHONE = re.compile(r"^\+?\d{10,15}$")


def _weighted(digits: str, weights: tuple[int, ...]) -> int:
    return sum(int(d) * w for d, w in zip(digits, weights, strict=False)) % 11 % 10


def inn_problem(inn: str, *, lengths: tuple[int, ...] = (10, 12)) -> Reason | None:
    """ИНН: 10 digits (an organisation) or 12 (a person or sole trader) with the FNS check digits."""
    if not isinstance(inn, str) or not inn.isascii() or not inn.isdigit() or len(inn) not in lengths:
        size = " or ".join(map(str, lengths))
        size_ru = " или ".join(map(str, lengths))
        return f"must be {size} digits, got {inn!r}", f"должен состоять из {size_ru} цифр, получено {inn!r}"
    if len(inn) == 10:
        ok = _weighted(inn, _INN10) == int(inn[9])
    else:
        ok = _weighted(inn, _INN12_11) == int(inn[10]) and _weighted(inn, _INN12_12) == int(inn[11])
    if not ok:
        return f"{inn} fails the INN check digits", f"{inn}: неверные контрольные цифры ИНН"
    if set(inn) == {"0"}:
        return "an INN of zeros is not an INN", "ИНН из одних нулей недопустим"
    return None


def rnm_checksum(head: str, inn: str, kkt_serial: str) -> int:
    """The last six digits of an РНМ: CRC-16/CCITT-FALSE of the first ten, the INN padded to 12 and the KKT
    serial number padded to 20 (the published algorithm, verified on a real sample by the emulator's tests)."""
    text = head + inn.strip().rjust(12, "0") + kkt_serial.strip().rjust(20, "0")
    return crc16(text.encode("ascii", "replace"))


def rnm_problem(rnm: str, inn: str | None = None, kkt_serial: str | None = None) -> Reason | None:
    """РНМ (1037): 16 digits; with the INN and the KKT serial number known, its check digits too."""
    if not isinstance(rnm, str) or not rnm.isascii() or not rnm.isdigit() or len(rnm) != 16:
        return f"must be 16 digits, got {rnm!r}", f"должен состоять из 16 цифр, получено {rnm!r}"
    if inn is not None and kkt_serial is not None and int(rnm[10:]) != rnm_checksum(rnm[:10], inn, kkt_serial):
        return (f"{rnm} fails its check digits for INN {inn} and KKT serial number {kkt_serial}",
                f"{rnm}: неверные контрольные цифры для ИНН {inn} и заводского номера ККТ {kkt_serial}")
    return None


def fn_number_problem(number: str) -> Reason | None:
    """Номер ФН (1041): 16 digits. No check-digit algorithm for it is published [inferred: only the shape]."""
    if not isinstance(number, str) or not number.isascii() or not number.isdigit() or len(number) != 16:
        return f"must be 16 digits, got {number!r}", f"должен состоять из 16 цифр, получено {number!r}"
    return None


def email_problem(email: str, limit: int = 64) -> Reason | None:
    if not isinstance(email, str) or len(email) > limit or not _EMAIL.match(email):
        return (f"not an e-mail address (at most {limit} characters): {email!r}",
                f"не адрес электронной почты (не более {limit} символов): {email!r}")
    return None


def phone_digits(phone: str) -> str | None:
    """``8 912 345-67-89`` / ``+7 (912) 345 67 89`` → ``+79123456789`` (FFD wants the leading +); ``None``
    when it is not a phone number."""
    if not isinstance(phone, str):
        return None
    digits = re.sub(r"[\s\-()]", "", phone)
    if not _PHONE.match(digits):
        return None
    if digits.startswith("+"):
        return digits
    if len(digits) == 11 and digits[0] == "8":
        return "+7" + digits[1:]
    return "+" + digits
