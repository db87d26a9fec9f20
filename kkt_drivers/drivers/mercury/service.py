"""The fiscal-register steps through Incotex's driver service (the JSON protocol, raw TCP or HTTP).

The session key comes from OpenSession on first use and is opened again if the service forgets it. Requests
go through a :class:`~kkt_drivers.protocols.incotex.json_link.JsonLink`; the protocol has no request ids,
so nothing is ever sent twice blindly: after a failure the TCP connection is dropped (a late answer can
never be read as the next one) and only queries are asked again.

A receipt goes out at close as OpenCheck, AddGoods per position, CloseCheck; CloseCheck makes the fiscal
document. FFD requisites travel in the service's own fields (``buyerInfo``, ``correctionInfo``,
``markingCode``/``mcInfo``, ``agent``, ``industryAttribute``); VAT sums of an FFD 1.05 correction go as
``taxSums`` and the ФН document read-back as GetFnDocument — both our extension [inferred].
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, cast

from ...device import atomic
from ...errors import DeviceError, InvalidParameter, KktError, ProtocolError, Timeout
from ...ffd.errors import FfdError
from ...ffd.tlv import Tlv, decode_tlv
from ...protocols.incotex import json_api as api
from ...protocols.incotex.json_goods import GoodsRecord
from ...protocols.incotex.json_link import JsonLink
from ...protocols.incotex.json_results import Result, english
from ...protocols.incotex.json_values import format_date, format_datetime, parse_date, parse_datetime
from ...session import Session
from ...types import (
    AgentInfo,
    Cashier,
    DeviceLimits,
    DeviceStatus,
    DocumentInfo,
    FnPhase,
    FnStatus,
    Item,
    OfdStatus,
    ReceiptType,
    Registration,
    RegistrationKind,
    ShiftState,
)
from .backend import Backend, PendingReceipt, ServerExchangeStatus

LIMITS = DeviceLimits(code_page="utf-8", max_sum=2_147_483_600, max_quantity=Decimal(200_000), quantity_decimals=3,
                      max_items=100, max_name=128)
#: execution deadlines (seconds): fiscal documents, everything else
FISCAL_TIMEOUT = 60.0
QUERY_TIMEOUT = 15.0
#: ``fnInfo.status`` (0–3) -> the ФН phase
PHASES = {0: FnPhase.SETUP, 1: FnPhase.FISCAL, 2: FnPhase.POST_FISCAL, 3: FnPhase.ARCHIVE}
#: payment tag -> CloseCheck ``payment`` field
PAYMENT_FIELDS = {1031: "cash", 1081: "ecash", 1215: "prepayment", 1216: "credit", 1217: "consideration"}
#: FFD 1.05 correction VAT sums -> ``taxCode`` [inferred field ``taxSums``]
TAX_SUM_CODES = {1102: 1, 1103: 2, 1104: 5, 1105: 6, 1106: 3, 1107: 4}
#: GetProgress ``opStatus`` [inferred]
OP_RUNNING, OP_DONE, OP_BROKEN, OP_FAILED = 1, 2, 3, 4

ProgressCallback = Callable[[int, str], None]


@dataclass(frozen=True)
class GoodsUpload:
    """What a goods base upload did: records written and the base version the register reports."""

    records: int
    base_version: str | None


def _kopecks(value: Any, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ProtocolError(f"{what}: expected kopecks as an integer, got {value!r}",
                            message_ru=f"{what}: ожидались копейки целым числом, получено {value!r}")
    return value


def _obj(value: Any) -> dict[str, Any]:
    return {str(k).lower(): v for k, v in value.items()} if isinstance(value, Mapping) else {}


def _agent_code(agent: AgentInfo) -> int:
    """1222/1057 bit mask -> the service's ``agent.code`` (the bit's position)."""
    value = int(agent.type)
    if value <= 0 or value & (value - 1):
        raise InvalidParameter(f"the driver service takes one agent type per position, got {agent.type!r}",
                               message_ru="сервис драйвера принимает один признак агента на позицию, получено "
                                          f"{agent.type!r}")
    return value.bit_length() - 1


class JsonBackend(Backend):
    """The driver service on a :class:`~kkt_drivers.session.Session` with a ``JsonLink``."""

    protocol = "json"
    #: what :meth:`receipt_fields` has a field for
    receipt_requisite_tags = frozenset({1008, 1173, 1174, 1227, 1228, 1256, 1270, 1261, *TAX_SUM_CODES})
    limits = LIMITS

    def __init__(self, session: Session, *, port: str = "COM1", model: str = "185F") -> None:
        self.session = session
        self.port = port
        self.model = model
        self.key: str | None = None
        self._common: api.CommonInfo | None = None
        #: OpenCheck went out for a receipt whose CloseCheck did not: reset it before sending it again
        self._check_sent = False

    @property
    def link(self) -> JsonLink:
        return cast(JsonLink, self.session.link)

    # -- exchanges -------------------------------------------------------------------------
    def _send(self, request: api.JsonRequest, timeout: float | None = None) -> api.JsonResponse:
        spec = api.CATALOGUE[request.command]
        if timeout is None:
            timeout = FISCAL_TIMEOUT if spec.fiscal else QUERY_TIMEOUT
        attempts = 3 if spec.idempotent else 1
        with self.session.operation():
            for attempt in range(attempts):
                if self.link.stale:
                    self.session.reconnect()
                try:
                    raw = self.session.exchange(request.encode(), timeout=timeout)
                except Timeout as exc:
                    if attempt + 1 < attempts:
                        continue
                    if spec.idempotent:
                        raise Timeout(f"the driver service did not answer {request.command}: {exc}", phase=exc.phase,
                                      maybe_executed=False,
                                      message_ru=f"служба драйвера не ответила на {request.command} (запрос "
                                                 f"ничего не меняет)") from exc
                    raise
                return api.decode_response(raw, request.command, check=False)
        raise AssertionError("unreachable")

    def _session_key(self) -> str:
        if self.key is None:
            response = self._send(api.open_session(self.port, self.model))
            if not response.ok:
                raise self._error(response)
            self.key = api.parse_open_session(response).session_key
        return self.key

    @staticmethod
    def _error(response: api.JsonResponse) -> DeviceError:
        text = response.description or english(response.result)
        return DeviceError(response.result, english(response.result), text, family="mercury",
                           command=response.command)

    def call(self, command: str, params: Mapping[str, Any] | None = None) -> api.JsonResponse:
        """Send one catalogued command (with the session key when it needs one); a non-zero ``result`` raises
        the family's :class:`DeviceError` with the service's description."""
        spec = api.CATALOGUE.get(command)
        if spec is None:
            raise InvalidParameter(f"unknown driver-service command {command!r}",
                                   message_ru=f"неизвестная команда сервиса драйвера {command!r}")
        with self.session.operation():
            for attempt in range(2):
                key = self._session_key() if spec.session else None
                response = self._send(api.request(command, key, params))
                if response.result == Result.BAD_SESSION and spec.session and attempt == 0:
                    self.key = None  # the service forgot the session (restarted): the command never ran
                    continue
                if not response.ok:
                    raise self._error(response)
                return response
        raise AssertionError("unreachable")

    def release(self) -> None:
        """CloseSession, best effort (the driver is closing)."""
        if self.key is not None and not self.session.broken:
            try:
                self._send(api.close_session(self.key), timeout=2.0)
            except KktError:  # closing must not fail because the service went away
                pass
        self.key = None

    # -- queries ---------------------------------------------------------------------------
    def status(self) -> api.JsonResponse:
        return self.call("GetStatus")

    def common_info(self) -> api.CommonInfo:
        if self._common is None:
            self._common = api.parse_common_info(self.call("GetCommonInfo"))
        return self._common

    @atomic
    def device_status(self) -> DeviceStatus:
        info = self.common_info()
        response = self.status()
        s = api.parse_status(response)
        fn = s.fn
        return DeviceStatus(
            family="mercury", model=info.model or self.model, serial_number=info.kkt_num or "",
            datetime=s.date_time or dt.datetime.min, fiscalised=fn.phase == 1, shift_open=bool(s.shift.is_open),
            receipt_open=bool(s.check.is_open), paper_present=s.paper_presence is not False,
            firmware=info.program_ver or "", details=s)

    def fn_status(self) -> FnStatus:
        response = self.status()
        s = api.parse_status(response)
        extra = _obj(_obj(response.fields).get("fninfo"))
        valid = extra.get("validuntil")
        left = extra.get("registrationsleft")
        warnings = extra.get("warnings")
        return FnStatus(phase=PHASES.get(s.fn.phase if s.fn.phase is not None else -1, FnPhase.SETUP),
                        shift_open=bool(s.shift.is_open), warnings=warnings if isinstance(warnings, int) else 0,
                        last_document_datetime=s.fn.last_doc_date_time, fn_number=s.fn.fn_num or "",
                        last_document_number=s.fn.last_doc_num or 0,
                        valid_until=parse_date(valid) if isinstance(valid, str) else None,
                        registrations_left=left if isinstance(left, int) else None)

    def last_document_number(self) -> int:
        return api.parse_status(self.status()).fn.last_doc_num or 0

    def shift_state(self) -> ShiftState:
        s = api.parse_status(self.status())
        is_open = bool(s.shift.is_open)
        expires = s.shift.last_open + dt.timedelta(hours=24) if is_open and s.shift.last_open else None
        return ShiftState(open=is_open, number=s.shift.number or 0,
                          next_receipt_number=(s.check.number or 1) if is_open else 1,
                          expired=bool(s.shift.is_24_expired), expires_at=expires)

    def document(self, number: int) -> DocumentInfo:
        d = api.parse_fn_document(self.call("GetFnDocument", {"fiscalDocNum": number}))
        return DocumentInfo(number=d.number, fiscal_sign=d.fiscal_sign, datetime=d.date_time, document_type=d.doc_type)

    def document_tlv(self, number: int) -> bytes:
        d = api.parse_fn_document(self.call("GetFnDocument", {"fiscalDocNum": number, "withTlv": True}))
        if d.tlv is None:
            raise ProtocolError(f"GetFnDocument {number} answered without the TLV",
                                message_ru=f"GetFnDocument {number}: ответ без TLV")
        return d.tlv

    def receipt_is_open(self) -> bool:
        return bool(api.parse_status(self.status()).check.is_open)

    def ofd_status(self) -> OfdStatus:
        s = api.parse_status(self.status()).fn
        return OfdStatus(unsent_count=s.unsent_qty or 0, first_unsent_number=s.first_unsent_num or 0,
                         first_unsent_datetime=s.first_unsent_date_time)

    # -- shift -----------------------------------------------------------------------------
    @staticmethod
    def cashier(cashier: Cashier) -> dict[str, Any]:
        return api.Cashier(cashier.name or "Кассир", cashier.inn).to_json()

    def open_shift(self, cashier: Cashier) -> None:
        self.call("OpenShift", {"printDoc": True, "cashierInfo": self.cashier(cashier)})

    def close_shift(self, cashier: Cashier) -> None:
        self.call("CloseShift", {"printDoc": True, "cashierInfo": self.cashier(cashier)})

    def x_report(self, cashier: Cashier) -> None:
        self.call("PrintReport", {"reportCode": 1})

    def state_report(self, cashier: Cashier) -> None:
        """ReportStatusOfSettlements: the ФН makes document 21; its number and sign are read back by ``Kkt``."""
        self.call("ReportStatusOfSettlements", {"cashierInfo": self.cashier(cashier)})

    # -- receipt ---------------------------------------------------------------------------
    def check_no_receipt_open(self) -> None:
        if self.receipt_is_open():
            raise self._error(api.JsonResponse({"result": int(Result.CHECK_OPEN),
                                                "description": "Чек уже открыт"}, "OpenCheck"))

    @staticmethod
    def goods(item: Item, ffd: str) -> dict[str, Any]:
        """AddGoods fields of one position (the FFD requisites in the service's own fields)."""
        params: dict[str, Any] = {
            "productName": item.name, "qty": int(Decimal(item.quantity) * 10000), "measureUnit": int(item.measure),
            "taxCode": int(item.vat), "paymentFormCode": int(item.payment_method),
            "productTypeCode": int(item.payment_subject), "price": item.price,
        }
        if item.discount:
            params["sum"] = item.amount
        if item.product_code is not None:
            params["nomenclatureCode"] = item.product_code.hex().upper()
        if item.marking is not None:
            if ffd != "1.2":
                raise InvalidParameter("marking codes are sent in FFD 1.2 only",
                                       message_ru="коды маркировки передаются только в ФФД 1.2")
            info: dict[str, Any] = {"mc": item.marking.code, "plannedStatus": item.marking.planned_status}
            if item.marking.numerator is not None and item.marking.denominator is not None:
                info["part"] = {"numerator": item.marking.numerator, "denominator": item.marking.denominator}
            params["markingCode"] = item.marking.code
            params["mcInfo"] = info
        if item.agent is not None or item.supplier is not None:
            agent: dict[str, Any] = {}
            if item.agent is not None:
                a = item.agent
                agent.update({"code": _agent_code(a), "payingOp": a.operation, "payingPhone": list(a.phones) or None,
                              "operatorPhone": list(a.payment_operator_phones) or None,
                              "transfPhone": list(a.transfer_operator_phones) or None,
                              "transfName": a.transfer_operator_name, "transfAddress": a.transfer_operator_address,
                              "transfINN": a.transfer_operator_inn})
            if item.supplier is not None:
                agent.update({"supplierINN": item.supplier.inn, "supplierName": item.supplier.name,
                              "supplierPhone": list(item.supplier.phones) or None})
            params["agent"] = {k: v for k, v in agent.items() if v is not None}
        if item.industry:
            if ffd != "1.2":
                raise InvalidParameter("industry requisites (1260) exist in FFD 1.2 only",
                                       message_ru="отраслевые реквизиты (1260) есть только в ФФД 1.2")
            params["industryAttribute"] = [
                {"idFoiv": r.foiv_id, "causeDocDate": format_date(r.document_date), "causeDocNum": r.document_number,
                 "value": r.value} for r in item.industry]
        return params

    @staticmethod
    def receipt_fields(receipt: PendingReceipt) -> tuple[dict[str, Any], dict[str, Any]]:
        """OpenCheck and CloseCheck fields from the receipt-level requisites."""
        open_fields: dict[str, Any] = {}
        close_fields: dict[str, Any] = {}
        correction: dict[str, Any] = {}
        buyer: dict[str, Any] = {}
        tax_sums: list[dict[str, int]] = []
        for tag, value in receipt.requisites:
            try:
                tlv = decode_tlv(tag.to_bytes(2, "little") + len(value).to_bytes(2, "little") + value)[0]
            except FfdError as exc:
                raise InvalidParameter(f"requisite {tag}: {exc}", message_ru=f"реквизит {tag}: {exc}") from exc
            if tag == 1008:
                close_fields["sendCheckTo"] = str(tlv.value)
            elif tag == 1173:
                correction["correctionType"] = int(cast(int, tlv.value))
            elif tag == 1174:
                for child in tlv.children:
                    if child.tag == 1177:
                        correction["causeName"] = str(child.value)
                    elif child.tag == 1178 and isinstance(child.value, dt.datetime):
                        correction["causeDocDate"] = format_date(child.value.date())
                    elif child.tag == 1179:
                        correction["causeDocNum"] = str(child.value)
            elif tag in TAX_SUM_CODES:
                tax_sums.append({"taxCode": TAX_SUM_CODES[tag], "sum": int(cast(int, tlv.value))})
            elif tag in (1227, 1228, 1256):
                children: Iterable[Tlv] = tlv.children if tag == 1256 else (tlv,)
                for child in children:
                    if child.tag == 1227:
                        buyer["buyerName"] = str(child.value)
                    elif child.tag == 1228:
                        buyer["buyerINN"] = str(child.value).strip()
            elif tag == 1270:
                op = {child.tag: child.value for child in tlv.children}
                when = op.get(1273)
                open_fields["operationInfo"] = {
                    "opID": op.get(1271), "attrValue": op.get(1272),
                    "opTime": format_datetime(when) if isinstance(when, dt.datetime) else None}
            elif tag == 1261:
                ind = {child.tag: child.value for child in tlv.children}
                date = str(ind.get(1263, ""))
                open_fields.setdefault("industryInfo", []).append({
                    "idFoiv": ind.get(1262), "causeDocNum": ind.get(1264), "value": ind.get(1265),
                    "causeDocDate": f"{date[6:10]}-{date[3:5]}-{date[0:2]}" if len(date) == 10 else date})
            else:
                raise InvalidParameter(f"the driver service has no field for receipt requisite {tag}",
                                       message_ru=f"в сервисе драйвера нет поля для реквизита чека {tag}")
        if receipt.correction:
            open_fields["correctionInfo"] = {"correctionType": 0, **correction}
        if buyer:
            open_fields["buyerInfo"] = buyer
        if tax_sums:
            close_fields["taxSums"] = tax_sums
        return open_fields, close_fields

    @atomic
    def close_receipt(self, receipt: PendingReceipt) -> None:
        goods = [self.goods(item, receipt.ffd) for item in receipt.items]  # refused before a byte is sent
        open_extra, close_extra = self.receipt_fields(receipt)
        payment: dict[str, int] = {}
        for p in receipt.payments:
            name = PAYMENT_FIELDS[int(p.type)]
            payment[name] = payment.get(name, 0) + p.amount
        check_type = int(receipt.operation) - 1 + (4 if receipt.correction else 0)
        open_params: dict[str, Any] = {"checkType": check_type, "printDoc": True,
                                       "cashierInfo": self.cashier(receipt.cashier), **open_extra}
        if receipt.taxation is not None:
            open_params["taxSystem"] = int(receipt.taxation).bit_length() - 1
        if self._check_sent:  # an earlier attempt left its receipt open, and the ФН holds no document of it
            self._check_sent = False
            self.call("ResetCheck")
        self.call("OpenCheck", open_params)
        self._check_sent = True
        for params in goods:
            self.call("AddGoods", params)
        self.call("CloseCheck", {"payment": {k: v for k, v in payment.items() if v > 0}, **close_extra})
        self._check_sent = False

    def cancel_receipt(self) -> None:
        self.call("ResetCheck")
        self._check_sent = False

    # -- cash ------------------------------------------------------------------------------
    def cash_in(self, amount: int, cashier: Cashier) -> None:
        self.call("BringMoney", {"cash": amount, "cashierInfo": self.cashier(cashier)})

    def cash_out(self, amount: int, cashier: Cashier) -> None:
        self.call("WithdrawMoney", {"cash": amount, "cashierInfo": self.cashier(cashier)})

    def cash_in_drawer(self) -> int:
        shift = _obj(_obj(self.status().fields).get("shiftinfo"))
        return _kopecks(shift.get("cash", 0), "shiftInfo.cash")

    # -- registration ----------------------------------------------------------------------
    def registration_params(self, reg: Registration, cashier: Cashier) -> dict[str, Any]:
        taxation = int(reg.taxation)
        return {
            "dateTime": format_datetime(dt.datetime.now().replace(microsecond=0)),
            "cashierInfo": self.cashier(cashier),
            "owner": {"name": reg.user_name, "inn": reg.inn},
            "kkt": {"regNum": reg.rnm, "address": reg.address, "location": reg.place,
                    "mode": {"offline": reg.autonomous, "forService": reg.services, "forInternet": reg.internet}},
            "ofd": {"name": reg.ofd_name, "inn": reg.ofd_inn},
            "taxSystem": [bit for bit in range(6) if taxation >> bit & 1],
            "senderEmail": reg.sender_email or None, "siteFNS": reg.fns_site,
            "ffdVer": reg.ffd,  # [inferred]: the register's ФН decides; a mismatch is refused
        }

    def register(self, registration: Registration, *, kind: RegistrationKind, cashier: Cashier, reasons: int,
                 new_fn_number: str | None) -> None:
        params = self.registration_params(registration, cashier)
        if kind is RegistrationKind.REGISTER:
            self.call("RegisterKKT", params)
            return
        if kind is RegistrationKind.REPLACE_FN:
            params.update({"reason": 1, "fnNum": new_fn_number})  # [inferred] the new ФН's number
        else:
            # [S1] reasons: 1 ФН, 2 ОФД, 3 реквизиты; the exact 1101 code / 1205 mask as reasonCode [inferred]
            params.update({"reason": 2 if reasons == 2 else 3, "reasonCode": reasons})
        self.call("ReregisterKKT", params)

    def close_fn(self, cashier: Cashier) -> None:
        self.call("CloseFN", {"cashierInfo": self.cashier(cashier)})

    # -- «Сервер ККТ» [inferred] ----------------------------------------------------------------
    def kkt_server_settings(self) -> tuple[str, str]:
        settings = api.parse_server_settings(self.call("GetServerKKTSettings"))
        return settings.server_id, settings.address

    def set_kkt_server(self, server_id: str, address: str | None = None) -> None:
        self.call("SetServerKKTSettings", {"serverId": server_id, "serverAddress": address})

    @staticmethod
    def _server_status(response: api.JsonResponse) -> ServerExchangeStatus:
        s = api.parse_server_status(response)
        return ServerExchangeStatus(s.state, s.last_exchange, s.goods_qty, s.unsent_sales, s.message)

    def kkt_server_status(self) -> ServerExchangeStatus:
        return self._server_status(self.call("GetServerKKTStatus"))

    def kkt_server_test(self) -> ServerExchangeStatus:
        return self._server_status(self.call("TestServerKKT"))

    def kkt_server_exchange(self) -> ServerExchangeStatus:
        return self._server_status(self.call("ExchangeServerKKT"))

    # -- goods base and sales journal (long operations with progress) ---------------------------
    def wait_operation(self, command: str, progress: ProgressCallback | None = None, *, poll: float = 0.05,
                       limit: float = 3600.0) -> None:
        """Poll GetProgress until the long operation ``command`` ends; ``progress(percent, command)`` sees
        every step. A broken or failed operation raises the family's :class:`DeviceError`."""
        deadline = time.monotonic() + limit
        last = -1
        while True:
            response = self.call("GetProgress")
            p = api.parse_progress(response)
            percent = max(0, min(100, p.progress or 0))
            if progress is not None and percent != last:
                progress(percent, command)
                last = percent
            if p.op_status == OP_DONE:
                return
            if p.op_status in (OP_BROKEN, OP_FAILED):
                raise self._error(api.JsonResponse({"result": int(Result.GOODS_BASE),
                                                    "description": response.description or "операция прервана"},
                                                   command))
            if time.monotonic() > deadline:
                raise Timeout(f"{command} did not finish in {limit:.0f} s", phase="execution", maybe_executed=True,
                              message_ru=f"{command} не завершилась за {limit:.0f} с; операция могла быть выполнена")
            time.sleep(poll)

    def base_version(self) -> api.BaseVersions:
        return api.parse_base_ver(self.call("GetBaseVer"))

    def write_goods_base(self, records: Iterable[GoodsRecord], progress: ProgressCallback | None = None
                         ) -> GoodsUpload:
        """WriteGoodsBase, then GetProgress until the register has taken it. The register checks the whole
        base first: a bad record refuses it with a device error naming the record, and nothing is loaded."""
        base = [record.to_json() for record in records]
        if not base:
            raise InvalidParameter("a goods base needs at least one record",
                                   message_ru="база товаров должна содержать хотя бы одну запись")
        self.call("WriteGoodsBase", {"base": base})
        self.wait_operation("WriteGoodsBase", progress)
        return GoodsUpload(len(base), self.base_version().kkt_base_ver)

    def read_goods_base(self, progress: ProgressCallback | None = None) -> tuple[GoodsRecord, ...]:
        self.call("ReadGoodsBase")
        self.wait_operation("ReadGoodsBase", progress)
        return api.parse_goods_base(self.call("GetGoodsBase"))

    def read_sales(self, progress: ProgressCallback | None = None) -> dict[str, Any]:
        """ReadSales, GetProgress, GetSales: the register's sales journal."""
        self.call("ReadSales")
        self.wait_operation("ReadSales", progress)
        return api.parse_sales(self.call("GetSales"))

    def clear_sales(self) -> None:
        self.call("ClearSales")

    def set_date_time(self, value: dt.datetime) -> dt.datetime:
        return parse_datetime(self.call("SetDateTime", {"dateTime": format_datetime(value)}).get("dateTime")
                              or format_datetime(value))


def receipt_type(check_type: int) -> tuple[ReceiptType, bool]:
    """The service's ``checkType`` (0–7) as (receipt type, correction)."""
    return ReceiptType(check_type % 4 + 1), check_type >= 4
