"""INECRMAN driver-service JSON protocol (Incotex «Меркурий» online registers), sans-I/O.

Modern Mercury registers (115Ф/130Ф/180Ф/185Ф, 119Ф) are driven through Incotex's local service
INECRMAN: the client POSTs one JSON object to ``http://127.0.0.1:50010/api.json`` (or writes it
length-prefixed over raw TCP, see :mod:`.json_tcp`) and gets one JSON object back. This module
builds the request objects and reads the answers; HTTP itself belongs to the caller.

* Envelope: every request has ``command`` and, except for the service commands, ``sessionKey``;
  OpenSession sends ``"sessionKey": null``. Fields that are ``None`` are left out, as [S1] does.
  Every answer has ``result`` (0 = success) and ``description``; answers are read with key case
  ignored, as [S1] does ([S1][S2][S3][S16]).
* Sessions: OpenSession → ``sessionKey`` (+ ``protocolVer``); CloseSession releases it;
  :class:`JsonSession` keeps the key for a caller.
* Values: kopecks, quantity ×10000, ``yyyy-MM-ddTHH:mm:ss`` (:mod:`.json_values`).

Sources and confidence per field are in protocol-notes/incotex/README.md. The result-code table
of the service is not public: a non-zero ``result`` becomes :class:`JsonServiceError` carrying the
service's own ``description``.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from ...errors import DeviceError, InvalidParameter, ProtocolError
from .json_enums import BarcodeType, CheckType, KktModel, MeasureUnit, PlannedStatus, ReportCode, TaxSystem
from .json_goods import GoodsRecord
from .json_values import (
    JsonValueError,
    format_date,
    format_datetime,
    from_kopecks,
    from_quantity,
    parse_datetime,
    to_kopecks,
    to_quantity,
)

FAMILY = "incotex-json"
DEFAULT_URL = "http://127.0.0.1:50010/api.json"
MIN_PAYMENT = Decimal("0.01")


class JsonProtocolError(ProtocolError):
    """The service answered something that is not a protocol answer (not JSON, no ``result``…)."""


class JsonServiceError(DeviceError):
    """The service (or the register behind it) refused: ``result`` ≠ 0. ``message_ru`` is its
    ``description``; the code table is not published."""

    def __init__(self, code: int, description: str, command: str) -> None:
        super().__init__(code, f"driver service result {code}", description, family=FAMILY, command=command)
        self.description = description


# =============================================================================================
# Envelope
# =============================================================================================

def _strip_nulls(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {str(k): _strip_nulls(v) for k, v in value.items() if v is not None}
    if isinstance(value, (list, tuple)):
        return [_strip_nulls(v) for v in value]
    return value


@dataclass(frozen=True)
class JsonRequest:
    """One request object. ``null_session`` sends ``"sessionKey": null`` (OpenSession)."""

    command: str
    session_key: str | None = None
    params: Mapping[str, Any] = field(default_factory=dict)
    null_session: bool = False

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        if self.session_key is not None:
            out["sessionKey"] = self.session_key
        elif self.null_session:
            out["sessionKey"] = None
        out["command"] = self.command
        for key, value in _strip_nulls(self.params).items():
            if key in ("command", "sessionKey"):
                raise InvalidParameter(f"{key!r} is set by the envelope, not by parameters",
                                       message_ru=f"{key!r} задаётся конвертом запроса, а не параметрами")
            out[key] = value
        return out

    def encode(self) -> bytes:
        """UTF-8 JSON, compact, Cyrillic kept as is."""
        return json.dumps(self.to_json(), ensure_ascii=False, separators=(",", ":")).encode("utf-8")


class JsonResponse:
    """An answer object; :meth:`get` ignores key case (the service's own client reads it that way)."""

    __slots__ = ("_lower", "command", "description", "fields", "result")

    def __init__(self, fields: Mapping[str, Any], command: str = "") -> None:
        self.fields = dict(fields)
        self.command = command
        self._lower = {str(key).lower(): value for key, value in self.fields.items()}
        result = self._lower.get("result")
        if isinstance(result, bool) or not isinstance(result, int):
            raise JsonProtocolError(f"driver service answer to {command or 'a request'} has no integer "
                                    f"'result': {result!r}",
                                    message_ru=f"в ответе сервиса драйвера на {command or 'запрос'} нет целого "
                                               f"'result': {result!r}")
        description = self._lower.get("description")
        self.result: int = result
        self.description: str = description if isinstance(description, str) else ""

    @property
    def ok(self) -> bool:
        return self.result == 0

    def get(self, key: str, default: Any = None) -> Any:
        return self._lower.get(key.lower(), default)

    def __contains__(self, key: str) -> bool:
        return key.lower() in self._lower

    def raise_for_result(self) -> JsonResponse:
        if self.result != 0:
            raise JsonServiceError(self.result, self.description, self.command)
        return self

    def __repr__(self) -> str:
        return f"JsonResponse({self.command!r}, result={self.result}, fields={self.fields!r})"


def decode_response(data: bytes | str | Mapping[str, Any], command: str = "", *,
                    check: bool = True) -> JsonResponse:
    """Parse an answer; with ``check`` a non-zero ``result`` raises :class:`JsonServiceError`."""
    if isinstance(data, Mapping):
        obj: Any = data
    else:
        try:
            obj = json.loads(data.decode("utf-8-sig") if isinstance(data, bytes) else data)
        except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as exc:
            raise JsonProtocolError(f"driver service answer is not UTF-8 JSON: {exc}",
                                    message_ru=f"ответ сервиса драйвера — не JSON в UTF-8: {exc}") from exc
    if not isinstance(obj, Mapping):
        raise JsonProtocolError(f"driver service answer is not a JSON object: {type(obj).__name__}",
                                message_ru=f"ответ сервиса драйвера — не объект JSON: {type(obj).__name__}")
    response = JsonResponse(obj, command)
    return response.raise_for_result() if check else response


# =============================================================================================
# Catalogue
# =============================================================================================

@dataclass(frozen=True)
class JsonCommand:
    """One service command. ``fiscal``: it makes a fiscal document — never resend it blindly."""

    name: str
    doc_ru: str
    doc_en: str
    session: bool = True
    idempotent: bool = False
    fiscal: bool = False


def _c(name: str, doc_ru: str, doc_en: str, *, session: bool = True, idempotent: bool = False,
       fiscal: bool = False) -> JsonCommand:
    return JsonCommand(name, doc_ru, doc_en, session, idempotent, fiscal)


CATALOGUE: dict[str, JsonCommand] = {c.name: c for c in (
    _c("OpenSession", "Открыть сессию (порт, скорость, модель)", "Open a session (port, speed, model)",
       session=False),
    _c("CloseSession", "Закрыть сессию", "Close the session"),
    _c("ClosePorts", "Закрыть неактивные порты", "Close inactive ports", session=False, idempotent=True),
    _c("GetDriverInfo", "Сведения о драйвере", "Driver information", session=False, idempotent=True),
    _c("GetStatus", "Состояние ККТ, смены, чека и ФН", "Register, shift, receipt and FN state", idempotent=True),
    _c("GetCommonInfo", "Общие сведения о ККТ", "General register information", idempotent=True),
    _c("GetDateTime", "Считать дату и время ККТ", "Read the register's date and time", idempotent=True),
    _c("SetDateTime", "Установить дату и время ККТ", "Set the register's date and time", idempotent=True),
    _c("OpenShift", "Открыть смену", "Open the shift", fiscal=True),
    _c("CloseShift", "Закрыть смену", "Close the shift", fiscal=True),
    _c("OpenCheck", "Открыть чек", "Open a receipt"),
    _c("AddGoods", "Добавить предмет расчёта в чек", "Add an item to the open receipt"),
    _c("CloseCheck", "Закрыть чек", "Close the receipt", fiscal=True),
    _c("ResetCheck", "Аннулировать открытый чек", "Cancel the open receipt", idempotent=True),
    _c("BringMoney", "Внесение наличных", "Cash in", fiscal=True),
    _c("WithdrawMoney", "Выплата наличных", "Cash out", fiscal=True),
    _c("PrintReport", "Напечатать отчёт", "Print a report"),
    _c("ReportStatusOfSettlements", "Отчёт о текущем состоянии расчётов", "Current settlement status report",
       fiscal=True),
    _c("RegisterKKT", "Регистрация ККТ", "Register the KKT", fiscal=True),
    _c("ReregisterKKT", "Перерегистрация ККТ", "Re-register the KKT", fiscal=True),
    _c("GetRegistrationInfo", "Параметры регистрации", "Registration parameters", idempotent=True),
    _c("CloseFN", "Закрыть фискальный накопитель", "Close the fiscal drive", fiscal=True),
    _c("PrintDocFromFN", "Напечатать документ из ФН по номеру", "Print a document from the FN by number"),
    _c("PrintText", "Напечатать текст", "Print text"),
    _c("PrintBarCode", "Напечатать штрихкод", "Print a barcode"),
    _c("PrintEgaisSlip", "Напечатать слип ЕГАИС", "Print an EGAIS slip"),
    _c("OpenBox", "Открыть денежный ящик", "Open the cash drawer"),
    _c("CheckMarkingCode", "Начать проверку кода маркировки", "Start checking a marking code"),
    _c("GetMarkingCodeCheckResult", "Результат проверки кода маркировки", "Marking code check result",
       idempotent=True),
    _c("AcceptMarkingCode", "Принять код маркировки", "Accept the marking code"),
    _c("RejectMarkingCode", "Отклонить код маркировки", "Reject the marking code"),
    _c("AbortMarkingCodeChecking", "Прервать проверку кода маркировки", "Abort the marking code check"),
    _c("ClearMarkingCodeValidationTable", "Очистить таблицу проверенных кодов маркировки",
       "Clear the marking code validation table"),
    _c("GetBaseVer", "Версии базы товаров", "Goods base versions", idempotent=True),
    _c("WriteGoodsBase", "Записать базу товаров (асинхронно)", "Write the goods base (asynchronous)"),
    _c("ReadGoodsBase", "Начать чтение базы товаров", "Start reading the goods base"),
    _c("GetGoodsBase", "Получить прочитанную базу товаров", "Get the goods base read", idempotent=True),
    _c("GetProgress", "Ход длительной операции", "Progress of a long operation", idempotent=True),
    _c("BreakOperation", "Прервать длительную операцию", "Break the long operation"),
    _c("ConvertBaseToBin", "Преобразовать базу товаров в двоичный вид", "Convert a goods base to binary",
       session=False, idempotent=True),
    _c("ConvertBaseFromBin", "Преобразовать базу товаров из двоичного вида", "Convert a goods base from binary",
       session=False, idempotent=True),
    _c("ReadSales", "Начать чтение журнала продаж", "Start reading the sales journal"),
    _c("GetSales", "Получить прочитанный журнал продаж", "Get the sales journal read", idempotent=True),
    _c("ClearSales", "Очистить журнал продаж", "Clear the sales journal"),
    _c("ConvertSalesFromBin", "Преобразовать журнал продаж из двоичного вида",
       "Convert a sales journal from binary", session=False, idempotent=True),
    # Not in the published catalogue: our extension, designed in the service's style [inferred]
    # (protocol-notes/incotex/server-id.md). A real service may not know them.
    _c("GetFnDocument", "Документ ФН по номеру, с TLV [inferred]", "FN document by number, with its TLV [inferred]",
       idempotent=True),
    _c("GetServerKKTSettings", "ID кассы и адрес Сервера ККТ [inferred]",
       "Register ID and «Сервер ККТ» address [inferred]", idempotent=True),
    _c("SetServerKKTSettings", "Задать ID кассы и адрес Сервера ККТ [inferred]",
       "Set the register ID and «Сервер ККТ» address [inferred]", idempotent=True),
    _c("GetServerKKTStatus", "Статус обмена с Сервером ККТ («СТАТУС СЕРВ. ККТ») [inferred]",
       "«Сервер ККТ» exchange status [inferred]", idempotent=True),
    _c("TestServerKKT", "Тест связи с Сервером ККТ («ТЕСТ.СЕРВ.ККТ») [inferred]",
       "«Сервер ККТ» connection test [inferred]", idempotent=True),
    _c("ExchangeServerKKT", "Обмен с Сервером ККТ: база товаров и журнал продаж [inferred]",
       "Exchange with the «Сервер ККТ»: goods base in, sales journal out [inferred]"),
)}

#: commands that are our extension, not the published catalogue [inferred]
EXTENSION_COMMANDS = frozenset({"GetFnDocument", "GetServerKKTSettings", "SetServerKKTSettings",
                                "GetServerKKTStatus", "TestServerKKT", "ExchangeServerKKT"})


def request(command: str, session_key: str | None = None, params: Mapping[str, Any] | None = None) -> JsonRequest:
    """A request for any catalogued command (the typed builders below cover the common ones)."""
    spec = CATALOGUE.get(command)
    if spec is None:
        raise InvalidParameter(f"unknown driver-service command {command!r}; known: {', '.join(sorted(CATALOGUE))}",
                               message_ru=f"неизвестная команда сервиса драйвера {command!r}; известны: "
                                          f"{', '.join(sorted(CATALOGUE))}")
    if spec.session and not session_key:
        raise InvalidParameter(f"{command} needs a session key (OpenSession first)",
                               message_ru=f"{command}: нужен ключ сессии (сначала OpenSession)")
    if not spec.session and session_key is not None:
        raise InvalidParameter(f"{command} is a service command and takes no session key",
                               message_ru=f"{command} — служебная команда, ключ сессии ей не передаётся")
    return JsonRequest(command, session_key, dict(params or {}), null_session=command == "OpenSession")


# =============================================================================================
# Parameter objects
# =============================================================================================

@dataclass(frozen=True)
class Cashier:
    """``cashierInfo``: кассир (фамилия и должность) and optional ИНН (10 or 12 digits)."""

    name: str
    inn: str | None = None

    def to_json(self) -> dict[str, Any]:
        if not self.name.strip():
            raise InvalidParameter("cashier name must not be empty", message_ru="имя кассира не может быть пустым")
        if self.inn is not None and not (self.inn.isdigit() and len(self.inn) in (10, 12)):
            raise InvalidParameter(f"cashier INN must be 10 or 12 digits, got {self.inn!r}",
                                   message_ru=f"ИНН кассира должен состоять из 10 или 12 цифр, получено {self.inn!r}")
        return {"cashierName": self.name, "cashierINN": self.inn}


@dataclass(frozen=True)
class Buyer:
    """``buyerInfo`` (покупатель): name and ИНН, plus the optional identity fields of FFD 1.2."""

    name: str | None = None
    inn: str | None = None
    extra: Mapping[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {"buyerName": self.name, "buyerINN": self.inn, **self.extra}


@dataclass(frozen=True)
class Correction:
    """``correctionInfo``: type (0 самостоятельно, 1 по предписанию), cause, base document date and number."""

    correction_type: int = 0
    cause_name: str | None = None
    cause_doc_date: dt.date | None = None
    cause_doc_num: str | None = None

    def to_json(self) -> dict[str, Any]:
        if self.correction_type not in (0, 1):
            raise InvalidParameter(f"correction type must be 0 or 1, got {self.correction_type}",
                                   message_ru=f"тип коррекции должен быть 0 или 1, получено {self.correction_type}")
        return {"correctionType": self.correction_type, "causeName": self.cause_name,
                "causeDocDate": None if self.cause_doc_date is None else format_date(self.cause_doc_date),
                "causeDocNum": self.cause_doc_num}


@dataclass(frozen=True)
class Item:
    """AddGoods: one предмет расчёта. Money in roubles (Decimal), quantity in units."""

    name: str
    price: Decimal
    quantity: Decimal = Decimal(1)
    tax_code: int = 6
    payment_form: int = 4
    product_type: int = 1
    measure_unit: int = MeasureUnit.PIECE
    section: int | None = None
    total: Decimal | None = None
    excise_amount: Decimal | None = None
    country_of_origin: str | None = None
    customs_declaration: str | None = None
    nomenclature_code: str | None = None
    marking_code: str | None = None
    mc_info: Mapping[str, Any] | None = None
    agent: Mapping[str, Any] | None = None
    add_info: str | None = None
    extra: Mapping[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        if not self.name:
            raise InvalidParameter("item name must not be empty", message_ru="название позиции не может быть пустым")
        if self.section is not None and not 1 <= self.section <= 16:
            raise InvalidParameter(f"section must be 1–16, got {self.section}",
                                   message_ru=f"отдел (секция) должен быть 1–16, получено {self.section}")
        return {
            "productName": self.name, "qty": to_quantity(self.quantity), "measureUnit": int(self.measure_unit),
            "section": self.section, "taxCode": int(self.tax_code), "paymentFormCode": int(self.payment_form),
            "productTypeCode": int(self.product_type), "price": to_kopecks(self.price),
            "sum": None if self.total is None else to_kopecks(self.total),
            "exciseAmount": None if self.excise_amount is None else to_kopecks(self.excise_amount),
            "countryOfOrigin": self.country_of_origin, "customsDeclaration": self.customs_declaration,
            "nomenclatureCode": self.nomenclature_code, "markingCode": self.marking_code,
            "mcInfo": self.mc_info, "agent": self.agent, "addInfo": self.add_info, **self.extra,
        }


@dataclass(frozen=True)
class Payment:
    """CloseCheck ``payment``: amounts in roubles; each given one must be ≥ 0.01 ([S1])."""

    cash: Decimal | None = None
    ecash: Decimal | None = None
    prepayment: Decimal | None = None
    credit: Decimal | None = None
    consideration: Decimal | None = None

    def to_json(self) -> dict[str, Any]:
        values = {"cash": self.cash, "ecash": self.ecash, "prepayment": self.prepayment, "credit": self.credit,
                  "consideration": self.consideration}
        out = {key: to_kopecks(value, minimum=MIN_PAYMENT) for key, value in values.items() if value is not None}
        if not out:
            raise InvalidParameter("a payment needs at least one amount",
                                   message_ru="в оплате должна быть хотя бы одна сумма")
        return out


# =============================================================================================
# Builders
# =============================================================================================

def open_session(port_name: str, model: KktModel | str, *, baud_rate: int | None = None,
                 serial_number: str | None = None, debug: bool | None = None, log_path: str | None = None,
                 user_number: int | None = None, user_password: str | None = None) -> JsonRequest:
    """OpenSession: ``portName`` such as ``COM3``, ``USB`` or ``/dev/ttyS0``; ``model`` 119F or 185F."""
    if not port_name.strip():
        raise InvalidParameter("port name must not be empty", message_ru="имя порта не может быть пустым")
    if baud_rate is not None and not 1 <= baud_rate <= 230400:
        raise InvalidParameter(f"baud rate must be 1–230400, got {baud_rate}",
                               message_ru=f"скорость обмена должна быть 1–230400, получено {baud_rate}")
    return request("OpenSession", None, {
        "portName": port_name, "baudRate": baud_rate, "model": KktModel(model).value, "serialNumber": serial_number,
        "debug": debug, "logPath": log_path, "userNumber": user_number, "userPassword": user_password})


def close_session(session_key: str) -> JsonRequest:
    return request("CloseSession", session_key)


def close_ports() -> JsonRequest:
    return request("ClosePorts")


def get_driver_info() -> JsonRequest:
    return request("GetDriverInfo")


def get_status(session_key: str) -> JsonRequest:
    return request("GetStatus", session_key)


def get_common_info(session_key: str) -> JsonRequest:
    return request("GetCommonInfo", session_key)


def get_date_time(session_key: str) -> JsonRequest:
    return request("GetDateTime", session_key)


def set_date_time(session_key: str, value: dt.datetime) -> JsonRequest:
    return request("SetDateTime", session_key, {"dateTime": format_datetime(value)})


def open_shift(session_key: str, cashier: Cashier, *, print_doc: bool = True) -> JsonRequest:
    return request("OpenShift", session_key, {"printDoc": print_doc, "cashierInfo": cashier.to_json()})


def close_shift(session_key: str, cashier: Cashier, *, print_doc: bool = True) -> JsonRequest:
    return request("CloseShift", session_key, {"printDoc": print_doc, "cashierInfo": cashier.to_json()})


def open_check(session_key: str, check_type: CheckType | int, tax_system: TaxSystem | int, cashier: Cashier, *,
               print_doc: bool = True, buyer: Buyer | None = None, correction: Correction | None = None,
               sender_email: str | None = None, address: str | None = None, location: str | None = None,
               additional_props: str | None = None, extra: Mapping[str, Any] | None = None) -> JsonRequest:
    """OpenCheck. A correction receipt (check types 4–7) needs ``correction``."""
    kind = CheckType(check_type)
    is_correction = kind >= CheckType.INCOME_CORRECTION
    if is_correction != (correction is not None):
        raise InvalidParameter("correction info goes with check types 4–7, and only with them",
                               message_ru="данные коррекции передаются с типами чека 4–7 и только с ними")
    return request("OpenCheck", session_key, {
        "checkType": int(kind), "taxSystem": int(TaxSystem(tax_system)), "printDoc": print_doc,
        "cashierInfo": cashier.to_json(), "buyerInfo": None if buyer is None else buyer.to_json(),
        "correctionInfo": None if correction is None else correction.to_json(), "senderEmail": sender_email,
        "address": address, "location": location, "additionalProps": additional_props, **(extra or {})})


def add_goods(session_key: str, item: Item) -> JsonRequest:
    return request("AddGoods", session_key, item.to_json())


def close_check(session_key: str, payment: Payment, *, send_check_to: str | None = None,
                add_info: str | None = None) -> JsonRequest:
    return request("CloseCheck", session_key, {"payment": payment.to_json(), "sendCheckTo": send_check_to,
                                               "addInfo": add_info})


def reset_check(session_key: str) -> JsonRequest:
    return request("ResetCheck", session_key)


def bring_money(session_key: str, amount: Decimal, cashier: Cashier) -> JsonRequest:
    return request("BringMoney", session_key, {"cash": to_kopecks(amount, minimum=MIN_PAYMENT),
                                               "cashierInfo": cashier.to_json()})


def withdraw_money(session_key: str, amount: Decimal, cashier: Cashier) -> JsonRequest:
    return request("WithdrawMoney", session_key, {"cash": to_kopecks(amount, minimum=MIN_PAYMENT),
                                                  "cashierInfo": cashier.to_json()})


def print_report(session_key: str, report: ReportCode | int) -> JsonRequest:
    return request("PrintReport", session_key, {"reportCode": int(ReportCode(report))})


def report_status_of_settlements(session_key: str, cashier: Cashier) -> JsonRequest:
    return request("ReportStatusOfSettlements", session_key, {"cashierInfo": cashier.to_json()})


def print_text(session_key: str, text: str, *, force_print: bool | None = None) -> JsonRequest:
    return request("PrintText", session_key, {"text": text, "forcePrint": force_print})


def print_barcode(session_key: str, kind: BarcodeType | int, value: str) -> JsonRequest:
    return request("PrintBarCode", session_key, {"bcType": int(BarcodeType(kind)), "value": value})


def open_box(session_key: str) -> JsonRequest:
    return request("OpenBox", session_key)


def print_doc_from_fn(session_key: str, fiscal_doc_num: int) -> JsonRequest:
    if fiscal_doc_num <= 0:
        raise InvalidParameter(f"fiscal document number must be positive, got {fiscal_doc_num}",
                               message_ru="номер фискального документа должен быть положительным, получено "
                                          f"{fiscal_doc_num}")
    return request("PrintDocFromFN", session_key, {"fiscalDocNum": fiscal_doc_num})


def get_registration_info(session_key: str) -> JsonRequest:
    return request("GetRegistrationInfo", session_key)


def close_fn(session_key: str, cashier: Cashier) -> JsonRequest:
    return request("CloseFN", session_key, {"cashierInfo": cashier.to_json()})


def check_marking_code(session_key: str, mc: str, planned_status: PlannedStatus | int, *,
                       quantity: Decimal | int = 1, measure_unit: MeasureUnit | int = MeasureUnit.PIECE,
                       timeout: int | None = None) -> JsonRequest:
    """CheckMarkingCode: the marking code, planned status (2003), quantity (×10000) and measure unit."""
    if not mc:
        raise InvalidParameter("marking code must not be empty", message_ru="код маркировки не может быть пустым")
    return request("CheckMarkingCode", session_key, {
        "mc": mc, "plannedStatus": int(PlannedStatus(planned_status)), "qty": to_quantity(quantity),
        "measureUnit": int(MeasureUnit(measure_unit)), "timeout": timeout})


def get_base_ver(session_key: str) -> JsonRequest:
    return request("GetBaseVer", session_key)


def write_goods_base(session_key: str, base: Iterable[GoodsRecord]) -> JsonRequest:
    return request("WriteGoodsBase", session_key, {"base": [record.to_json() for record in base]})


def convert_base_to_bin(base_ver: str, base: Iterable[GoodsRecord]) -> JsonRequest:
    return request("ConvertBaseToBin", None, {"baseVer": base_ver, "base": [record.to_json() for record in base]})


def convert_base_from_bin(data_base64: str) -> JsonRequest:
    return request("ConvertBaseFromBin", None, {"base": data_base64})


def simple(command: str, session_key: str) -> JsonRequest:
    """Commands with no parameters: ReadGoodsBase, GetGoodsBase, GetProgress, BreakOperation, ReadSales,
    GetSales, ClearSales, GetMarkingCodeCheckResult, Accept/RejectMarkingCode, AbortMarkingCodeChecking,
    ClearMarkingCodeValidationTable, …"""
    return request(command, session_key)


# =============================================================================================
# Answers
# =============================================================================================

def _obj(value: Any, what: str) -> dict[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise JsonValueError(f"{what}: expected an object, got {value!r}",
                             message_ru=f"{what}: ожидался объект, получено {value!r}")
    return {str(k).lower(): v for k, v in value.items()}


#: the largest number or count an answer may carry (document numbers are 32-bit in the ФН)
MAX_COUNT = 0xFFFFFFFF


def _int_or_none(value: Any, what: str) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise JsonValueError(f"{what}: expected an integer, got {value!r}",
                             message_ru=f"{what}: ожидалось целое число, получено {value!r}")
    if not 0 <= value <= MAX_COUNT:  # every integer of these answers is a number or a count
        raise JsonValueError(f"{what}: expected 0..{MAX_COUNT}, got {value}",
                             message_ru=f"{what}: ожидалось от 0 до {MAX_COUNT}, получено {value}")
    return value


def _bool_or_none(value: Any, what: str) -> bool | None:
    if value is None or isinstance(value, bool):
        return value
    raise JsonValueError(f"{what}: expected true/false, got {value!r}",
                         message_ru=f"{what}: ожидалось true/false, получено {value!r}")


def _str_or_none(value: Any, what: str) -> str | None:
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)  # numbers such as the fiscal sign may come as JSON numbers
    raise JsonValueError(f"{what}: expected a string, got {value!r}",
                         message_ru=f"{what}: ожидалась строка, получено {value!r}")


def _dt_or_none(value: Any, what: str) -> dt.datetime | None:
    return None if value is None else parse_datetime(value)


@dataclass(frozen=True)
class OpenSessionResult:
    session_key: str
    protocol_ver: str | None = None


def parse_open_session(response: JsonResponse) -> OpenSessionResult:
    response.raise_for_result()
    key = response.get("sessionKey")
    if not isinstance(key, str) or not key:
        raise JsonProtocolError(f"OpenSession answered without a session key: {key!r}",
                                message_ru=f"OpenSession ответил без ключа сессии: {key!r}")
    return OpenSessionResult(key, _str_or_none(response.get("protocolVer"), "protocolVer"))


@dataclass(frozen=True)
class DriverInfo:
    driver_ver: str | None
    protocol_ver: str | None
    driver_base_ver: str | None
    driver_sales_ver: str | None


def parse_driver_info(response: JsonResponse) -> DriverInfo:
    response.raise_for_result()
    return DriverInfo(*(_str_or_none(response.get(key), key)
                        for key in ("driverVer", "protocolVer", "driverBaseVer", "driverSalesVer")))


@dataclass(frozen=True)
class ShiftState:
    is_open: bool | None
    is_24_expired: bool | None
    number: int | None
    last_open: dt.datetime | None
    cash: Decimal | None


@dataclass(frozen=True)
class CheckState:
    is_open: bool | None
    number: int | None
    goods_qty: int | None


@dataclass(frozen=True)
class FnState:
    phase: int | None
    fn_num: str | None
    last_doc_num: int | None
    last_doc_date_time: dt.datetime | None
    unsent_qty: int | None
    first_unsent_num: int | None
    first_unsent_date_time: dt.datetime | None


@dataclass(frozen=True)
class KktStatus:
    """GetStatus answer."""

    date_time: dt.datetime | None
    paper_presence: bool | None
    shift: ShiftState
    check: CheckState
    fn: FnState


def parse_status(response: JsonResponse) -> KktStatus:
    response.raise_for_result()
    shift = _obj(response.get("shiftInfo"), "shiftInfo")
    check = _obj(response.get("checkInfo"), "checkInfo")
    fn = _obj(response.get("fnInfo"), "fnInfo")
    last = _obj(fn.get("lastdoc"), "fnInfo.lastDoc")
    unsent = _obj(fn.get("unsigneddocs"), "fnInfo.unsignedDocs")
    cash = shift.get("cash")
    return KktStatus(
        date_time=_dt_or_none(response.get("dateTime"), "dateTime"),
        paper_presence=_bool_or_none(response.get("paperPresence"), "paperPresence"),
        shift=ShiftState(_bool_or_none(shift.get("isopen"), "shiftInfo.isOpen"),
                         _bool_or_none(shift.get("is24expired"), "shiftInfo.is24Expired"),
                         _int_or_none(shift.get("num"), "shiftInfo.num"),
                         _dt_or_none(shift.get("lastopen"), "shiftInfo.lastOpen"),
                         None if cash is None else from_kopecks(cash)),
        check=CheckState(_bool_or_none(check.get("isopen"), "checkInfo.isOpen"),
                         _int_or_none(check.get("num"), "checkInfo.num"),
                         _int_or_none(check.get("goodsqty"), "checkInfo.goodsQty")),
        fn=FnState(_int_or_none(fn.get("status"), "fnInfo.status"), _str_or_none(fn.get("fnnum"), "fnInfo.fnNum"),
                   _int_or_none(last.get("num"), "fnInfo.lastDoc.num"),
                   _dt_or_none(last.get("datetime"), "fnInfo.lastDoc.dateTime"),
                   _int_or_none(unsent.get("qty"), "fnInfo.unsignedDocs.qty"),
                   _int_or_none(unsent.get("firstnum"), "fnInfo.unsignedDocs.firstNum"),
                   _dt_or_none(unsent.get("firstdatetime"), "fnInfo.unsignedDocs.firstDateTime")))


@dataclass(frozen=True)
class CommonInfo:
    """GetCommonInfo answer (money limits converted from kopecks)."""

    model: str | None
    kkt_num: str | None
    fn_num: str | None
    ffd_fn_ver: str | None
    ffd_kkt_ver: str | None
    ffd_total_ver: str | None
    program_ver: str | None
    program_date: str | None
    date_time: dt.datetime | None
    cpl: tuple[int, ...]
    max_goods_sum: Decimal | None
    max_check_sum: Decimal | None
    max_goods_qty: int | None


def parse_common_info(response: JsonResponse) -> CommonInfo:
    response.raise_for_result()
    cpl = response.get("cpl") or []
    if not isinstance(cpl, list) or not all(isinstance(n, int) and not isinstance(n, bool) for n in cpl):
        raise JsonValueError(f"cpl: expected a list of integers, got {cpl!r}",
                             message_ru=f"cpl: ожидался список целых чисел, получено {cpl!r}")
    def text(key: str) -> str | None:
        return _str_or_none(response.get(key), key)

    goods_sum, check_sum = response.get("maxGoodsSum"), response.get("maxCheckSum")
    return CommonInfo(text("model"), text("kktNum"), text("fnNum"), text("ffdFnVer"), text("ffdKktVer"),
                      text("ffdTotalVer"), text("programVer"), text("programDate"),
                      _dt_or_none(response.get("dateTime"), "dateTime"), tuple(cpl),
                      None if goods_sum is None else from_kopecks(goods_sum),
                      None if check_sum is None else from_kopecks(check_sum),
                      _int_or_none(response.get("maxGoodsQty"), "maxGoodsQty"))


def parse_date_time(response: JsonResponse) -> dt.datetime:
    response.raise_for_result()
    return parse_datetime(response.get("dateTime"))


@dataclass(frozen=True)
class FiscalResult:
    """Answer of OpenShift, CloseShift, CloseCheck, BringMoney/WithdrawMoney, ReportStatusOfSettlements,
    CloseFN (and OpenCheck/AddGoods, which [S16] reads ``shiftNum``/``checkNum``/``goodsNum`` from)."""

    shift_num: int | None = None
    check_num: int | None = None
    fiscal_doc_num: int | None = None
    fiscal_sign: str | None = None
    date_time: dt.datetime | None = None
    goods_num: int | None = None
    fn_num: str | None = None


def parse_fiscal_result(response: JsonResponse) -> FiscalResult:
    response.raise_for_result()
    return FiscalResult(_int_or_none(response.get("shiftNum"), "shiftNum"),
                        _int_or_none(response.get("checkNum"), "checkNum"),
                        _int_or_none(response.get("fiscalDocNum"), "fiscalDocNum"),
                        _str_or_none(response.get("fiscalSign"), "fiscalSign"),
                        _dt_or_none(response.get("dateTime"), "dateTime"),
                        _int_or_none(response.get("goodsNum"), "goodsNum"),
                        _str_or_none(response.get("fnNum"), "fnNum"))


@dataclass(frozen=True)
class BaseVersions:
    kkt_base_ver: str | None
    driver_base_ver: str | None


def parse_base_ver(response: JsonResponse) -> BaseVersions:
    response.raise_for_result()
    return BaseVersions(_str_or_none(response.get("kktBaseVer"), "kktBaseVer"),
                        _str_or_none(response.get("driverBaseVer"), "driverBaseVer"))


@dataclass(frozen=True)
class Progress:
    cmd_refer: str | None
    op_status: int | None
    progress: int | None


def parse_progress(response: JsonResponse) -> Progress:
    response.raise_for_result()
    return Progress(_str_or_none(response.get("cmdRefer"), "cmdRefer"),
                    _int_or_none(response.get("opStatus"), "opStatus"),
                    _int_or_none(response.get("progress"), "progress"))


def parse_goods_base(response: JsonResponse) -> tuple[GoodsRecord, ...]:
    response.raise_for_result()
    base = response.get("base")
    if not isinstance(base, list):
        raise JsonValueError(f"base: expected a list, got {type(base).__name__}",
                             message_ru=f"base: ожидался список, получено {type(base).__name__}")
    return tuple(GoodsRecord.from_json(item) for item in base)


@dataclass(frozen=True)
class MarkingCheckResult:
    is_completed: bool | None
    online_check: Mapping[str, Any]


def parse_marking_check(response: JsonResponse) -> MarkingCheckResult:
    response.raise_for_result()
    online = response.get("onlineCheck")
    if online is not None and not isinstance(online, Mapping):
        raise JsonValueError(f"onlineCheck: expected an object, got {online!r}",
                             message_ru=f"onlineCheck: ожидался объект, получено {online!r}")
    return MarkingCheckResult(_bool_or_none(response.get("isCompleted"), "isCompleted"), dict(online or {}))


@dataclass(frozen=True)
class RegistrationInfo:
    tax_systems: tuple[int, ...]
    reg_num: str | None
    raw: Mapping[str, Any]


def parse_registration_info(response: JsonResponse) -> RegistrationInfo:
    response.raise_for_result()
    info = _obj(response.get("registrationInfo"), "registrationInfo")
    taxes = info.get("taxsystem") or []
    if not isinstance(taxes, list) or not all(isinstance(t, int) and not isinstance(t, bool) for t in taxes):
        raise JsonValueError(f"registrationInfo.taxSystem: expected a list of integers, got {taxes!r}",
                             message_ru=f"registrationInfo.taxSystem: ожидался список целых чисел, получено {taxes!r}")
    kkt = _obj(info.get("kkt"), "registrationInfo.kkt")
    return RegistrationInfo(tuple(taxes), _str_or_none(kkt.get("regnum"), "registrationInfo.kkt.regNum"),
                            dict(response.get("registrationInfo") or {}))


def quantity_of(value: Any) -> Decimal:
    """Read a ``qty`` value (×10000) back as units."""
    return from_quantity(value)


# =============================================================================================
# Our extension [inferred]: ФН documents and the «Сервер ККТ»
# =============================================================================================

@dataclass(frozen=True)
class FnDocument:
    """GetFnDocument answer [inferred]: ``fiscalDocNum``, ``docType`` (the ФН document type, FFD tag
    1000 codes), ``dateTime``, ``fiscalSign``, ``shiftNum``, ``checkNum``, ``ofdConfirmed`` and ``tlv``
    (the whole document, base64) when asked for with ``withTlv``."""

    number: int
    doc_type: int
    date_time: dt.datetime
    fiscal_sign: int
    shift_num: int | None = None
    check_num: int | None = None
    ofd_confirmed: bool | None = None
    tlv: bytes | None = None


def get_fn_document(session_key: str, number: int, *, with_tlv: bool = False) -> JsonRequest:
    if number <= 0:
        raise InvalidParameter(f"fiscal document number must be positive, got {number}",
                               message_ru=f"номер фискального документа должен быть положительным, получено {number}")
    return request("GetFnDocument", session_key, {"fiscalDocNum": number, "withTlv": with_tlv or None})


def parse_fn_document(response: JsonResponse) -> FnDocument:
    import base64
    import binascii

    response.raise_for_result()
    number = _int_or_none(response.get("fiscalDocNum"), "fiscalDocNum")
    doc_type = _int_or_none(response.get("docType"), "docType")
    when = _dt_or_none(response.get("dateTime"), "dateTime")
    sign = _str_or_none(response.get("fiscalSign"), "fiscalSign")
    if number is None or doc_type is None or when is None or sign is None or not sign.isdigit():
        raise JsonValueError(f"GetFnDocument answer lacks its number, type, time or fiscal sign: {response!r}",
                             message_ru="в ответе GetFnDocument нет номера, типа, времени или фискального признака: "
                                        f"{response!r}")
    raw = response.get("tlv")
    tlv = None
    if raw is not None:
        if not isinstance(raw, str):
            raise JsonValueError(f"tlv: expected base64 text, got {raw!r}",
                                 message_ru=f"tlv: ожидался текст base64, получено {raw!r}")
        try:
            tlv = base64.b64decode(raw.encode("ascii"), validate=True)
        except (binascii.Error, UnicodeEncodeError) as exc:
            raise JsonValueError(f"tlv: not base64: {exc}", message_ru=f"tlv: не base64: {exc}") from exc
    return FnDocument(number, doc_type, when, int(sign), _int_or_none(response.get("shiftNum"), "shiftNum"),
                      _int_or_none(response.get("checkNum"), "checkNum"),
                      _bool_or_none(response.get("ofdConfirmed"), "ofdConfirmed"), tlv)


@dataclass(frozen=True)
class ServerSettings:
    """GetServerKKTSettings answer [inferred]: the register's ID on the «Сервер ККТ» («ID КАССЫ»,
    empty when none) and the server's address."""

    server_id: str
    address: str


def set_server_settings(session_key: str, server_id: str, address: str | None = None) -> JsonRequest:
    if server_id and not (server_id.isascii() and server_id.isdigit() and len(server_id) <= 10):
        raise InvalidParameter(f"the «Сервер ККТ» ID is up to 10 digits, got {server_id!r}",
                               message_ru=f"ID «Сервера ККТ» — не более 10 цифр, получено {server_id!r}")
    return request("SetServerKKTSettings", session_key, {"serverId": server_id, "serverAddress": address})


def parse_server_settings(response: JsonResponse) -> ServerSettings:
    response.raise_for_result()
    return ServerSettings(_str_or_none(response.get("serverId"), "serverId") or "",
                          _str_or_none(response.get("serverAddress"), "serverAddress") or "")


@dataclass(frozen=True)
class ServerStatus:
    """GetServerKKTStatus / TestServerKKT / ExchangeServerKKT answer [inferred]: ``state`` (see
    :class:`~.kkt_server.ExchangeState`), the last exchange, goods in the register's base, sales not yet
    sent, and ``message`` (what the register's display says, e.g. which goods record was refused)."""

    state: int
    last_exchange: dt.datetime | None
    goods_qty: int
    unsent_sales: int
    message: str


def parse_server_status(response: JsonResponse) -> ServerStatus:
    response.raise_for_result()
    state = _int_or_none(response.get("state"), "state")
    if state is None:
        raise JsonValueError("«Сервер ККТ» status without a state",
                             message_ru="состояние «Сервера ККТ» без поля состояния")
    return ServerStatus(state, _dt_or_none(response.get("lastExchange"), "lastExchange"),
                        _int_or_none(response.get("goodsQty"), "goodsQty") or 0,
                        _int_or_none(response.get("unsentSales"), "unsentSales") or 0,
                        _str_or_none(response.get("message"), "message") or "")


def parse_sales(response: JsonResponse) -> dict[str, Any]:
    """GetSales answer: the journal as the service gives it (``kktRegNum``, ``kktNum``, ``ownerInn``,
    ``ffdVer``, ``salesVer``, ``programDate``, ``shifts`` — [S1]), checked to be an object with shifts."""
    response.raise_for_result()
    shifts = response.get("shifts")
    if shifts is not None and not isinstance(shifts, (list, Mapping)):
        raise JsonValueError(f"shifts: expected a list of shifts, got {type(shifts).__name__}",
                             message_ru=f"shifts: ожидался список смен, получено {type(shifts).__name__}")
    return {key: value for key, value in response.fields.items() if key.lower() not in ("result", "description")}


# =============================================================================================
# Session bookkeeping
# =============================================================================================

class JsonSession:
    """Keeps the session key between OpenSession and CloseSession (sans-I/O; the caller sends)."""

    def __init__(self) -> None:
        self.key: str | None = None
        self.protocol_ver: str | None = None

    @property
    def is_open(self) -> bool:
        return self.key is not None

    def require(self) -> str:
        if self.key is None:
            raise InvalidParameter("no driver-service session: send OpenSession first",
                                   message_ru="нет сессии сервиса драйвера: сначала отправьте OpenSession")
        return self.key

    def opened(self, response: JsonResponse) -> OpenSessionResult:
        result = parse_open_session(response)
        self.key, self.protocol_ver = result.session_key, result.protocol_ver
        return result

    def close(self) -> JsonRequest:
        return close_session(self.require())

    def closed(self) -> None:
        self.key = None
        self.protocol_ver = None
