"""What an emulated Меркурий does, whichever protocol asks: the shared behaviour behind MS-K and JSON.

Shifts, receipts, cash, registration and the ФН go to the shared virtual ФN (:class:`FiscalCore`); the
drawer, the cashier, the goods base, the sales journal and the «Сервер ККТ» settings are device values kept
with its archive. A receipt is collected here (:class:`Sale`) and handed to the ФН in one call when it is
closed, with the drawer and the journal entry in the same commit. Refusals are :class:`Refusal` with a
protocol-neutral reason (:class:`Why`); each protocol turns it into its own result code.

An open receipt belongs to whoever opened it (an MS-K connection, a driver-service session): anyone else's
state change is refused until it is closed or cancelled, or its owner is gone.
"""

from __future__ import annotations

import datetime as dt
import enum
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from kkt_drivers.ffd.tlv import Tlv, decode_tlv, encode_tlv
from kkt_drivers.protocols.incotex.json_goods import GoodsRecord
from kkt_drivers.protocols.incotex.kkt_server import STATE_TEXT, ExchangeState, GoodsBaseError, check_device_base

from ...core.clock import DeviceClock
from ...core.fiscal import CorrectionData, DocumentResult, FiscalCore, FnError, ItemData, ReceiptData, Registration
from ...core.incidents import Incidents
from . import server_link
from .journal import SalesJournal
from .profile import MercuryProfile

#: payment tags in the order ReceiptData takes them
PAYMENT_TAGS = (1031, 1081, 1215, 1216, 1217)
REGISTRATION_TAGS = {
    1048: "user_name", 1018: "inn", 1037: "rnm", 1009: "address", 1187: "place", 1062: "taxation",
    1017: "ofd_inn", 1046: "ofd_name", 1060: "fns_site", 1117: "sender_email", 1209: "ffd_version",
    1002: "autonomous", 1056: "encryption", 1001: "automatic", 1108: "internet", 1109: "services",
    1110: "bso", 1207: "excise", 1036: "machine_number",
}
_FLAGS = ("autonomous", "encryption", "automatic", "internet", "services", "bso", "gambling", "lottery", "excise")
#: goods records per second a long base operation runs at (the control op ``goods_rate`` changes it) [inferred]
GOODS_RATE = 5000.0


class Why(enum.Enum):
    """Why the register refused, whatever the protocol."""

    NOT_FISCAL = "not-fiscal"
    SHIFT_OPEN = "shift-open"
    SHIFT_CLOSED = "shift-closed"
    SHIFT_EXPIRED = "shift-expired"
    RECEIPT_OPEN = "receipt-open"
    RECEIPT_CLOSED = "receipt-closed"
    RECEIPT_OF_ANOTHER = "receipt-of-another"
    UNDERPAID = "underpaid"
    NONCASH_EXCEEDS = "noncash-exceeds"
    NO_CASH = "no-cash"
    BAD_VALUE = "bad-value"
    MISSING = "missing"
    NO_DATA = "no-data"
    BUSY = "busy"
    NO_OPERATION = "no-operation"
    GOODS = "goods"
    NO_SERVER_ID = "no-server-id"
    SERVER = "server"
    FN = "fn"


class Refusal(Exception):
    def __init__(self, why: Why, detail: str = "", *, fn_code: int | None = None,
                 server_state: ExchangeState | None = None) -> None:
        super().__init__(f"{why.value}: {detail}" if detail else why.value)
        self.why = why
        self.detail = detail
        self.fn_code = fn_code
        self.server_state = server_state


@dataclass
class Sale:
    """A receipt (or correction) being collected; ``goods`` is its journal form, position by position."""

    operation: int  # 1054
    correction: bool = False
    taxation: int | None = None  # 1055 bit; None: the registered one
    cashier: str = ""
    cashier_inn: str | None = None
    items: list[ItemData] = field(default_factory=list)
    goods: list[dict[str, Any]] = field(default_factory=list)
    payments: dict[int, int] = field(default_factory=dict)  # payment tag -> kopecks
    extra: list[tuple[int, bytes]] = field(default_factory=list)
    buyer_contact: str | None = None
    buyer: dict[str, Any] | None = None
    correction_type: int = 0
    basis_date: dt.date | None = None
    basis_number: str = ""
    description: str = ""
    vat_sums: dict[int, int] = field(default_factory=dict)  # 1102..1107
    discount_percent: Decimal | None = None

    @property
    def by_amounts(self) -> bool:
        return self.correction and not self.items

    @property
    def total(self) -> int:
        return sum(self.payments.values()) if self.by_amounts else sum(int(i.amount) for i in self.items)

    @property
    def paid(self) -> int:
        return sum(self.payments.values())


@dataclass
class LongOperation:
    """A goods-base or journal operation the driver service runs in the background (GetProgress)."""

    command: str
    total: int
    rate: float
    finish: Callable[[], None] | None = None
    started: float = field(default_factory=time.monotonic)
    done: bool = False
    broken: bool = False

    def progress(self) -> int:
        if self.done or self.total <= 0:
            return 100
        return min(100, int((time.monotonic() - self.started) * self.rate * 100 / self.total))

    def advance(self) -> None:
        """Complete the operation once its time has come (what it stores, it stores whole, here)."""
        if not self.done and not self.broken and self.progress() >= 100:
            if self.finish is not None:
                self.finish()
            self.done = True


@dataclass(frozen=True)
class ServerStatus:
    state: int
    last_exchange: dt.datetime | None
    goods: int
    unsent_sales: int
    message: str


def kopecks(value: Decimal, what: str) -> int:
    amount = value * 100
    if amount != amount.to_integral_value():
        raise Refusal(Why.BAD_VALUE, f"{what}: дробные копейки {value}")
    return int(amount)


def round_half_up(value: Decimal) -> int:
    return int(value.quantize(Decimal(1), rounding=ROUND_HALF_UP))


class Machine:
    """The register's behaviour over its ФН, for every protocol."""

    def __init__(self, profile: MercuryProfile, clock: DeviceClock, core: FiscalCore, *, tape: Any = None,
                 incidents: Incidents | None = None) -> None:
        self.profile = profile
        self.clock = clock
        self.core = core
        self.tape = tape
        self.incidents = incidents or Incidents()
        self.journal = SalesJournal(core)
        self.goods_rate = GOODS_RATE
        self.paper = True
        self.reset_session_state()

    def reset_session_state(self) -> None:
        self.sale: Sale | None = None
        self.owner: object | None = None
        self.registration_buffer: dict[int, bytes] = {}
        self.operation: LongOperation | None = None

    # -- device values ------------------------------------------------------------------------
    @property
    def drawer(self) -> int:
        return int(self.core.device_value("drawer", 0) or 0)

    def cashier(self) -> tuple[str, str | None]:
        stored = self.core.device_value("cashier")
        if isinstance(stored, list) and len(stored) == 2 and isinstance(stored[0], str):
            return stored[0], stored[1] if isinstance(stored[1], str) else None
        return "КАССИР", None

    def set_cashier(self, name: str, inn: str | None) -> None:
        if (name, inn) != self.cashier():
            self.core.store_device_values({"cashier": [name, inn]})

    def fn(self, call: Callable[..., Any], *args: Any) -> Any:
        try:
            return call(*args)
        except FnError as err:
            raise Refusal(Why.FN, str(err), fn_code=err.code) from None

    def print(self, result: DocumentResult) -> None:
        """Print a document that already exists: a printer failure never undoes it (it is recorded)."""
        if self.tape is not None:
            try:
                self.tape.print_document(result.tlv)
            except Exception as exc:
                self.incidents.record("tape", exc)

    # -- preconditions ----------------------------------------------------------------------------
    def fiscal(self) -> bool:
        return int(self.core.status().phase) == 0x03

    def require_fiscal(self) -> None:
        if not self.fiscal():
            raise Refusal(Why.NOT_FISCAL)

    def idle(self, owner: object) -> None:
        """Refuse a state change while a long operation runs or another owner's receipt is open."""
        self.advance()
        if self.operation is not None and not self.operation.done and not self.operation.broken:
            raise Refusal(Why.BUSY, self.operation.command)
        if self.sale is not None and self.owner not in (None, owner):
            raise Refusal(Why.RECEIPT_OF_ANOTHER)

    def no_receipt(self, owner: object) -> None:
        self.idle(owner)
        if self.sale is not None:
            raise Refusal(Why.RECEIPT_OPEN)

    def owner_gone(self, owner: object) -> None:
        """The connection or session that opened the receipt is gone: it stays open but is anyone's now."""
        if self.owner == owner:
            self.owner = None

    def precheck_sale(self) -> None:
        self.require_fiscal()
        shift = self.core.shift()
        if not shift.open:
            raise Refusal(Why.SHIFT_CLOSED)
        if shift.expired:
            raise Refusal(Why.SHIFT_EXPIRED)

    # -- shift --------------------------------------------------------------------------------------
    def open_shift(self, owner: object, cashier: str, inn: str | None = None) -> DocumentResult:
        self.no_receipt(owner)
        self.require_fiscal()
        if self.core.shift().open:
            raise Refusal(Why.SHIFT_OPEN)
        result: DocumentResult = self.fn(self.core.open_shift, cashier)
        self.print(result)
        try:
            self.core.store_device_values(self.journal.open_values(
                result.shift_number, self.core.status().fn_number,
                {"fiscalDocNum": result.number, "dateTime": result.datetime.isoformat(timespec="seconds"),
                 "cashierInfo": {"cashierName": cashier, "cashierINN": inn}}))
        except Exception as exc:  # the journal never undoes a document
            self.incidents.record("journal", exc)
        self.core.store_device_values({"msk_checks": 0})
        return result

    def close_shift(self, owner: object, cashier: str, inn: str | None = None) -> DocumentResult:
        self.no_receipt(owner)
        self.require_fiscal()
        if not self.core.shift().open:
            raise Refusal(Why.SHIFT_CLOSED)
        result: DocumentResult = self.fn(self.core.close_shift, cashier)
        self.print(result)
        try:
            self.core.store_device_values(self.journal.close_values(
                result.shift_number, self.core.status().fn_number,
                {"fiscalDocNum": result.number, "dateTime": result.datetime.isoformat(timespec="seconds"),
                 "fiscalSign": str(result.fiscal_sign), "cashierInfo": {"cashierName": cashier, "cashierINN": inn}}))
        except Exception as exc:
            self.incidents.record("journal", exc)
        return result

    def x_report(self, owner: object) -> None:
        self.no_receipt(owner)
        if self.tape is not None:
            try:
                from ...core.tape import render_report

                shift, drawer = self.core.shift(), self.drawer
                rows = [("СМЕНА", str(shift.number)), ("СМЕНА ОТКРЫТА", "ДА" if shift.open else "НЕТ"),
                        ("ЧЕКОВ ЗА СМЕНУ", str(max(shift.next_receipt_number - 1, 0))),
                        ("НАЛИЧНЫХ В КАССЕ", f"{drawer // 100}.{drawer % 100:02d}")]
                self.tape.write(render_report("X-ОТЧЕТ", rows, self.profile.line_width))
            except Exception as exc:
                self.incidents.record("tape", exc)

    # -- receipts -------------------------------------------------------------------------------------
    def begin_sale(self, sale: Sale, owner: object) -> None:
        self.no_receipt(owner)
        self.precheck_sale()
        if sale.operation not in (1, 2, 3, 4):
            raise Refusal(Why.BAD_VALUE, f"признак расчёта {sale.operation}")
        self.sale, self.owner = sale, owner

    def require_sale(self, owner: object) -> Sale:
        self.idle(owner)
        if self.sale is None:
            raise Refusal(Why.RECEIPT_CLOSED)
        return self.sale

    def check_marking(self, code: str, planned_status: int) -> None:
        """A marked position: the register checks its code in the ФН and keeps the result for the receipt
        (B1h, B5h/B6h with the simulated marking system, B2h) [inferred: how a Меркурий sequences it]."""
        core = self.core
        self.fn(core.check_marking_code, code)
        registration = core.registration()
        if registration is not None and not registration.autonomous:
            request = self.fn(core.marking_request, self.clock.now(), ((2003, bytes((planned_status,))),))
            self.fn(core.marking_response, core.simulated_marking_answer(request))
        self.fn(core.save_marking_result, True)

    def add_item(self, owner: object, item: ItemData, goods: dict[str, Any]) -> None:
        sale = self.require_sale(owner)
        if sale.correction and not self.ffd12():
            raise Refusal(Why.BAD_VALUE, "позиции в чеке коррекции — только ФФД 1.2")
        if not item.name:
            raise Refusal(Why.MISSING, "наименование предмета расчёта")
        if item.quantity_milli <= 0 or item.price < 0 or item.amount < 0:
            raise Refusal(Why.BAD_VALUE, "цена, количество или стоимость")
        sale.items.append(item)
        sale.goods.append(goods)

    def ffd12(self) -> bool:
        return self.core.config.ffd == "1.2"

    def _spread_discount(self, sale: Sale) -> None:
        """Record 21 «скидка на чек» (percent): the receipt total drops to the rounded discounted sum, the
        difference spread over the positions by amount, the remainder on the last [inferred spreading; the
        captured sale's total, (4.92 + 31.92) × 0.97 = 35.73, is what it gives]."""
        percent = sale.discount_percent
        if percent is None or not sale.items:
            return
        if not Decimal(0) <= percent < Decimal(100):
            raise Refusal(Why.BAD_VALUE, f"скидка {percent} %")
        base = sum(int(item.amount) for item in sale.items)
        target = round_half_up(Decimal(base) * (100 - percent) / 100)
        delta, left = target - base, target - base
        for index, item in enumerate(sale.items):
            share = left if index == len(sale.items) - 1 else delta * int(item.amount) // base if base else 0
            left -= share
            sale.items[index] = replace(item, amount=int(item.amount) + share)
            sale.goods[index] = {**sale.goods[index], "sum": int(item.amount) + share}
        sale.discount_percent = None

    def _taxation(self, sale: Sale) -> int:
        if sale.taxation:
            return sale.taxation
        registered = self.core.registration()
        mask = int(registered.taxation) if registered is not None else 1
        return mask & -mask

    def close_sale(self, owner: object) -> tuple[DocumentResult, int]:
        """Close the open receipt: the fiscal document, the drawer and the journal entry in one commit.
        Returns the document and the change. A refusal leaves the receipt open as it was."""
        sale = self.require_sale(owner)
        self._spread_discount(sale)
        if not sale.items and not sale.correction:
            raise Refusal(Why.MISSING, "в чеке нет предметов расчёта")
        total, paid = sale.total, sale.paid
        cash = sale.payments.get(1031, 0)
        if paid < total:
            raise Refusal(Why.UNDERPAID)
        if not sale.by_amounts and paid - cash > total:
            raise Refusal(Why.NONCASH_EXCEEDS)
        change = paid - total
        kept_cash = cash - change
        drawer = self.drawer + (kept_cash if sale.operation in (1, 4) else -kept_cash)
        if drawer < 0:
            raise Refusal(Why.NO_CASH)  # a refund or expense paid in more cash than the drawer holds [inferred]
        payments = tuple(sale.payments.get(tag, 0) - (change if tag == 1031 else 0) for tag in PAYMENT_TAGS)
        taxation = self._taxation(sale)
        status = self.core.status()
        shift = self.core.shift()
        number = status.last_fd_number + 1
        entry = self._journal_entry(sale, number, shift.next_receipt_number, taxation, total, payments)
        values = {"drawer": drawer, **self.journal.receipt_values(shift.number, status.fn_number, entry)}
        if sale.correction:
            by_vat = {1102: "vat_20", 1103: "vat_10", 1104: "sum_vat_0", 1105: "sum_no_vat", 1106: "vat_20_120",
                      1107: "vat_10_110"}
            vat = {by_vat[tag]: value for tag, value in sale.vat_sums.items()}
            data: CorrectionData | ReceiptData = CorrectionData(
                operation=sale.operation, correction_type=sale.correction_type,
                basis_date=sale.basis_date or self.clock.now().date(), basis_number=sale.basis_number,
                description=sale.description, cash=payments[0], electronic=payments[1], prepaid=payments[2],
                credit=payments[3], other=payments[4], total=total, taxation=taxation, cashier=sale.cashier,
                items=tuple(sale.items), extra=self._extra(sale), **vat)
            result: DocumentResult = self.fn(self.core.correction, data, values)
        else:
            data = ReceiptData(operation=sale.operation, items=tuple(sale.items), cash=payments[0],
                               electronic=payments[1], prepaid=payments[2], credit=payments[3], other=payments[4],
                               total=total, taxation=taxation, cashier=sale.cashier, cashier_inn=sale.cashier_inn,
                               buyer_contact=sale.buyer_contact, extra=self._extra(sale))
            result = self.fn(self.core.receipt, data, values)
        self.sale, self.owner = None, None
        self.print(result)
        return result, change

    def _extra(self, sale: Sale) -> tuple[tuple[int, bytes], ...]:
        extra = list(sale.extra)
        if sale.correction and sale.buyer_contact:
            extra.append((1008, encode_tlv(1008, sale.buyer_contact, self.core.config.ffd)[4:]))
        if sale.buyer:
            ffd = self.core.config.ffd
            children = [Tlv(tag, sale.buyer[key]) for tag, key in ((1227, "buyerName"), (1228, "buyerINN"))
                        if sale.buyer.get(key)]
            if ffd == "1.2" and children:
                extra.append((1256, encode_tlv(1256, children, ffd)[4:]))
            else:
                extra += [(c.tag, encode_tlv(c.tag, c.value, ffd)[4:]) for c in children]
        return tuple(extra)

    @staticmethod
    def _journal_entry(sale: Sale, number: int, receipt_number: int, taxation: int, total: int,
                       payments: tuple[int, ...], *, annulled: bool = False) -> dict[str, Any]:
        check_type = sale.operation - 1 + (4 if sale.correction else 0)
        entry: dict[str, Any] = {
            "annulled": annulled, "fiscalDocNum": 0 if annulled else number, "num": receipt_number,
            "checkType": check_type, "taxSystem": taxation.bit_length() - 1, "total": total,
            "payment": {name: value for name, value in zip(("cash", "ecash", "prepayment", "credit", "consideration"),
                                                              payments, strict=True) if value},
            "goods": list(sale.goods), "cashierInfo": {"cashierName": sale.cashier, "cashierINN": sale.cashier_inn},
        }
        if sale.buyer_contact:
            entry["sendCheckTo"] = sale.buyer_contact
        if sale.buyer:
            entry["buyerInfo"] = sale.buyer
        if sale.correction:
            entry["correctionInfo"] = {"correctionType": sale.correction_type, "causeDocNum": sale.basis_number,
                                       "causeDocDate": sale.basis_date.isoformat() if sale.basis_date else None}
        return entry

    def cancel_sale(self, owner: object) -> None:
        """Annul the open receipt; the journal records it as annulled (no document)."""
        sale = self.require_sale(owner)
        self.sale, self.owner = None, None
        try:
            shift = self.core.shift()
            entry = self._journal_entry(sale, 0, shift.next_receipt_number, self._taxation(sale), sale.total,
                                        tuple(sale.payments.get(tag, 0) for tag in PAYMENT_TAGS), annulled=True)
            self.core.store_device_values(self.journal.receipt_values(shift.number, self.core.status().fn_number,
                                                                      entry))
        except Exception as exc:
            self.incidents.record("journal", exc)

    # -- cash -----------------------------------------------------------------------------------------
    def cash(self, owner: object, delta: int) -> int:
        """Внесение (delta > 0) or выплата (delta < 0): no fiscal document, the drawer moves (with the shift
        open or not [inferred])."""
        self.no_receipt(owner)
        if delta == 0:
            raise Refusal(Why.BAD_VALUE, "сумма 0")
        if self.drawer + delta < 0:
            raise Refusal(Why.NO_CASH)
        self.core.store_device_values({"drawer": self.drawer + delta})
        return self.drawer

    # -- registration ---------------------------------------------------------------------------------
    def registration_from(self, values: Mapping[int, Any]) -> Registration:
        """A registration from requisite values by tag (over MS-K: the ``W`` buffer), completed from the
        current registration on a change."""
        fields: dict[str, Any] = {}
        current = self.core.registration()
        if current is not None:
            fields = {name: getattr(current, name) for name in REGISTRATION_TAGS.values() if hasattr(current, name)}
        for tag, name in REGISTRATION_TAGS.items():
            if tag in values:
                fields[name] = values[tag]
        required = ("user_name", "inn", "rnm", "address", "place", "taxation", "ofd_inn", "ofd_name")
        missing = [name for name in required if name not in fields]
        if missing:
            raise Refusal(Why.MISSING, ", ".join(missing))
        for flag in _FLAGS:
            fields[flag] = bool(fields.get(flag, False))
        try:
            fields["taxation"] = int(fields["taxation"])
            fields["ffd_version"] = int(fields.get("ffd_version", 2))
        except (TypeError, ValueError):
            raise Refusal(Why.BAD_VALUE, "система налогообложения или версия ФФД") from None
        for name in ("inn", "rnm", "ofd_inn"):
            fields[name] = str(fields[name]).strip()
        # a Меркурий registered in FFD 1.2 takes marked goods (1290 bit 8) unless told otherwise [inferred]
        fields.setdefault("marking", fields["ffd_version"] == 4)
        fields["kkt_serial"] = self.profile.serial.rjust(10, "0")
        return Registration(**{k: v for k, v in fields.items() if k in Registration.__dataclass_fields__})

    def decode_buffer(self) -> dict[int, Any]:
        values: dict[int, Any] = {}
        for tag, raw in self.registration_buffer.items():
            try:
                tlv = decode_tlv(tag.to_bytes(2, "little") + len(raw).to_bytes(2, "little") + raw)[0]
            except Exception:
                raise Refusal(Why.BAD_VALUE, f"реквизит {tag}") from None
            values[tag] = tlv.value
        return values

    def register(self, owner: object, kind: int, registration: Registration, reasons: int, cashier: str,
                 new_fn: str | None = None) -> DocumentResult:
        """``kind``: 0 registration, 1 a new ФН, 2 a change (``reasons``: 1101 code / 1205 mask)."""
        self.no_receipt(owner)
        if self.core.shift().open:
            raise Refusal(Why.SHIFT_OPEN)
        if kind == 0:
            result: DocumentResult = self.fn(self.core.register, registration, cashier)
        elif kind == 1:
            if not new_fn:
                raise Refusal(Why.MISSING, "номер нового ФН (1041)")
            result = self.fn(self.core.replace_fn, new_fn, registration, cashier)
        elif kind == 2:
            result = self.fn(self.core.reregister, registration, reasons, cashier)
        else:
            raise Refusal(Why.BAD_VALUE, f"вид регистрации {kind}")
        self.registration_buffer.clear()
        self.print(result)
        return result

    def close_fn(self, owner: object, cashier: str) -> DocumentResult:
        self.no_receipt(owner)
        if self.core.shift().open:
            raise Refusal(Why.SHIFT_OPEN)
        result: DocumentResult = self.fn(self.core.close_fn, cashier)
        self.print(result)
        return result

    # -- goods base and long operations -----------------------------------------------------------------
    def goods_base(self) -> list[dict[str, Any]]:
        stored = self.core.device_value("goods_base", [])
        return [r for r in stored if isinstance(r, dict)] if isinstance(stored, list) else []

    def base_version(self) -> int:
        return int(self.core.device_value("goods_base_ver", 0) or 0)

    def check_goods(self, records: list[Any]) -> list[GoodsRecord]:
        """Every record against this register's limits; :class:`Refusal` (GOODS) naming the first bad one."""
        try:
            return check_device_base(records, max_name=self.profile.goods_name)
        except GoodsBaseError as exc:
            raise Refusal(Why.GOODS, exc.message_ru) from None

    def store_goods(self, records: list[GoodsRecord], version: int | None = None) -> None:
        self.core.store_device_values({"goods_base": [r.to_json() for r in records],
                                       "goods_base_ver": self.base_version() + 1 if version is None else version})

    def start(self, command: str, total: int, finish: Callable[[], None] | None = None) -> LongOperation:
        self.advance()
        if self.operation is not None and not self.operation.done and not self.operation.broken:
            raise Refusal(Why.BUSY, self.operation.command)
        self.operation = LongOperation(command, total, self.goods_rate, finish)
        return self.operation

    def advance(self) -> None:
        if self.operation is not None:
            try:
                self.operation.advance()
            except Refusal:
                self.operation.broken = True
                raise

    def break_operation(self) -> None:
        if self.operation is None or self.operation.done:
            raise Refusal(Why.NO_OPERATION)
        self.operation.broken = True

    # -- «Сервер ККТ» [inferred] -------------------------------------------------------------------------
    def server_settings(self) -> tuple[str, str]:
        server_id = self.core.device_value("server_id", "")
        address = self.core.device_value("server_address", "")
        return (server_id if isinstance(server_id, str) else "", address if isinstance(address, str) else "")

    def set_server(self, server_id: str, address: str | None) -> None:
        if server_id and not (server_id.isdigit() and len(server_id) <= 10):
            raise Refusal(Why.BAD_VALUE, f"ID кассы {server_id!r}")
        values: dict[str, Any] = {"server_id": server_id}
        if address:
            try:
                server_link.split_address(address)
            except server_link.ExchangeFailure as exc:
                raise Refusal(Why.BAD_VALUE, exc.message) from None
            values["server_address"] = address
        self.core.store_device_values(values)

    def server_status(self) -> ServerStatus:
        stored = self.core.device_value("server_status", {})
        stored = stored if isinstance(stored, dict) else {}
        state = int(stored.get("state", ExchangeState.NEVER))
        when = stored.get("at")
        message = stored.get("message") or STATE_TEXT.get(state, ("", ""))[0]
        return ServerStatus(state, dt.datetime.fromisoformat(when) if isinstance(when, str) else None,
                            len(self.goods_base()), len(self.journal.unsent()), str(message))

    def _record_status(self, state: ExchangeState, message: str = "") -> None:
        at = self.clock.now().replace(microsecond=0).isoformat()
        self.core.store_device_values({"server_status": {"state": int(state), "at": at,
                                                         "message": message or STATE_TEXT[state][0]}})

    def _server(self) -> tuple[str, str]:
        server_id, address = self.server_settings()
        if not server_id:
            self._record_status(ExchangeState.NO_ID)
            raise Refusal(Why.NO_SERVER_ID, server_state=ExchangeState.NO_ID)
        if not address:
            self._record_status(ExchangeState.NOT_ANSWERING, "АДРЕС СЕРВЕРА НЕ ЗАДАН")
            raise Refusal(Why.SERVER, "адрес сервера не задан", server_state=ExchangeState.NOT_ANSWERING)
        return server_id, address

    def server_test(self) -> ServerStatus:
        """«ТЕСТ.СЕРВ.ККТ»: connect now; the status shows the outcome (never an error answer)."""
        try:
            server_id, address = self._server()
            server_link.ping(address, server_id)
            self._record_status(ExchangeState.OK, "СВЯЗЬ С СЕРВЕРОМ ЕСТЬ")
        except server_link.ExchangeFailure as failure:
            self._record_status(failure.state, failure.message)
        except Refusal:
            pass
        return self.server_status()

    def server_exchange(self, owner: object) -> ServerStatus:
        """Send the sales journal, then fetch this register's goods base (its groups, at its percent) and
        replace the base with it — whole, or not at all when a record is bad (the status names it)."""
        self.idle(owner)
        server_id, address = self._server()
        try:
            unsent = self.journal.unsent()
            if unsent:
                registration = self.core.registration()
                head = {"kktNum": self.profile.serial, "fnNum": self.core.status().fn_number,
                        "kktRegNum": registration.rnm if registration else "",
                        "ownerInn": registration.inn if registration else "", "receipts": unsent}
                server_link.send_sales(address, server_id, head)
                self.journal.mark_sent(max(int(r["fiscalDocNum"]) for r in unsent))
            base, version = server_link.fetch_base(address, server_id)
        except server_link.ExchangeFailure as failure:
            self._record_status(failure.state, failure.message)
            raise Refusal(Why.SERVER, failure.message, server_state=failure.state) from None
        try:
            records = check_device_base(base, max_name=self.profile.goods_name)
        except GoodsBaseError as exc:
            self._record_status(ExchangeState.GOODS_REFUSED, exc.message_ru)
            raise Refusal(Why.GOODS, exc.message_ru, server_state=ExchangeState.GOODS_REFUSED) from None
        self.store_goods(records, version)
        self._record_status(ExchangeState.OK, f"ПРИНЯТО ТОВАРОВ: {len(records)}")
        return self.server_status()
