"""The driver-service (JSON) side of an emulated Меркурий: what Incotex's INECRMAN answers to a program.

One JSON object in, one out, whatever carries them (raw TCP with the length prefix, or HTTP ``POST
/api.json``). Commands, fields and value encodings follow the published clients ([S1] KKTServiceLib, [S2],
[S3], [S16]); the result codes, the extension commands (GetFnDocument, the «Сервер ККТ» ones) and the
``taxSums``/``ffdVer``/``reasonCode``/``fnNum`` fields are ours [inferred] — see
:mod:`kkt_drivers.protocols.incotex.json_results` and protocol-notes/incotex/.

Sessions are the service's: OpenSession gives a key every other command must carry; an open receipt belongs
to the session that opened it. Goods-base and sales-journal reads and writes run as long operations
(GetProgress), and a goods base is checked whole before any of it is stored.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import json
import secrets
from collections import OrderedDict
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from kkt_drivers.ffd.errors import FfdError
from kkt_drivers.ffd.tlv import Tlv, encode_tlv
from kkt_drivers.protocols.incotex.json_api import CATALOGUE
from kkt_drivers.protocols.incotex.json_results import FN_BASE, Result, russian

from ...core.fiscal import DocumentResult
from .items import json_position
from .machine import Machine, Refusal, Sale, ServerStatus, Why

PROTOCOL_VER = "3.12"  # the documentation version [S1] was written against
BASE_VER = "0.6"  # the newest goods-base format [S1] knows
MAX_SESSIONS = 64
MAX_NAME = 128  # 1030
FISCAL_SECONDS = 1.0
QUERY_SECONDS = 0.01

RESULTS: dict[Why, Result] = {
    Why.NOT_FISCAL: Result.NOT_REGISTERED, Why.SHIFT_OPEN: Result.SHIFT_OPEN, Why.SHIFT_CLOSED: Result.SHIFT_CLOSED,
    Why.SHIFT_EXPIRED: Result.SHIFT_EXPIRED, Why.RECEIPT_OPEN: Result.CHECK_OPEN,
    Why.RECEIPT_CLOSED: Result.CHECK_CLOSED, Why.RECEIPT_OF_ANOTHER: Result.CHECK_OF_ANOTHER_SESSION,
    Why.UNDERPAID: Result.UNDERPAID, Why.NONCASH_EXCEEDS: Result.NONCASH_EXCEEDS, Why.NO_CASH: Result.NO_CASH,
    Why.BAD_VALUE: Result.BAD_VALUE, Why.MISSING: Result.MISSING_VALUE, Why.NO_DATA: Result.NO_DATA,
    Why.BUSY: Result.BUSY, Why.NO_OPERATION: Result.NO_OPERATION, Why.GOODS: Result.GOODS_BASE,
    Why.NO_SERVER_ID: Result.NO_SERVER_ID, Why.SERVER: Result.SERVER_EXCHANGE,
}
#: fnInfo.status: the ФН phase as the service numbers it
PHASES = {0x01: 0, 0x03: 1, 0x07: 2, 0x0F: 3}
PAYMENT_TAGS = {"cash": 1031, "ecash": 1081, "prepayment": 1215, "credit": 1216, "consideration": 1217}
TAX_SUM_TAGS = {1: 1102, 2: 1103, 5: 1104, 6: 1105, 3: 1106, 4: 1107}


@dataclass(frozen=True)
class Execution:
    answer: bytes
    failed: bool
    seconds: float


class BadRequest(Exception):
    def __init__(self, result: Result, text: str) -> None:
        super().__init__(text)
        self.result = result
        self.text = text


def _get(obj: Mapping[str, Any], key: str, kind: type | tuple[type, ...], *, required: bool = True,
         default: Any = None) -> Any:
    value = obj.get(key)
    if value is None:
        if required:
            raise BadRequest(Result.MISSING_VALUE, f"не задан параметр {key}")
        return default
    if isinstance(value, bool) and kind is not bool:
        raise BadRequest(Result.BAD_VALUE, f"{key}: ожидалось {getattr(kind, '__name__', kind)}")
    if not isinstance(value, kind):
        raise BadRequest(Result.BAD_VALUE, f"{key}: ожидалось {getattr(kind, '__name__', kind)}, получено {value!r}")
    return value


def _range(obj: Mapping[str, Any], key: str, low: int, high: int, *, required: bool = True,
           default: int | None = None) -> int | None:
    value = _get(obj, key, int, required=required, default=default)
    if value is not None and not low <= value <= high:
        raise BadRequest(Result.BAD_VALUE, f"{key}: {value} вне диапазона {low}–{high}")
    return value  # type: ignore[no-any-return]


def _when(value: dt.datetime | None) -> str | None:
    return None if value is None else value.replace(microsecond=0, tzinfo=None).isoformat()


def _fiscal(result: DocumentResult, **extra: Any) -> dict[str, Any]:
    return {"shiftNum": result.shift_number, "fiscalDocNum": result.number, "fiscalSign": str(result.fiscal_sign),
            "dateTime": _when(result.datetime), **extra}


class JsonFront:
    """Driver-service commands on the shared :class:`Machine`."""

    def __init__(self, machine: Machine) -> None:
        self.m = machine
        self.sessions: OrderedDict[str, dict[str, Any]] = OrderedDict()
        #: marking codes accepted (CheckMarkingCode + AcceptMarkingCode) for the receipt being built
        self.accepted: set[str] = set()
        self._read_base: list[dict[str, Any]] | None = None
        #: the marking code CheckMarkingCode passed to the ФН, until accepted or rejected
        self._pending_code: str | None = None
        self._read_sales: dict[str, Any] | None = None
        self._handlers: dict[str, Callable[[Mapping[str, Any], str], dict[str, Any]]] = {
            "OpenSession": self._open_session, "CloseSession": self._close_session, "ClosePorts": self._nothing,
            "GetDriverInfo": self._driver_info, "GetStatus": self._status, "GetCommonInfo": self._common_info,
            "GetDateTime": self._date_time, "SetDateTime": self._set_date_time, "OpenShift": self._open_shift,
            "CloseShift": self._close_shift, "OpenCheck": self._open_check, "AddGoods": self._add_goods,
            "CloseCheck": self._close_check, "ResetCheck": self._reset_check, "BringMoney": self._bring,
            "WithdrawMoney": self._withdraw, "PrintReport": self._report,
            "ReportStatusOfSettlements": self._state_report, "RegisterKKT": self._register,
            "ReregisterKKT": self._register, "GetRegistrationInfo": self._registration_info,
            "CloseFN": self._close_fn, "PrintDocFromFN": self._print_document, "PrintText": self._nothing,
            "PrintBarCode": self._nothing, "PrintEgaisSlip": self._nothing, "OpenBox": self._nothing,
            "CheckMarkingCode": self._check_marking, "GetMarkingCodeCheckResult": self._marking_result,
            "AcceptMarkingCode": self._accept_marking, "RejectMarkingCode": self._reject_marking,
            "AbortMarkingCodeChecking": self._reject_marking,
            "ClearMarkingCodeValidationTable": self._clear_marking, "GetBaseVer": self._base_ver,
            "WriteGoodsBase": self._write_base, "ReadGoodsBase": self._read_base_start,
            "GetGoodsBase": self._get_base, "GetProgress": self._progress, "BreakOperation": self._break,
            "ConvertBaseToBin": self._to_bin, "ConvertBaseFromBin": self._from_bin, "ReadSales": self._read_sales_start,
            "GetSales": self._get_sales, "ClearSales": self._clear_sales, "ConvertSalesFromBin": self._from_bin,
            "GetFnDocument": self._fn_document, "GetServerKKTSettings": self._server_settings,
            "SetServerKKTSettings": self._set_server_settings, "GetServerKKTStatus": self._server_status,
            "TestServerKKT": self._server_test, "ExchangeServerKKT": self._server_exchange,
        }

    # -- dispatch ---------------------------------------------------------------------------------
    def execute(self, message: bytes) -> Execution:
        try:
            obj = json.loads(message.decode("utf-8-sig"))
        except (UnicodeDecodeError, ValueError, RecursionError):
            return self._error(Result.MALFORMED, "запрос не является JSON в UTF-8")
        if not isinstance(obj, dict) or not isinstance(obj.get("command"), str):
            return self._error(Result.MALFORMED, "в запросе нет command")
        command = obj["command"]
        spec = CATALOGUE.get(command)
        handler = self._handlers.get(command)
        if spec is None or handler is None:
            return self._error(Result.UNKNOWN_COMMAND, f"неизвестная команда {command}")
        key = obj.get("sessionKey")
        if spec.session and (not isinstance(key, str) or key not in self.sessions):
            return self._error(Result.BAD_SESSION, russian(Result.BAD_SESSION))
        try:
            fields = handler(obj, key if isinstance(key, str) else "")
        except BadRequest as bad:
            return self._error(bad.result, bad.text)
        except Refusal as refusal:
            if refusal.why is Why.FN and refusal.fn_code is not None:
                return self._error(FN_BASE + refusal.fn_code, russian(FN_BASE + refusal.fn_code))
            code = RESULTS.get(refusal.why, Result.INTERNAL)
            text = refusal.detail if refusal.why in (Why.GOODS, Why.SERVER) and refusal.detail else \
                russian(code) + (f": {refusal.detail}" if refusal.detail else "")
            return self._error(code, text)
        answer = {"result": 0, "description": "", **{k: v for k, v in fields.items() if v is not None}}
        seconds = FISCAL_SECONDS if spec.fiscal else QUERY_SECONDS
        return Execution(json.dumps(answer, ensure_ascii=False).encode("utf-8"), False, seconds)

    @staticmethod
    def _error(code: int, text: str) -> Execution:
        answer = {"result": int(code), "description": text}
        return Execution(json.dumps(answer, ensure_ascii=False).encode("utf-8"), True, QUERY_SECONDS)

    def failure(self) -> Execution:
        return self._error(Result.INTERNAL, russian(Result.INTERNAL))

    def session_gone(self, key: str) -> None:
        self.sessions.pop(key, None)
        self.m.owner_gone(key)

    # -- sessions and service -------------------------------------------------------------------------
    def _open_session(self, obj: Mapping[str, Any], _: str) -> dict[str, Any]:
        port = _get(obj, "portName", str)
        model = _get(obj, "model", str)
        if model not in ("119F", "185F"):
            raise BadRequest(Result.BAD_VALUE, f"model: {model!r} (119F или 185F)")
        _range(obj, "baudRate", 1, 230400, required=False)
        while len(self.sessions) >= MAX_SESSIONS:  # the oldest session that holds no receipt gives way
            idle = next((k for k in self.sessions if k != self.m.owner), None)
            if idle is None:
                break
            self.session_gone(idle)
        key = secrets.token_hex(8)
        self.sessions[key] = {"portName": port, "model": model}
        return {"sessionKey": key, "protocolVer": PROTOCOL_VER}

    def _close_session(self, obj: Mapping[str, Any], key: str) -> dict[str, Any]:
        self.session_gone(key)
        return {}

    @staticmethod
    def _nothing(obj: Mapping[str, Any], key: str) -> dict[str, Any]:
        return {}

    @staticmethod
    def _driver_info(obj: Mapping[str, Any], key: str) -> dict[str, Any]:
        return {"driverVer": "kkt-emu", "protocolVer": PROTOCOL_VER, "driverBaseVer": BASE_VER, "driverSalesVer": "1"}

    # -- queries ----------------------------------------------------------------------------------------
    def _status(self, obj: Mapping[str, Any], key: str) -> dict[str, Any]:
        m = self.m
        core = m.core
        m.advance()
        status, shift, ofd, validity = core.status(), core.shift(), core.ofd_status(), core.validity()
        last = None
        if status.last_fd_number:
            last = {"num": status.last_fd_number, "dateTime": _when(status.last_document_datetime)}
        sale = m.sale
        return {
            "dateTime": _when(m.clock.now()), "paperPresence": m.paper,
            "shiftInfo": {"isOpen": shift.open, "is24Expired": shift.expired, "num": shift.number,
                          "lastOpen": _when(shift.opened_at), "cash": m.drawer},
            "checkInfo": {"isOpen": sale is not None, "num": shift.next_receipt_number if shift.open else 1,
                          "goodsQty": len(sale.items) if sale is not None else 0},
            "fnInfo": {"status": PHASES.get(int(status.phase), 0), "fnNum": status.fn_number,
                       "lastDoc": last or {"num": 0},
                       "unsignedDocs": {"qty": ofd.unsent_count, "firstNum": ofd.first_unsent_number or None,
                                        "firstDateTime": _when(ofd.first_unsent_datetime)},
                       # our extension [inferred]: what 30h/32h of the ФН tell
                       "warnings": int(status.warnings), "validUntil": validity.valid_until.isoformat(),
                       "registrationsLeft": validity.registrations_left},
        }

    def _common_info(self, obj: Mapping[str, Any], key: str) -> dict[str, Any]:
        p, core = self.m.profile, self.m.core
        ffd = core.config.ffd
        return {"model": p.name, "kktNum": p.serial, "fnNum": core.status().fn_number, "ffdFnVer": ffd,
                "ffdKktVer": ffd, "ffdTotalVer": ffd, "programVer": p.version, "programDate": p.program_date,
                "dateTime": _when(self.m.clock.now()), "cpl": [p.line_width, p.line_width // 2],
                "maxGoodsSum": 2147483600, "maxCheckSum": 2147483600, "maxGoodsQty": 100}

    def _date_time(self, obj: Mapping[str, Any], key: str) -> dict[str, Any]:
        return {"dateTime": _when(self.m.clock.now())}

    def _set_date_time(self, obj: Mapping[str, Any], key: str) -> dict[str, Any]:
        text = _get(obj, "dateTime", str)
        try:
            value = dt.datetime.strptime(text, "%Y-%m-%dT%H:%M:%S")
        except ValueError:
            raise BadRequest(Result.BAD_VALUE, f"dateTime: {text!r} не yyyy-MM-ddTHH:mm:ss") from None
        self.m.no_receipt(key)
        if self.m.core.shift().open:
            raise Refusal(Why.SHIFT_OPEN)
        self.m.fn(self.m.core.set_clock, value)
        return {"dateTime": _when(self.m.clock.now())}

    @staticmethod
    def _cashier(obj: Mapping[str, Any]) -> tuple[str, str | None]:
        info = _get(obj, "cashierInfo", dict)
        name = _get(info, "cashierName", str)
        inn = _get(info, "cashierINN", str, required=False)
        if not name.strip() or len(name) > 64:
            raise BadRequest(Result.BAD_VALUE, "cashierInfo.cashierName: 1–64 символа")
        if inn is not None and not (inn.isdigit() and len(inn) in (10, 12)):
            raise BadRequest(Result.BAD_VALUE, "cashierInfo.cashierINN: 10 или 12 цифр")
        return name, inn

    # -- shift ----------------------------------------------------------------------------------------------
    def _open_shift(self, obj: Mapping[str, Any], key: str) -> dict[str, Any]:
        name, inn = self._cashier(obj)
        return _fiscal(self.m.open_shift(key, name, inn))

    def _close_shift(self, obj: Mapping[str, Any], key: str) -> dict[str, Any]:
        name, inn = self._cashier(obj)
        return _fiscal(self.m.close_shift(key, name, inn))

    def _report(self, obj: Mapping[str, Any], key: str) -> dict[str, Any]:
        _range(obj, "reportCode", 1, 5)
        self.m.x_report(key)
        return {}

    def _state_report(self, obj: Mapping[str, Any], key: str) -> dict[str, Any]:
        name, _ = self._cashier(obj)
        self.m.no_receipt(key)
        result: DocumentResult = self.m.fn(self.m.core.state_report, name)
        self.m.print(result)
        return _fiscal(result)

    # -- receipts -------------------------------------------------------------------------------------------
    def _open_check(self, obj: Mapping[str, Any], key: str) -> dict[str, Any]:
        check_type = _range(obj, "checkType", 0, 7)
        assert check_type is not None
        tax = _range(obj, "taxSystem", 0, 5, required=False)
        name, inn = self._cashier(obj)
        sale = Sale(check_type % 4 + 1, check_type >= 4, None if tax is None else 1 << tax, name, inn)
        correction = obj.get("correctionInfo")
        if sale.correction != (correction is not None):
            raise BadRequest(Result.BAD_VALUE, "correctionInfo — только для чеков коррекции (checkType 4–7)")
        if isinstance(correction, Mapping):
            sale.correction_type = _range(correction, "correctionType", 0, 1) or 0
            sale.description = _get(correction, "causeName", str, required=False, default="")
            sale.basis_number = _get(correction, "causeDocNum", str, required=False, default="")
            date = _get(correction, "causeDocDate", str, required=False)
            if date is not None:
                try:
                    sale.basis_date = dt.date.fromisoformat(date)
                except ValueError:
                    raise BadRequest(Result.BAD_VALUE, f"causeDocDate: {date!r} не yyyy-MM-dd") from None
        elif correction is not None:
            raise BadRequest(Result.BAD_VALUE, "correctionInfo: ожидался объект")
        buyer = obj.get("buyerInfo")
        if isinstance(buyer, Mapping):
            sale.buyer = {k: v for k, v in buyer.items() if isinstance(v, str) and k in ("buyerName", "buyerINN")}
            inn_b = sale.buyer.get("buyerINN")
            if inn_b is not None and not (inn_b.isdigit() and len(inn_b) in (10, 12)):
                raise BadRequest(Result.BAD_VALUE, "buyerInfo.buyerINN: 10 или 12 цифр")
        sale.extra += self._receipt_requisites(obj)
        self.accepted = set()
        self.m.begin_sale(sale, key)
        shift = self.m.core.shift()
        return {"shiftNum": shift.number, "checkNum": shift.next_receipt_number}

    def _receipt_requisites(self, obj: Mapping[str, Any]) -> list[tuple[int, bytes]]:
        """``operationInfo`` (1270) and ``industryInfo`` (1261 each), FFD 1.2."""
        ffd = self.m.core.config.ffd
        out: list[tuple[int, bytes]] = []
        op = obj.get("operationInfo")
        industry = obj.get("industryInfo")
        if (op is not None or industry) and ffd != "1.2":
            raise BadRequest(Result.BAD_VALUE, "operationInfo и industryInfo — только ФФД 1.2")
        try:
            if isinstance(op, Mapping):
                when = dt.datetime.strptime(str(op.get("opTime")), "%Y-%m-%dT%H:%M:%S")
                out.append((1270, encode_tlv(1270, [Tlv(1271, int(op.get("opID") or 0)),
                                                    Tlv(1272, str(op.get("attrValue", ""))), Tlv(1273, when)],
                                             ffd)[4:]))
            for entry in industry if isinstance(industry, list) else []:
                date = str(entry.get("causeDocDate", ""))
                date = f"{date[8:10]}.{date[5:7]}.{date[:4]}" if len(date) == 10 and date[4] == "-" else date
                out.append((1261, encode_tlv(1261, [Tlv(1262, str(entry.get("idFoiv", ""))), Tlv(1263, date),
                                                    Tlv(1264, str(entry.get("causeDocNum", ""))),
                                                    Tlv(1265, str(entry.get("value", "")))], ffd)[4:]))
        except (ValueError, TypeError, AttributeError, FfdError) as exc:
            raise BadRequest(Result.BAD_VALUE, f"operationInfo / industryInfo: {exc}") from None
        return out

    def _add_goods(self, obj: Mapping[str, Any], key: str) -> dict[str, Any]:
        name = _get(obj, "productName", str)
        if not name.strip() or len(name) > MAX_NAME:
            raise BadRequest(Result.BAD_VALUE, f"productName: 1–{MAX_NAME} символов")
        _range(obj, "qty", 1, 2**31 - 1)
        _range(obj, "price", 0, 2147483600)
        _range(obj, "sum", 0, 2147483600, required=False)
        _range(obj, "taxCode", 1, 12, required=False)
        _range(obj, "paymentFormCode", 1, 7, required=False)
        _range(obj, "productTypeCode", 1, 33, required=False)
        _range(obj, "measureUnit", 0, 255, required=False)
        _range(obj, "section", 1, 16, required=False)
        sale = self.m.require_sale(key)
        position = json_position(obj, self.m.core.config.ffd)
        if position.marking is not None and position.marking[0] not in self.accepted:
            self.m.check_marking(*position.marking)
        self.m.add_item(key, position.item, position.goods)
        shift = self.m.core.shift()
        return {"shiftNum": shift.number, "checkNum": shift.next_receipt_number, "goodsNum": len(sale.items)}

    def _close_check(self, obj: Mapping[str, Any], key: str) -> dict[str, Any]:
        payment = _get(obj, "payment", dict)
        unknown = set(payment) - set(PAYMENT_TAGS)
        if unknown:
            raise BadRequest(Result.BAD_VALUE, f"payment: неизвестные поля {sorted(unknown)}")
        sale = self.m.require_sale(key)
        amounts = {PAYMENT_TAGS[name]: _range(payment, name, 0, 2147483600) or 0 for name in payment}
        send_to = _get(obj, "sendCheckTo", str, required=False)
        tax_sums: dict[int, int] = {}
        for entry in _get(obj, "taxSums", list, required=False, default=[]):  # [inferred]
            if not isinstance(entry, Mapping) or entry.get("taxCode") not in TAX_SUM_TAGS:
                raise BadRequest(Result.BAD_VALUE, "taxSums: [{taxCode 1–6, sum}]")
            tax_sums[TAX_SUM_TAGS[entry["taxCode"]]] = _range(entry, "sum", 0, 2147483600) or 0
        before = (dict(sale.payments), sale.buyer_contact, dict(sale.vat_sums))
        for tag, value in amounts.items():
            sale.payments[tag] = sale.payments.get(tag, 0) + value
        if send_to:
            sale.buyer_contact = send_to
        sale.vat_sums.update(tax_sums)
        try:
            result, change = self.m.close_sale(key)
        except Refusal:  # the receipt stays open as it was
            sale.payments, sale.buyer_contact, sale.vat_sums = before
            raise
        self.accepted = set()
        return _fiscal(result, checkNum=result.receipt_number, change=change)

    def _reset_check(self, obj: Mapping[str, Any], key: str) -> dict[str, Any]:
        if self.m.sale is not None:
            self.m.cancel_sale(key)
        self.accepted = set()
        return {}

    def _bring(self, obj: Mapping[str, Any], key: str) -> dict[str, Any]:
        self._cashier(obj)
        amount = _range(obj, "cash", 1, 2147483600)
        return {"cash": self.m.cash(key, amount or 0)}

    def _withdraw(self, obj: Mapping[str, Any], key: str) -> dict[str, Any]:
        self._cashier(obj)
        amount = _range(obj, "cash", 1, 2147483600)
        return {"cash": self.m.cash(key, -(amount or 0))}

    # -- registration -----------------------------------------------------------------------------------------
    def _register(self, obj: Mapping[str, Any], key: str) -> dict[str, Any]:
        name, _ = self._cashier(obj)
        owner = _get(obj, "owner", dict)
        kkt = _get(obj, "kkt", dict)
        ofd = _get(obj, "ofd", dict)
        mode = kkt.get("mode") if isinstance(kkt.get("mode"), dict) else {}
        taxes = _get(obj, "taxSystem", list)
        if not taxes or not all(isinstance(t, int) and not isinstance(t, bool) and 0 <= t <= 5 for t in taxes):
            raise BadRequest(Result.BAD_VALUE, "taxSystem: список систем налогообложения 0–5")
        ffd = self.m.core.config.ffd
        asked = _get(obj, "ffdVer", str, required=False)
        if asked is not None and asked != ffd:
            raise BadRequest(Result.BAD_VALUE, f"ffdVer {asked}: ФН работает в ФФД {ffd}")
        values: dict[int, Any] = {
            1048: _get(owner, "name", str), 1018: _get(owner, "inn", str), 1037: _get(kkt, "regNum", str),
            1009: _get(kkt, "address", str), 1187: _get(kkt, "location", str), 1046: _get(ofd, "name", str),
            1017: _get(ofd, "inn", str), 1062: sum(1 << t for t in set(taxes)),
            1060: _get(obj, "siteFNS", str, required=False, default="www.nalog.gov.ru"),
            1209: 2 if ffd == "1.05" else 4, 1002: bool(mode.get("offline")), 1056: bool(mode.get("encryptData")),
            1109: bool(mode.get("forService")), 1108: bool(mode.get("forInternet")), 1110: bool(mode.get("asbso")),
            1207: bool(mode.get("forExcisableGoods")), 1001: bool(mode.get("automat")),
        }
        email = _get(obj, "senderEmail", str, required=False)
        if email:
            values[1117] = email
        if mode.get("automat") and isinstance(mode.get("automatNum"), str):
            values[1036] = mode["automatNum"]
        registration = self.m.registration_from(values)
        if obj["command"] == "RegisterKKT":
            result = self.m.register(key, 0, registration, 0, name)
            return _fiscal(result)
        reason = _range(obj, "reason", 1, 3) or 1
        if reason == 1:
            new_fn = _get(obj, "fnNum", str)  # [inferred]: the new ФН's number
            return _fiscal(self.m.register(key, 1, registration, 0, name, new_fn))
        code = _range(obj, "reasonCode", 1, 0xFFFFFFFF, required=False)  # [inferred]: the exact 1101 / 1205 value
        if code is None:
            code = reason if ffd == "1.05" else 1 << (reason - 1)
        return _fiscal(self.m.register(key, 2, registration, code, name))

    def _registration_info(self, obj: Mapping[str, Any], key: str) -> dict[str, Any]:
        reg = self.m.core.registration()
        if reg is None:
            raise Refusal(Why.NOT_FISCAL)
        return {"registrationInfo": {
            "owner": {"name": reg.user_name, "inn": reg.inn},
            "kkt": {"regNum": reg.rnm, "address": reg.address, "location": reg.place,
                    "mode": {"offline": reg.autonomous, "encryptData": reg.encryption, "forService": reg.services,
                             "forInternet": reg.internet, "asbso": reg.bso, "automat": reg.automatic,
                             "forExcisableGoods": reg.excise}},
            "ofd": {"name": reg.ofd_name, "inn": reg.ofd_inn},
            "taxSystem": [bit for bit in range(6) if int(reg.taxation) >> bit & 1],
            "senderEmail": reg.sender_email, "siteFNS": reg.fns_site}}

    def _close_fn(self, obj: Mapping[str, Any], key: str) -> dict[str, Any]:
        name, _ = self._cashier(obj)
        result = self.m.close_fn(key, name)
        return _fiscal(result, fnNum=self.m.core.status().fn_number)

    def _print_document(self, obj: Mapping[str, Any], key: str) -> dict[str, Any]:
        number = _range(obj, "fiscalDocNum", 1, 2**32 - 1)
        self.m.print(self.m.fn(self.m.core.document, number))
        return {}

    def _fn_document(self, obj: Mapping[str, Any], key: str) -> dict[str, Any]:
        number = _range(obj, "fiscalDocNum", 1, 2**32 - 1)
        doc: DocumentResult = self.m.fn(self.m.core.document, number)
        fields: dict[str, Any] = {"fiscalDocNum": doc.number, "docType": doc.document_type,
                                  "dateTime": _when(doc.datetime), "fiscalSign": str(doc.fiscal_sign),
                                  "shiftNum": doc.shift_number, "checkNum": doc.receipt_number or None,
                                  "ofdConfirmed": doc.ofd_confirmed}
        if obj.get("withTlv") is True:
            fields["tlv"] = base64.b64encode(doc.tlv).decode("ascii")
        return fields

    # -- marking (the register checks the code in its ФН) ---------------------------------------------------
    def _check_marking(self, obj: Mapping[str, Any], key: str) -> dict[str, Any]:
        code = _get(obj, "mc", str)
        planned = _range(obj, "plannedStatus", 1, 255, required=False, default=1)
        self.m.require_fiscal()
        self.m.fn(self.m.core.check_marking_code, code)
        registration = self.m.core.registration()
        if registration is not None and not registration.autonomous:
            request = self.m.fn(self.m.core.marking_request, self.m.clock.now(),
                                ((2003, bytes((planned or 1,))),))
            self.m.fn(self.m.core.marking_response, self.m.core.simulated_marking_answer(request))
        self._pending_code = code
        return {}

    def _marking_result(self, obj: Mapping[str, Any], key: str) -> dict[str, Any]:
        code = self._pending_code
        if code is None:
            raise Refusal(Why.NO_DATA, "код маркировки не проверялся")
        return {"isCompleted": True, "onlineCheck": {"result": 0, "description": "", "mcCheckResult": True}}

    def _accept_marking(self, obj: Mapping[str, Any], key: str) -> dict[str, Any]:
        code = self._pending_code
        if code is None:
            raise Refusal(Why.NO_DATA, "код маркировки не проверялся")
        self.m.fn(self.m.core.save_marking_result, True)
        self.accepted.add(code)
        self._pending_code = None
        return {}

    def _reject_marking(self, obj: Mapping[str, Any], key: str) -> dict[str, Any]:
        if self._pending_code is not None:
            self.m.fn(self.m.core.save_marking_result, False)
        self._pending_code = None
        return {}

    def _clear_marking(self, obj: Mapping[str, Any], key: str) -> dict[str, Any]:
        self.m.fn(self.m.core.clear_marking_results)
        self.accepted = set()
        return {}

    # -- goods base and sales journal ---------------------------------------------------------------------
    def _base_ver(self, obj: Mapping[str, Any], key: str) -> dict[str, Any]:
        self.m.advance()
        return {"kktBaseVer": BASE_VER, "driverBaseVer": BASE_VER, "baseNum": self.m.base_version(),
                "goodsQty": len(self.m.goods_base())}

    def _write_base(self, obj: Mapping[str, Any], key: str) -> dict[str, Any]:
        base = _get(obj, "base", list)
        if not base:
            raise BadRequest(Result.MISSING_VALUE, "base: пустая база товаров")
        self.m.idle(key)
        records = self.m.check_goods(base)  # the whole base, before anything is stored
        self.m.start("WriteGoodsBase", len(records), lambda: self.m.store_goods(records))
        return {}

    def _read_base_start(self, obj: Mapping[str, Any], key: str) -> dict[str, Any]:
        snapshot = self.m.goods_base()
        self._read_base = None

        def finish() -> None:
            self._read_base = snapshot

        self.m.start("ReadGoodsBase", len(snapshot), finish)
        return {}

    def _get_base(self, obj: Mapping[str, Any], key: str) -> dict[str, Any]:
        self.m.advance()
        if self._read_base is None:
            raise Refusal(Why.NO_DATA, "база товаров не прочитана (ReadGoodsBase)")
        return {"base": self._read_base}

    def _progress(self, obj: Mapping[str, Any], key: str) -> dict[str, Any]:
        operation = self.m.operation
        if operation is None:
            return {"cmdRefer": "", "opStatus": 0, "progress": 0}
        try:
            self.m.advance()
        except Refusal:
            pass
        status = 3 if operation.broken else 2 if operation.done else 1  # [inferred] 1 идёт, 2 готово, 3 прервана
        return {"cmdRefer": operation.command, "opStatus": status, "progress": operation.progress()}

    def _break(self, obj: Mapping[str, Any], key: str) -> dict[str, Any]:
        self.m.break_operation()
        return {}

    @staticmethod
    def _to_bin(obj: Mapping[str, Any], key: str) -> dict[str, Any]:
        """[inferred]: our "binary" base is its UTF-8 JSON in base64 (the real format is not public)."""
        base = _get(obj, "base", list)
        raw = json.dumps({"baseVer": obj.get("baseVer", BASE_VER), "base": base}, ensure_ascii=False)
        return {"base": base64.b64encode(raw.encode("utf-8")).decode("ascii")}

    @staticmethod
    def _from_bin(obj: Mapping[str, Any], key: str) -> dict[str, Any]:
        text = _get(obj, "base", str, required=False) or _get(obj, "sales", str, required=False) or ""
        try:
            decoded = json.loads(base64.b64decode(text.encode("ascii"), validate=True).decode("utf-8"))
        except (binascii.Error, UnicodeError, ValueError):
            raise BadRequest(Result.BAD_VALUE, "не base64 от ConvertBaseToBin") from None
        if not isinstance(decoded, dict):
            raise BadRequest(Result.BAD_VALUE, "не база товаров")
        return {"baseVersion": decoded.get("baseVer"), "base": decoded.get("base")}

    def _journal(self) -> dict[str, Any]:
        """GetSales: the journal, each document's fiscal sign and time read back from the ФН archive."""
        m = self.m
        registration = m.core.registration()
        head = {"kktRegNum": registration.rnm if registration else "", "kktNum": m.profile.serial,
                "ownerInn": registration.inn if registration else "", "ffdVer": m.core.config.ffd,
                "programDate": m.profile.program_date}
        journal = m.journal.document(head)
        for shift in journal["shifts"]:
            for receipt in shift.get("checks", []):
                number = int(receipt.get("fiscalDocNum", 0) or 0)
                if number and "fiscalSign" not in receipt:
                    try:
                        doc = m.core.document(number)
                    except Exception:  # a journal entry whose document a replaced ФН took away
                        continue
                    receipt["fiscalSign"] = str(doc.fiscal_sign)
                    receipt["dateTime"] = _when(doc.datetime)
        return journal

    def _read_sales_start(self, obj: Mapping[str, Any], key: str) -> dict[str, Any]:
        journal = self._journal()
        self._read_sales = None

        def finish() -> None:
            self._read_sales = journal

        self.m.start("ReadSales", sum(len(s.get("checks", [])) for s in journal["shifts"]), finish)
        return {}

    def _get_sales(self, obj: Mapping[str, Any], key: str) -> dict[str, Any]:
        self.m.advance()
        if self._read_sales is None:
            raise Refusal(Why.NO_DATA, "журнал продаж не прочитан (ReadSales)")
        return dict(self._read_sales)

    def _clear_sales(self, obj: Mapping[str, Any], key: str) -> dict[str, Any]:
        self.m.idle(key)
        self.m.journal.clear()
        return {}

    # -- «Сервер ККТ» [inferred] ----------------------------------------------------------------------------------
    def _server_settings(self, obj: Mapping[str, Any], key: str) -> dict[str, Any]:
        server_id, address = self.m.server_settings()
        return {"serverId": server_id, "serverAddress": address}

    def _set_server_settings(self, obj: Mapping[str, Any], key: str) -> dict[str, Any]:
        server_id = _get(obj, "serverId", str)
        address = _get(obj, "serverAddress", str, required=False)
        self.m.set_server(server_id, address)
        return self._server_settings(obj, key)

    @staticmethod
    def _status_fields(status: ServerStatus) -> dict[str, Any]:
        return {"state": status.state, "lastExchange": _when(status.last_exchange), "goodsQty": status.goods,
                "unsentSales": status.unsent_sales, "message": status.message}

    def _server_status(self, obj: Mapping[str, Any], key: str) -> dict[str, Any]:
        return self._status_fields(self.m.server_status())

    def _server_test(self, obj: Mapping[str, Any], key: str) -> dict[str, Any]:
        return self._status_fields(self.m.server_test())

    def _server_exchange(self, obj: Mapping[str, Any], key: str) -> dict[str, Any]:
        return self._status_fields(self.m.server_exchange(key))

