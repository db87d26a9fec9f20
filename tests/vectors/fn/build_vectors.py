"""Write the ФН golden vectors (tests/vectors/fn/*.json) from the tables of the official text.

The official FNS text v1.2.06 gives byte examples only for its data types (Table 190), so every
frame here is computed field by field from the command tables. This script deliberately does not
import kkt_drivers: it packs fields with ``struct`` and computes the CRC with a bit-by-bit loop, so
the vectors are an independent check of the codec. Run it from the repository root:

    .venv/bin/python tests/vectors/fn/build_vectors.py
"""

from __future__ import annotations

import json
import struct
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
DOC = "FNS «Описание протокола информационного обмена между ККТ и ФН», v1.2.06 of 03.07.2023"
DOC_V11 = "FNS «Протокол информационного обмена между ФН и ККТ», v1.1 of 05.05.2016"
COMPUTED = "computed-from-spec"


# -- independent field encoders -------------------------------------------------------------------

def crc16_ccitt_false(data: bytes) -> int:
    crc = 0xFFFF
    for byte in data:
        crc ^= byte << 8
        for _ in range(8):
            crc = ((crc << 1) ^ 0x1021) if crc & 0x8000 else (crc << 1)
            crc &= 0xFFFF
    return crc


def frame(code: int, data: bytes = b"") -> bytes:
    body = struct.pack("<HB", len(data) + 1, code) + data
    return b"\x04" + body + struct.pack("<H", crc16_ccitt_false(body))


def u8(v: int) -> bytes:
    return struct.pack("<B", v)


def u16(v: int) -> bytes:
    return struct.pack("<H", v)


def u32(v: int) -> bytes:
    return struct.pack("<I", v)


def u40(v: int) -> bytes:
    return struct.pack("<Q", v)[:5]


def u48(v: int) -> bytes:
    return struct.pack("<Q", v)[:6]


def dt5(y: int, mo: int, d: int, h: int, mi: int) -> bytes:
    return bytes((y - 2000, mo, d, h, mi))


def d3(y: int, mo: int, d: int) -> bytes:
    return bytes((y - 2000, mo, d))


def text(s: str, width: int, pad: bytes = b"\x00") -> bytes:
    raw = s.encode("cp866")
    assert len(raw) <= width
    return raw + pad * (width - len(raw))


def sp(s: str, width: int) -> bytes:
    return text(s, width, b" ")


def tlv(tag: int, value: bytes) -> bytes:
    return struct.pack("<HH", tag, len(value)) + value


# -- sample values ----------------------------------------------------------------------------------

DT = dt5(2024, 5, 1, 12, 30)
DT_J = "2024-05-01T12:30"
DT2 = dt5(2024, 5, 1, 18, 5)
DT2_J = "2024-05-01T18:05"
FN_NUMBER = "9999078900005488"
INN, RNM, OFD_INN = "7702203276", "0000000005008570", "7704358518"
FISCAL_SIGN = 0xDEADBEEF
ZERO_DT = bytes(5)


def vec(command: int, direction: str, name: str, fields: dict[str, Any], data: bytes, where: str,
        *, code: int | None = None) -> dict[str, Any]:
    """A request (``code`` is the command) or a successful answer (``code`` 00h by default)."""
    wire_code = command if direction == "request" else (0 if code is None else code)
    return {
        "name": name,
        "command": f"{command:02X}",
        "direction": direction,
        "kind": COMPUTED,
        "source": f"{DOC}, {where}",
        "fields": fields,
        "data_hex": data.hex(" "),
        "frame_hex": frame(wire_code, data).hex(" "),
    }


def req(command: int, name: str, fields: dict[str, Any], data: bytes, where: str) -> dict[str, Any]:
    return vec(command, "request", name, fields, data, where)


def ans(command: int, name: str, fields: dict[str, Any], data: bytes, where: str, *,
        warning: bool = False) -> dict[str, Any]:
    return vec(command, "answer", name, fields, data, where, code=0x80 if warning else 0)


# -- counters (36h–39h) -----------------------------------------------------------------------------

def op_counters(seed: int) -> tuple[dict[str, int], bytes]:
    names = ["total", "cash", "electronic", "prepayment", "credit", "counter_provision", "vat_18",
             "vat_10", "total_vat_0", "total_no_vat", "vat_18_118", "vat_10_110"]
    fields = {"count": seed}
    data = u32(seed)
    for i, n in enumerate(names):
        fields[n] = seed * 1000 + i
        data += u48(seed * 1000 + i)
    return fields, data


def correction_counters() -> tuple[dict[str, int], bytes]:
    fields = {"count": 4}
    data = u32(4)
    for i, n in enumerate(["income", "income_return", "expense", "expense_return"]):
        fields[f"{n}_count"] = 1
        fields[f"{n}_total"] = 10_000 * (i + 1)
        data += u32(1) + u48(10_000 * (i + 1))
    return fields, data


def counters_vectors() -> list[dict[str, Any]]:
    out = [req(0x36, "counters: shift", {"counter_type": 0}, u8(0), "§4.2.1 Table 15")]
    fields: dict[str, Any] = {"shift_number": 7, "operations": 20}
    data = u16(7) + u32(20)
    for i, n in enumerate(["income", "income_return", "expense", "expense_return"]):
        f, d = op_counters(i + 1)
        fields[n] = f
        data += d
    f, d = correction_counters()
    fields["corrections"] = f
    data += d
    assert len(data) == 2 + 4 + 4 * 76 + 44
    out.append(ans(0x36, "counters", fields, data, "§4.2.1 Tables 16–18"))

    out.append(req(0x37, "operation counters: FN", {"counter_type": 1}, u8(1), "§4.2.2 Table 19"))
    names = ["receipts", "income", "income_return", "expense", "expense_return", "corrections",
             "correction_income", "correction_income_return", "correction_expense",
             "correction_expense_return"]
    fields = {"shift_number": 12}
    data = u16(12)
    for i, n in enumerate(names):
        fields[n] = 100 - i
        data += u32(100 - i)
    out.append(ans(0x37, "operation counters", fields, data, "§4.2.2 Table 20"))

    out.append(req(0x38, "counters by type", {"counter_type": 0, "operation": 2}, u8(0) + u8(2),
                   "§4.2.3 Table 21"))
    f, d = op_counters(9)
    out.append(ans(0x38, "counters by type", {"counters": f, "correction_count": 2, "correction_total": 777},
                   d + u32(2) + u48(777), "§4.2.3 Table 22 (with Table 17)"))

    fields = {"count": 6}
    data = u32(6)
    for i, n in enumerate(["income", "income_return", "expense", "expense_return"]):
        fields[f"{n}_count"] = i
        fields[f"{n}_total"] = 5000 * i
        data += u32(i) + u48(5000 * i)
    out += [req(0x39, "unsent totals", {}, b"", "§4.2.4"),
            ans(0x39, "unsent totals", fields, data, "§4.2.4 Table 23")]
    return out


# -- per-command vectors ----------------------------------------------------------------------------

def service_vectors() -> list[dict[str, Any]]:
    status_phase1 = {
        "phase": 1, "current_document": 0, "document_data_received": False, "shift_open": False,
        "warnings": 0, "last_document_datetime": None, "fn_number": FN_NUMBER, "last_fd_number": 0,
    }
    status_fiscal = {
        "phase": 3, "current_document": 4, "document_data_received": True, "shift_open": True,
        "warnings": 0x08, "last_document_datetime": DT_J, "fn_number": FN_NUMBER, "last_fd_number": 42,
    }
    return [
        req(0x30, "status", {}, b"", "§4.1.1.1"),
        ans(0x30, "status: new drive, stage 1", status_phase1,
            u8(1) + u8(0) + u8(0) + u8(0) + u8(0) + ZERO_DT + text(FN_NUMBER, 16) + u32(0),
            "§4.1.1 Tables 7–8"),
        ans(0x30, "status: stage 2, receipt open, OFD timeout warning", status_fiscal,
            u8(3) + u8(0x04) + u8(1) + u8(1) + u8(0x08) + DT + text(FN_NUMBER, 16) + u32(42),
            "§4.1.1 Tables 7–9; §3.4 warning bit", warning=True),
        req(0x31, "fn number", {}, b"", "§4.1.2"),
        ans(0x31, "fn number", {"fn_number": FN_NUMBER}, text(FN_NUMBER, 16), "§4.1.2 Table 10"),
        req(0x32, "validity", {}, b"", "§4.1.3"),
        ans(0x32, "validity", {"expiry_date": "2025-08-31", "registrations_left": 11, "registrations_done": 1},
            d3(2025, 8, 31) + u8(11) + u8(1), "§4.1.3 Table 11"),
        req(0x33, "version", {}, b"", "§4.1.4"),
        ans(0x33, "version", {"firmware_version": "FN-1.2 v.0212", "firmware_type": 1},
            text("FN-1.2 v.0212", 16) + u8(1), "§4.1.4 Table 12"),
        req(0x35, "last errors", {}, b"", "§4.1.5"),
        ans(0x35, "last errors", {"diagnostics": "de ad 00 01 02 03"}, bytes.fromhex("dead00010203"),
            "§4.1.5 Table 13"),
        req(0x3F, "execution", {}, b"", "§4.1.1 (3Fh)"),
        ans(0x3F, "execution", {"execution": "FN-1.2 isp. 36"}, text("FN-1.2 isp. 36", 48),
            "§4.1.1 (3Fh) Table 14"),
        *counters_vectors(),
        req(0x3A, "ffd format", {}, b"", "§4.2.5"),
        ans(0x3A, "ffd format", {"active": 4, "supported": 4}, u8(4) + u8(4), "§4.2.5 Table 24"),
        req(0x3B, "days left", {"datetime": DT_J}, DT, "§4.2.6 Table 25"),
        ans(0x3B, "days left", {"days": 365}, u16(365), "§4.2.6 Table 26"),
        req(0x3D, "free memory", {}, b"", "§4.2.7"),
        ans(0x3D, "free memory: FFD 1.1", {"documents_left": 250_000, "free_kb_30_day": 512,
                                           "notifications_fill_percent": None},
            u32(250_000) + u32(512), "§4.2.7 Table 27"),
        ans(0x3D, "free memory: FFD 1.2 with notifications", {
            "documents_left": 250_000, "free_kb_30_day": 512, "notifications_fill_percent": 3},
            u32(250_000) + u32(512) + u8(3), "§4.2.7 Table 27, note 4.2.7.3"),
        req(0xA7, "data size", {}, b"", "§4.2.8"),
        ans(0xA7, "data size: FFD 1.1", {"document_size": 1234, "notification_size": None}, u32(1234),
            "§4.2.8 Table 28"),
        ans(0xA7, "data size: FFD 1.2", {"document_size": 1234, "notification_size": 56},
            u32(1234) + u32(56), "§4.2.8 Table 28, note 4.2.8.3"),
        req(0xAB, "uart speed", {"baud_rate": 921600}, u32(921600), "§4.2.9 Table 29"),
        ans(0xAB, "uart speed", {}, b"", "§4.2.9.2"),
        {**req(0x60, "reset (v1.1 debug)", {"request_code": 0x16}, u8(0x16), ""),
         "source": f"{DOC_V11}, §4.8.1 Table 90"},
        {**ans(0x60, "reset (v1.1 debug)", {}, b"", ""), "source": f"{DOC_V11}, §4.8.1"},
    ]


def document_vectors() -> list[dict[str, Any]]:
    reg = {"datetime": DT_J, "inn": INN, "rnm": RNM, "tax_systems": 0x21, "work_mode": 0x01}
    reg_bytes = DT + sp(INN, 12) + sp(RNM, 20) + u8(0x21) + u8(0x01)
    tlvs = tlv(1009, b"Moscow, Tverskaya 1") + tlv(1187, b"Shop 1")
    doc = {"fd_number": 1, "fiscal_sign": FISCAL_SIGN}
    doc_bytes = u32(1) + u32(FISCAL_SIGN)
    return [
        req(0x06, "cancel document", {}, b"", "§4.3.2"),
        ans(0x06, "cancel document", {}, b"", "§4.3.2.2"),
        req(0x07, "send document data", {"tlv_data": tlvs.hex(" ")}, tlvs, "§4.3.3 Table 30"),
        ans(0x07, "send document data", {}, b"", "§4.3.3.2"),
        req(0x02, "begin registration (type 0)", {"report_type": 0}, u8(0), "§4.4.1 Table 32"),
        req(0x02, "begin registration (type omitted, default 0)", {"report_type": None}, b"",
            "§4.4.1 Table 32 (default value)"),
        req(0x02, "begin re-registration", {"report_type": 2}, u8(2), "§4.4.1 Table 32"),
        ans(0x02, "begin registration", {}, b"", "§4.4.1.2"),
        req(0x03, "finish registration", {**reg, "reason": None}, reg_bytes, "§4.4.2 Tables 34, 36, 37"),
        req(0x03, "finish re-registration, reason 3", {**reg, "reason": 3}, reg_bytes + u8(3),
            "§4.4.2 Tables 35, 39"),
        ans(0x03, "finish registration", doc, doc_bytes, "§4.4.2 Table 40"),
        req(0x04, "begin close fn", {}, b"", "§4.4.3"),
        ans(0x04, "begin close fn", {}, b"", "§4.4.3.2"),
        req(0x05, "close fn", {"datetime": DT_J, "rnm": RNM}, DT + sp(RNM, 20), "§4.4.4 Table 43"),
        ans(0x05, "close fn", {"fd_number": 500, "fiscal_sign": 1234567890}, u32(500) + u32(1234567890),
            "§4.4.4 Table 44"),
        req(0xA2, "begin registration FFD 1.2", {"report_type": 0, "ffd_version": 4}, u8(0) + u8(4),
            "§4.5.1 Table 46"),
        req(0xA2, "begin registration FFD 1.1 (version omitted)", {"report_type": 1, "ffd_version": None},
            u8(1), "§4.5.1 Table 46"),
        ans(0xA2, "begin registration FFD 1.1/1.2", {}, b"", "§4.5.1.2"),
        req(0xA3, "finish registration FFD 1.2 (variant 1)",
            {**reg, "extended_flags": 0x11, "ofd_inn": OFD_INN, "reason_bits": None},
            reg_bytes + u8(0x11) + sp(OFD_INN, 12), "§4.5.2 Table 48, Table 51"),
        req(0xA3, "finish re-registration FFD 1.2 (variant 2)",
            {**reg, "extended_flags": 0x00, "ofd_inn": "000000000000", "reason_bits": 0x00000002},
            reg_bytes + u8(0) + sp("000000000000", 12) + u32(2), "§4.5.2 Tables 48–49, note 4.5.2.8"),
        ans(0xA3, "finish registration FFD 1.1/1.2", doc, doc_bytes, "§4.5.2 Table 52"),
        req(0x10, "shift parameters", {}, b"", "§4.6.1"),
        ans(0x10, "shift parameters: open", {"shift_open": True, "shift_number": 7, "receipt_number": 12},
            u8(1) + u16(7) + u16(12), "§4.6.1 Table 54"),
        req(0x11, "begin open shift", {"datetime": DT_J}, DT, "§4.6.2 Table 56"),
        ans(0x11, "begin open shift", {}, b"", "§4.6.2.2"),
        req(0x12, "open shift", {}, b"", "§4.6.3.1"),
        ans(0x12, "open shift: FFD 1.05", {"shift_number": 8, "fd_number": 46, "fiscal_sign": FISCAL_SIGN,
                                          "warnings": None},
            u16(8) + u32(46) + u32(FISCAL_SIGN), "§4.6.3 Table 58"),
        ans(0x12, "open shift: FFD 1.2 with warnings", {"shift_number": 8, "fd_number": 46,
                                                        "fiscal_sign": FISCAL_SIGN, "warnings": 0x02},
            u16(8) + u32(46) + u32(FISCAL_SIGN) + u8(0x02), "§4.6.3 Table 58", warning=True),
        req(0x13, "begin close shift", {"datetime": DT2_J}, DT2, "§4.6.4 Table 60"),
        ans(0x13, "begin close shift", {}, b"", "§4.6.4.2"),
        req(0x14, "close shift", {}, b"", "§4.6.5.1"),
        ans(0x14, "close shift: FFD 1.1", {"shift_number": 8, "fd_number": 60, "fiscal_sign": 17,
                                          "warnings": 0},
            u16(8) + u32(60) + u32(17) + u8(0), "§4.6.5 Table 62"),
        req(0x15, "begin receipt", {"datetime": DT_J}, DT, "§4.6.6 Table 64"),
        ans(0x15, "begin receipt", {}, b"", "§4.6.6.2"),
        req(0x16, "finish receipt: income 1234.56", {"datetime": DT_J, "operation": 1, "total": 123456},
            DT + u8(1) + u40(123456), "§4.6.7 Table 66"),
        req(0x16, "finish receipt: expense return, 5-byte total", {"datetime": DT_J, "operation": 4,
                                                                  "total": 0xFF_FFFF_FFFF},
            DT + u8(4) + u40(0xFF_FFFF_FFFF), "§4.6.7 Table 66"),
        ans(0x16, "finish receipt", {"receipt_number": 3, "fd_number": 45, "fiscal_sign": FISCAL_SIGN},
            u16(3) + u32(45) + u32(FISCAL_SIGN), "§4.6.7 Table 67"),
        req(0x17, "begin correction", {"datetime": DT_J}, DT, "§4.6.8 Table 70"),
        ans(0x17, "begin correction", {}, b"", "§4.6.8.2"),
        req(0x18, "begin state report", {"datetime": DT_J}, DT, "§4.6.9 Table 72"),
        ans(0x18, "begin state report", {}, b"", "§4.6.9.2"),
        req(0x19, "state report", {}, b"", "§4.6.10.1"),
        ans(0x19, "state report", {"fd_number": 47, "fiscal_sign": 99, "unconfirmed_count": 2,
                                   "first_unconfirmed_date": "2024-04-30"},
            u32(47) + u32(99) + u32(2) + d3(2024, 4, 30), "§4.6.10 Table 74"),
        ans(0x19, "state report: nothing unconfirmed", {"fd_number": 48, "fiscal_sign": 100,
                                                        "unconfirmed_count": 0, "first_unconfirmed_date": None},
            u32(48) + u32(100) + u32(0) + bytes(3), "§4.6.10 Table 74 [inferred: zero date]"),
    ]


def ofd_vectors() -> list[dict[str, Any]]:
    message = bytes.fromhex("2a08410a81a2000101") + bytes(20)
    stlv = tlv(1068, tlv(1069, b"Hello"))
    return [
        req(0x20, "ofd status", {}, b"", "§4.7.1"),
        ans(0x20, "ofd status", {"flags": 0x03, "message_reading": False, "queue_length": 2,
                                 "first_document_number": 44, "first_document_datetime": DT_J},
            u8(0x03) + u8(0) + u16(2) + u32(44) + DT, "§4.7.1 Table 76"),
        req(0x21, "transport up", {"connected": True}, u8(1), "§4.7.2 Table 78"),
        ans(0x21, "transport status", {}, b"", "§4.7.2.2"),
        req(0x22, "begin ofd read", {}, b"", "§4.7.3"),
        ans(0x22, "begin ofd read", {"message_length": 300}, u16(300), "§4.7.3 Table 80"),
        req(0x23, "read ofd block", {"offset": 256, "length": 256}, u16(256) + u16(256), "§4.7.4 Table 82"),
        ans(0x23, "read ofd block", {"block": message.hex(" ")}, message, "§4.7.4 Table 83"),
        req(0x24, "cancel ofd read", {}, b"", "§4.7.5"),
        ans(0x24, "cancel ofd read", {}, b"", "§4.7.5.2"),
        req(0x25, "finish ofd read", {}, b"", "§4.7.5.4"),
        ans(0x25, "finish ofd read", {}, b"", "§4.7.5.6"),
        req(0x26, "ofd ticket", {"message": message.hex(" ")}, message, "§4.7.6 Table 87"),
        ans(0x26, "ofd ticket: accepted, no message", {"ofd_answer_code": 0, "operator_message": ""}, u8(0),
            "§4.7.6 Table 88"),
        ans(0x26, "ofd ticket: accepted, operator message", {"ofd_answer_code": 0,
                                                             "operator_message": stlv.hex(" ")},
            u8(0) + stlv, "§4.7.6 Table 88"),
    ]


def archive_vectors() -> list[dict[str, Any]]:
    head = {"datetime": DT_J, "fd_number": 1, "fiscal_sign": FISCAL_SIGN}
    head_b = DT + u32(1) + u32(FISCAL_SIGN)
    reg = {"inn": INN, "rnm": RNM, "tax_systems": 0x01, "work_mode": 0x00}
    reg_b = sp(INN, 12) + sp(RNM, 20) + u8(0x01) + u8(0x00)
    ext = {"extended_flags": 0x01, "ofd_inn": OFD_INN}
    ext_b = u8(0x01) + sp(OFD_INN, 12)
    sign18 = bytes(range(1, 19))

    def found(doc_type: int, received: bool, record: Any, data: bytes, where: str, name: str) -> dict[str, Any]:
        return ans(0x40, name, {"document_type": doc_type, "ticket_received": received, "record": record},
                   u8(doc_type) + u8(int(received)) + data, where)

    signed_base = {"document_type": 3, "datetime": DT_J, "fd_number": 45, "fiscal_sign": FISCAL_SIGN,
                   "operation": 1, "total": 123456, "archive_sign": bytes(range(12)).hex(" ")}
    signed_base_b = u8(3) + DT + u32(45) + u32(FISCAL_SIGN) + u8(1) + u40(123456) + bytes(range(12))
    sums = ["cash", "electronic", "prepayment", "credit", "counter_provision", "vat_18", "vat_10",
            "total_vat_0", "total_no_vat", "vat_18_118", "vat_10_110"]
    sums_f = {n: (123456 if n == "cash" else 0) for n in sums}
    sums_b = b"".join(u40(sums_f[n]) for n in sums)
    item = tlv(1059, tlv(1212, u8(1)) + tlv(1214, u8(4)) + tlv(1023, b"\x00\x01") + tlv(1043, u32(123456)))
    v1192 = text("ADDITIONAL-1192", 16)

    return [
        req(0x40, "find document 1", {"fd_number": 1}, u32(1), "§4.8.1 Table 91"),
        found(1, True, {**head, **reg}, head_b + reg_b, "§4.8.1 Table 92; §5.1.1 Table 180",
              "find: registration FFD 1.0"),
        found(1, True, {**head, **reg, **ext}, head_b + reg_b + ext_b, "§5.1.2 Table 181",
              "find: registration FFD 1.1"),
        found(11, False, {**head, **reg, "reason": 2}, head_b + reg_b + u8(2), "§5.1.3 Table 182",
              "find: re-registration FFD 1.0"),
        found(11, False, {**head, **reg, **ext, "reason_bits": 0x100}, head_b + reg_b + ext_b + u32(0x100),
              "§5.1.4 Table 183", "find: re-registration FFD 1.1"),
        found(3, True, {**head, "operation": 1, "total": 123456}, head_b + u8(1) + u40(123456),
              "§5.1.5 Table 184", "find: receipt"),
        found(31, False, {**head, "operation": 3, "total": 500}, head_b + u8(3) + u40(500),
              "§5.1.5 Table 184", "find: correction receipt"),
        found(2, True, {**head, "shift_number": 8}, head_b + u16(8), "§5.1.6 Table 185", "find: open shift"),
        found(5, True, {**head, "shift_number": 8}, head_b + u16(8), "§5.1.7 Table 186", "find: close shift"),
        found(6, False, {**head, "inn": INN, "rnm": RNM}, head_b + sp(INN, 12) + sp(RNM, 20),
              "§5.1.8 Table 187", "find: close FN"),
        found(21, False, {**head, "unconfirmed_count": 3, "first_unconfirmed_date": "2024-04-28"},
              head_b + u32(3) + d3(2024, 4, 28), "§5.1.9 Table 188", "find: state report"),
        found(7, True, {"datetime": DT_J, "operator_sign": sign18.hex(" "), "fd_number": 45},
              DT + sign18 + u32(45), "§5.1.10 Table 189", "find: operator confirmation"),
        found(81, False, "01 02 03", bytes((1, 2, 3)), "§4.8.1 Table 92 (type without appendix layout)",
              "find: marking request kept raw"),
        req(0x41, "ofd ticket by number", {"fd_number": 45}, u32(45), "§4.8.2 Table 94"),
        ans(0x41, "ofd ticket by number", {"datetime": DT2_J, "operator_sign": sign18.hex(" "), "fd_number": 45},
            DT2 + sign18 + u32(45), "§4.8.2 Table 95; §5.1.10 Table 189"),
        req(0x42, "unconfirmed count", {}, b"", "§4.8.3"),
        ans(0x42, "unconfirmed count", {"count": 5}, u16(5), "§4.8.3 Table 97"),
        req(0x43, "registration totals (variant 1)", {}, b"", "§4.8.4.1"),
        req(0x43, "registration totals (variant 2, report 2)", {"report_index": 2}, u8(2), "§4.8.5 Table 101"),
        ans(0x43, "registration totals: FFD 1.0 variant 1",
            {"datetime": DT_J, **reg, "fd_number": 1, "fiscal_sign": FISCAL_SIGN,
             "extended_flags": None, "ofd_inn": None, "reason": None},
            DT + reg_b + u32(1) + u32(FISCAL_SIGN), "§4.8.4 Table 98"),
        ans(0x43, "registration totals: FFD 1.1 variant 1",
            {"datetime": DT_J, **reg, "fd_number": 1, "fiscal_sign": FISCAL_SIGN, **ext, "reason": None},
            DT + reg_b + ext_b + u32(1) + u32(FISCAL_SIGN), "§4.8.4 Table 99"),
        ans(0x43, "registration totals: FFD 1.0 variant 2",
            {"datetime": DT_J, **reg, "fd_number": 9, "fiscal_sign": 5,
             "extended_flags": None, "ofd_inn": None, "reason": 4},
            DT + reg_b + u8(4) + u32(9) + u32(5), "§4.8.5 Table 102"),
        ans(0x43, "registration totals: FFD 1.1/1.2 variant 2",
            {"datetime": DT_J, **reg, "fd_number": 9, "fiscal_sign": 5, **ext, "reason": 0x0000_0004},
            DT + reg_b + ext_b + u32(4) + u32(9) + u32(5), "§4.8.5 Table 103"),
        req(0x44, "registration parameter 1009", {"tag": 1009}, u16(1009), "§4.8.6 Table 105"),
        req(0x44, "registration parameter, report 1, all", {"report_index": 1, "tag": 0xFFFF},
            u8(1) + u16(0xFFFF), "§4.8.7 Table 108"),
        ans(0x44, "registration parameter", {"tlv": tlv(1009, b"Moscow").hex(" ")}, tlv(1009, b"Moscow"),
            "§4.8.6 Table 106"),
        ans(0x44, "registration parameter: FFFFh accepted", {"tlv": ""}, b"", "§4.8.7.3"),
        req(0x45, "document tlv info", {"fd_number": 45}, u32(45), "§4.8.8 Table 111"),
        ans(0x45, "document tlv info", {"document_type": 3, "length": 250}, u16(3) + u16(250),
            "§4.8.8 Table 112"),
        req(0x46, "read document tlv", {}, b"", "§4.8.9.1"),
        ans(0x46, "read document tlv", {"tlv": tlv(1040, u32(45)).hex(" ")}, tlv(1040, u32(45)),
            "§4.8.9 Table 114"),
        req(0x47, "read registration tlv", {}, b"", "§4.8.10.1"),
        ans(0x47, "read registration tlv", {"tlv": tlv(1018, sp(INN, 12)).hex(" ")}, tlv(1018, sp(INN, 12)),
            "§4.8.10 Table 116"),
        req(0x50, "find document signed", {"fd_number": 45}, u32(45), "§4.9.1 Table 118"),
        ans(0x50, "find document signed: format 0",
            {"format": 0, "document": {"document_type": 3, "ticket_received": True,
                                       "record": {**head, "operation": 1, "total": 123456}}},
            u8(0) + u8(3) + u8(1) + head_b + u8(1) + u40(123456), "§4.9.1 Table 119 (format 0 = 40h)"),
        ans(0x50, "find document signed: format 1, no 1192",
            {"format": 1, "document": {"has_1192": False, **signed_base, **sums_f, "additional_1192": None,
                                       "tail": item.hex(" ")}},
            u8(1) + u8(0) + signed_base_b + sums_b + item, "§4.9.1 Tables 119–120"),
        ans(0x50, "find document signed: format 2, with 1192",
            {"format": 2, "document": {"has_1192": True, **signed_base, **sums_f,
                                       "additional_1192": v1192.hex(" "), "tail": item.hex(" ")}},
            u8(2) + u8(1) + signed_base_b + sums_b + v1192 + item, "§4.9.1 Tables 119, 121"),
    ]


def marking_vectors() -> list[dict[str, Any]]:
    """B0h–B7h (§4.10): marked goods."""
    gs = b"\x1d"
    code = b"010460123456789321ABCDEFGHIJKLM" + gs + b"91EE06" + gs + b"92" + b"A" * 44
    request_tlv = tlv(2003, u8(1)) + tlv(2102, u8(0))
    block = bytes.fromhex("2a00 1d3e") + tlv(2001, u32(7))  # length, CRC (not checked by the codec), TLVs
    item_data = tlv(2007, tlv(2000, code) + tlv(2100, u8(4)) + tlv(2110, u8(1)) + tlv(2102, u8(0)))
    item = tlv(1059, tlv(1079, u8(100)) + tlv(1023, bytes((0, 1))) + tlv(1043, u8(100)))
    return [
        req(0xB0, "marking status", {}, b"", "§4.10.1.1"),
        req(0xB0, "marking status, variant 2", {"subcode": 0}, u8(0), "§4.10.1.4 Table 125"),
        ans(0xB0, "marking status: code sent, one result kept", {
            "check_state": 2, "notification_state": 1, "allowed_commands": 0x0F, "saved_results": 1,
            "codes_in_notification": 1, "storage_warning": 0, "notifications_queued": 3},
            u8(2) + u8(1) + u8(0x0F) + u8(1) + u8(1) + u8(0) + u16(3), "§4.10.1.2 Tables 123–124"),
        ans(0xB0, "marking status, variant 2: request may be skipped", {"no_request_allowed": True}, u8(1),
            "§4.10.1.5 Table 126"),
        req(0xB1, "check a code with a 44-character crypto code", {
            "code_type": 4, "code": code.hex(" "), "offset_91": 32, "offset_92": 39},
            u8(4) + u8(len(code)) + code + u8(32) + u8(39), "§4.10.2.1 Table 127"),
        req(0xB1, "check a code the drive does not check", {"code_type": 0, "code": b"ABC-123".hex(" ")},
            u8(0) + u8(7) + b"ABC-123", "§4.10.2.1 Table 127"),
        ans(0xB1, "checked, positive", {"check_result": 3, "reason": 0}, u8(3) + u8(0), "§4.10.2.2 Table 128"),
        req(0xB2, "keep the result", {"save": True}, u8(1), "§4.10.3.1 Table 130"),
        ans(0xB2, "kept: 2106 = 15", {"product_check_result": 15}, u8(15), "§4.10.3.2 Table 131"),
        ans(0xB2, "dropped: no data", {}, b"", "§4.10.3.2"),
        req(0xB3, "clear results", {}, b"", "§4.10.4.1"),
        ans(0xB3, "clear results", {}, b"", "§4.10.4.2"),
        req(0xB5, "form a request", {"datetime": DT_J, "tlv_data": request_tlv.hex(" ")}, DT + request_tlv,
            "§4.10.5.1 Table 134"),
        req(0xB5, "read the request again", {}, b"", "§4.10.5.2"),
        ans(0xB5, "request block", {"request": block.hex(" ")}, block, "§4.10.5.3 Table 135"),
        req(0xB6, "pass the answer", {"response": block.hex(" ")}, block, "§4.10.6.1 Table 137"),
        ans(0xB6, "answer processed", {"product_check_result": 15, "tlv_data": tlv(2109, u8(1)).hex(" ")},
            u8(15) + tlv(2109, u8(1)), "§4.10.6.2 Table 138"),
        req(0xB7, "step 1: 2007", {"step": 1, "tlv_data": item_data.hex(" ")}, u8(1) + item_data,
            "§4.10.7.3 Table 141"),
        req(0xB7, "step 2: 1059", {"step": 2, "tlv_data": item.hex(" ")}, u8(2) + item, "§4.10.7.3 Table 141"),
        ans(0xB7, "accepted", {}, b"", "§4.10.7.4"),
    ]


# -- frames, errors, data types, CRC ----------------------------------------------------------------

def frame_vectors() -> list[dict[str, Any]]:
    def f(name: str, code: int, data: bytes, where: str, **extra: Any) -> dict[str, Any]:
        return {"name": name, "kind": COMPUTED, "source": f"{DOC}, {where}", "code": code,
                "data_hex": data.hex(" "), "frame_hex": frame(code, data).hex(" "), **extra}

    return [
        {**f("status request 30h", 0x30, b"", "§3.2 Table 2"),
         "also_in": "protocol-research/ffd_fn.md §2.1 (04 01 00 30 FF CD)"},
        f("empty success answer", 0x00, b"", "§3.3 Table 3"),
        f("success answer with warning bit", 0x80, b"", "§3.4", answer_code=0, warning=True),
        f("answer 02h (another state)", 0x02, b"", "§3.4.2 Table 5", answer_code=2, warning=False),
        f("answer 0Bh with tag 1041", 0x0B, u16(1041), "§3.4.2 Table 5 (0Bh: tag Uint16 LE)",
          answer_code=0x0B, tag=1041),
        f("answer 0Dh: cash and electronic received", 0x0D, u8(0x03), "§4.6.7.4 Table 69",
          answer_code=0x0D, payments=3),
        f("answer 20h reason 5 (bad CRC), warning bit", 0xA0, u8(5), "§4.7.6.4 Table 90",
          answer_code=0x20, warning=True, reject_reason=5),
        f("request with data containing 04h", 0x07, tlv(0x0404, b"\x04\x04\x04"), "§3.2 (no stuffing)"),
        f("maximal request (1536 data bytes)", 0x26, bytes(range(256)) * 6, "§3.1, §2.4"),
    ]


def datatype_vectors() -> list[dict[str, Any]]:
    where = f"{DOC}, §5.5 Table 190 (Пример column)"
    return [
        {"type": "DATE_TIME", "value": "2015-07-20T18:33", "hex": "0f 07 14 12 21", "kind": "spec-example",
         "source": where},
        {"type": "DATE", "value": "2015-07-20", "hex": "0f 07 14", "kind": "spec-example", "source": where},
        {"type": "Uint16", "value": 1234, "hex": "d2 04", "kind": "spec-example", "source": where},
        {"type": "Uint32", "value": 12345678, "hex": "4e 61 bc 00", "kind": "spec-example", "source": where},
        {"type": "BCD", "value": 12345678, "hex": "12 34 56 78", "kind": "spec-example", "source": where,
         "note": "BCD appears in Table 190 but in no v1.2.06 command layout we implement"},
        {"type": "Uint40", "value": 123456, "hex": u40(123456).hex(" "), "kind": COMPUTED,
         "source": f"{DOC}, §4.6.7 Table 66 (Uint40, LE)"},
        {"type": "Uint48", "value": 0x0102030405, "hex": u48(0x0102030405).hex(" "), "kind": COMPUTED,
         "source": f"{DOC}, §4.2.1 Table 17 (Uint48, LE, 6 bytes; Table 190 says length 8)"},
        {"type": "ASCII16", "value": FN_NUMBER, "hex": text(FN_NUMBER, 16).hex(" "), "kind": COMPUTED,
         "source": f"{DOC}, §4.1.2 Table 10"},
        {"type": "RNM20", "value": RNM, "hex": sp(RNM, 20).hex(" "), "kind": COMPUTED,
         "source": f"{DOC}, §4.4.2 Table 34 (padded with spaces on the right)"},
        {"type": "RNM20", "value": "0000111133334444", "input": "111133334444",
         "hex": sp("0000111133334444", 20).hex(" "), "kind": COMPUTED,
         "source": f"{DOC}, §4.5.2.7 note 4 (zero-pad left to 16, space-pad right to 20); the text's own "
                   "byte array for this example is garbled, so the bytes are computed from the rule"},
    ]


def crc_vectors() -> dict[str, Any]:
    return {
        "algorithm": {"name": "CRC-16/CCITT-FALSE", "poly": "0x1021", "init": "0xFFFF", "refin": False,
                      "refout": False, "xorout": "0x0000",
                      "covers": "LEN, CMD/ANSWER and DATA (every byte but MSG_START)", "byte_order": "LE",
                      "source": f"{DOC}, §3.1–3.3 Tables 2–3 (polynomial, coverage, LE); init 0xFFFF from "
                                "§4.10.5.3 of the same text and from the moguchev/KKM drive model [inferred]"},
        "vectors": [
            {"input_ascii": "123456789", "crc": "0x29B1", "kind": "standard-check-value",
             "source": "CRC RevEng catalogue, CRC-16/IBM-3740 (alias CRC-16/CCITT-FALSE), check value"},
            {"input_hex": "01 00 30", "crc": f"0x{crc16_ccitt_false(bytes.fromhex('010030')):04X}",
             "kind": COMPUTED, "source": "status request body; protocol-research/ffd_fn.md §2.1 gives 0xCDFF"},
            {"input_hex": "", "crc": "0xFFFF", "kind": COMPUTED, "source": "empty input = init value"},
        ],
    }


def main() -> None:
    commands = service_vectors() + document_vectors() + ofd_vectors() + archive_vectors() + marking_vectors()
    outputs = {
        "commands.json": {"document": DOC, "kind": COMPUTED,
                          "note": "Every vector is built field by field from the command tables; the "
                                  "official text has no frame dumps. Dates are ISO strings, enums and flags "
                                  "integers, raw bytes hex.",
                          "vectors": commands},
        "frames.json": {"document": DOC, "vectors": frame_vectors()},
        "datatypes.json": {"document": DOC, "vectors": datatype_vectors()},
        "crc.json": {"document": DOC, **crc_vectors()},
    }
    for name, content in outputs.items():
        (HERE / name).write_text(json.dumps(content, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
        print(f"wrote {name}")


if __name__ == "__main__":
    main()
