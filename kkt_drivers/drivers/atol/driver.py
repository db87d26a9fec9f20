"""The ATOL driver: the fiscal-register protocol on ATOL's terms: modes and passwords, E8 requisites, tables 3 and 19.

Every method of :class:`~kkt_drivers.register.FiscalRegister` becomes ATOL commands here: the register is
put into the mode the step needs (registration, reports, ФН access, programming) with the right operator's
password, requisites travel as E8, server settings live in table 19.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from decimal import Decimal

from ...device import atomic
from ...errors import InvalidParameter
from ...ffd.enums import UsageConditions
from ...ffd.tlv import encode_tlv
from ...protocols.atol import fiscal_commands as f
from ...protocols.common.text import encodable_atol
from ...register import FiscalRegister, Op
from ...types import (
    Cashier,
    DeviceLimits,
    DeviceStatus,
    DocumentInfo,
    FnPhase,
    FnStatus,
    Item,
    OfdStatus,
    Payment,
    ReceiptType,
    Registration,
    RegistrationKind,
    ServerKind,
    ServerSettings,
    ShiftState,
    TaxationSystem,
)
from .base import AtolCommands
from .family import CAPABILITIES
from .fiscal import AtolFiscalCommands, fn_datetime
from .types import AtolMode

#: default mode passwords (table 3): cashiers 1..28 use their row number
SYSADMIN_PASSWORD = 30
ADMIN_PASSWORD = 29
CASHIER_PASSWORD = 1

#: ATOL's widths: sums in 5-byte BCD (99 999 999.99 roubles), quantities in thousandths in 5-byte BCD;
#: table 19's address field [inferred: 64 characters]
LIMITS = DeviceLimits(code_page="cp866", encodable=encodable_atol, max_sum=9_999_999_999,
                      max_quantity=Decimal("9999999.999"), max_server_address=64)

#: table 19 (ОФД): row 1, fields — address, port, ATOL cloud server
OFD_TABLE, OFD_ADDRESS, OFD_PORT, CLOUD_ADDRESS = 19, 1, 2, 9


class AtolDriver(AtolFiscalCommands, AtolCommands, FiscalRegister):
    """An ATOL register: the fiscal-register protocol for :class:`~kkt_drivers.kkt.Kkt`, and ATOL's own
    commands (``status()``, ``execute(spec)``, ``raw(bytes)``…) for everything else.
    """

    family = "atol"
    capabilities = CAPABILITIES
    limits = LIMITS
    admin_password = ADMIN_PASSWORD
    sysadmin_password = SYSADMIN_PASSWORD

    # -- modes -----------------------------------------------------------------------------
    @contextmanager
    def _mode(self, mode: AtolMode, password: int) -> Iterator[None]:
        current = self.wait_printed()
        if current.mode is not mode:
            if current.mode is not AtolMode.SELECT:
                self.to_select_mode()
            self.enter_mode(mode, password)
        yield

    @staticmethod
    def _cashier_password(cashier: Cashier) -> int:
        return CASHIER_PASSWORD if cashier.password is None else cashier.password

    def set_operator_passwords(self, *, admin: int | None = None, system_admin: int | None = None) -> None:
        if admin is not None:
            self.admin_password = admin
        if system_admin is not None:
            self.sysadmin_password = system_admin

    # -- queries ---------------------------------------------------------------------------
    @atomic
    def device_status(self) -> DeviceStatus:
        s = self.status()
        return DeviceStatus(
            family=self.family, model=self.model_name(), serial_number=s.serial_number, datetime=s.datetime,
            fiscalised=s.fiscalised, shift_open=s.shift_open, receipt_open=bool(s.receipt_state),
            paper_present=s.paper_present, cover_open=s.cover_open, drawer_open=s.drawer_open,
            firmware=s.firmware.hex(), details=s)

    def model_name(self) -> str:
        """The model name from ``A5`` (asked once per driver: it does not change)."""
        name: str | None = getattr(self, "_model_name", None)
        if name is None:
            name = self._model_name = self.device_info().name
        return name

    @atomic
    def shift_state(self) -> ShiftState:
        fn = self.fn_shift()
        raw = self.execute(f.READ_REGISTER, {"register": f.REGISTER_SHIFT_STATE, "p1": 0, "p2": 0}).value
        reg = f.SHIFT_STATE_VALUE.parse(raw)
        expires = None
        if reg.open and reg.month:
            expires = datetime(2000 + reg.year, reg.month, reg.day, reg.hour, reg.minute, reg.second)
        now = self.read_datetime()
        return ShiftState(open=bool(fn.open), number=int(fn.shift),
                          next_receipt_number=int(fn.receipt) + 1 if fn.open else 1,
                          expired=bool(expires and now > expires), expires_at=expires)

    @atomic
    def fn_status(self) -> FnStatus:
        s = self.fn_status_raw()
        v = self.fn_validity()
        valid = datetime(2000 + v.year, v.month, v.day).date() if v.month else None
        return FnStatus(phase=FnPhase(s.phase) if s.phase in FnPhase._value2member_map_ else FnPhase.SETUP,
                        shift_open=bool(s.shift_open), warnings=int(s.warnings),
                        last_document_datetime=fn_datetime(s.datetime), fn_number=str(s.fn_number),
                        last_document_number=int(s.last_document), valid_until=valid,
                        registrations_left=int(v.left))

    def last_document_number(self) -> int:
        return int(self.fn_status_raw().last_document)

    def ofd_status(self) -> OfdStatus:
        o = self.fn_ofd()
        return OfdStatus(unsent_count=int(o.unsent), first_unsent_number=int(o.first_number),
                         first_unsent_datetime=fn_datetime(o.first_datetime), connected=bool(o.flags & 1))

    def document(self, number: int) -> DocumentInfo:
        d = self.fn_document(number)
        return DocumentInfo(number=int(d.number), fiscal_sign=int(d.fiscal_sign),
                            datetime=fn_datetime(d.datetime) or datetime.min, document_type=int(d.type))

    def document_tlv(self, number: int) -> bytes:
        return self.fn_document_tlv(number)

    def receipt_is_open(self) -> bool:
        return bool(self.status().receipt_state)

    # -- shift -----------------------------------------------------------------------------
    @atomic
    def open_shift(self, cashier: Cashier) -> None:
        self.in_mode(AtolMode.REGISTRATION, self._cashier_password(cashier),
                     lambda: self.open_shift_command(cashier.name))

    @atomic
    def close_shift(self, cashier: Cashier) -> None:
        with self._mode(AtolMode.Z_REPORTS, self.admin_password):
            self.z_report_command()
        self.to_select_mode()

    @atomic
    def x_report(self, cashier: Cashier) -> None:
        with self._mode(AtolMode.X_REPORTS, self.admin_password):
            self.x_report_command()
        self.to_select_mode()

    @atomic
    def state_report(self, cashier: Cashier) -> None:
        """67 09 in the mode of reports without reset (2), as the X-report, with the administrator's password: the
        register takes the cashier from its operator table, not from the request [inferred: 67 carries only the
        report type]."""
        with self._mode(AtolMode.X_REPORTS, self.admin_password):
            self.state_report_command()
        self.to_select_mode()

    # -- receipt ---------------------------------------------------------------------------
    @atomic
    def begin_receipt(self, operation: ReceiptType, *, correction: bool,
                      taxation: TaxationSystem | None, cashier: Cashier) -> None:
        table = f.CORRECTION_TYPE_BY_OPERATION if correction else f.RECEIPT_TYPE_BY_OPERATION
        self.in_mode(AtolMode.REGISTRATION, self._cashier_password(cashier),
                     lambda: self.open_receipt(table[int(operation)]))
        if taxation is not None:
            self.write_requisite(1055, int(taxation))
        self.write_requisite(1021, cashier.name)
        if cashier.inn:
            self.write_requisite(1203, cashier.inn)

    @atomic
    def add_position(self, item: Item, *, ffd: str = "1.05") -> None:
        """EA, the position's requisites (:func:`kkt_drivers.requisites.item_requisites`) as E8, EB. The
        discount is in the amount (price × quantity − discount), which the register prints as a discount.
        With an FFD version other than 1.05 / 1.2 (a caller that bypasses the facade's checks) the position goes
        without requisites and the register judges it."""
        from ...requisites import item_requisites

        tags = item_requisites(item, ffd) if ffd in ("1.05", "1.2") else []  # checked before a byte goes out
        if item.marking is not None:
            # the code as scanned (2000) and its planned status (2003), for the register's own ФН check (B1h…B2h);
            # the register keeps them out of the position [inferred: the ATOL commands for it are not published]
            tags = [(2000, encode_tlv(2000, item.marking.code, "1.2")[4:]),
                    (2003, bytes((item.marking.planned_status,))), *tags]
        self.register_position(
            name=item.name, price=item.price, quantity_milli=int(item.quantity * 1000), amount=item.amount,
            vat=int(item.vat), method=int(item.payment_method), subject=int(item.payment_subject), tags=tags)

    def add_requisite(self, tag: int, value: bytes) -> None:
        self.write_requisite_raw(tag, value)

    def pay(self, payment: Payment) -> None:
        self.add_payment(f.PAYMENT_TYPE_BY_FORM[int(payment.type)], payment.amount)

    def close_receipt(self, payment: Payment) -> None:
        self.close_receipt_command(f.PAYMENT_TYPE_BY_FORM[int(payment.type)], payment.amount)

    # -- cash ------------------------------------------------------------------------------
    @atomic
    def cash_in(self, amount: int, cashier: Cashier) -> None:
        self.in_mode(AtolMode.REGISTRATION, self._cashier_password(cashier), lambda: self.cash_in_command(amount))

    @atomic
    def cash_out(self, amount: int, cashier: Cashier) -> None:
        self.in_mode(AtolMode.REGISTRATION, self._cashier_password(cashier), lambda: self.cash_out_command(amount))

    # -- registration ----------------------------------------------------------------------
    def _write_registration(self, reg: Registration) -> None:
        ffd_code = {"1.05": 2, "1.2": 4}[reg.ffd]
        values: list[tuple[int, object]] = [
            (1048, reg.user_name), (1018, reg.inn.ljust(12)), (1037, reg.rnm.ljust(20)), (1009, reg.address),
            (1187, reg.place), (1062, int(reg.taxation)), (1017, reg.ofd_inn.ljust(12)), (1046, reg.ofd_name),
            (1060, reg.fns_site), (1209, ffd_code), (1002, int(reg.autonomous)),
        ]
        if reg.ffd != "1.2":  # in FFD 1.2 these two are bits of 1290
            values += [(1109, int(reg.services)), (1108, int(reg.internet))]
        if reg.sender_email:
            values.append((1117, reg.sender_email))
        if reg.ffd == "1.2":  # 1290 «признаки условий применения ККТ»: the bits of what this register does
            conditions = (UsageConditions.INTERNET if reg.internet else 0) | \
                (UsageConditions.SERVICES if reg.services else 0) | \
                (UsageConditions.MARKED_GOODS if reg.marked_goods else 0) | \
                (UsageConditions.EXCISE_GOODS if reg.excise else 0)
            values.append((1290, int(conditions)))
        elif reg.excise:
            values.append((1207, 1))
        for tag, value in values:
            self.write_requisite(tag, value, ffd=reg.ffd)

    @atomic
    def register(self, registration: Registration, *, kind: RegistrationKind, cashier: Cashier,
                 reasons: int = 0, new_fn_number: str | None = None) -> None:
        """A6 (no parameters) in the ФН access mode, its requisites written by E8 first: 1041 for a new ФН,
        the reasons of a change as 1101 (FFD 1.05, one code) or 1205 (FFD 1.2, a bit mask) [inferred: how a
        register tells the three operations apart is not published]."""
        if kind is RegistrationKind.REPLACE_FN and not new_fn_number:
            raise InvalidParameter("a ФН replacement needs the new ФН number",
                                   message_ru="для замены ФН нужен номер нового ФН")
        with self._mode(AtolMode.FN_ACCESS, self.sysadmin_password):
            self._write_registration(registration)
            if kind is RegistrationKind.REPLACE_FN:
                self.write_requisite_raw(1041, (new_fn_number or "").encode("ascii"))
            elif kind is RegistrationKind.CHANGE:
                self.write_requisite(1205 if registration.ffd == "1.2" else 1101, reasons, ffd=registration.ffd)
            self.register_command()
        self.to_select_mode()

    @atomic
    def close_fn(self, cashier: Cashier) -> None:
        with self._mode(AtolMode.FN_ACCESS, self.sysadmin_password):
            self.close_fn_command()
        self.to_select_mode()

    # -- server settings -------------------------------------------------------------------
    @atomic
    def server_settings(self) -> ServerSettings:
        with self._mode(AtolMode.PROGRAMMING, self.sysadmin_password):
            address = self.read_table(OFD_TABLE, 1, OFD_ADDRESS).decode("ascii", "replace")
            port = int.from_bytes(self.read_table(OFD_TABLE, 1, OFD_PORT), "big")
            cloud = self.read_table(OFD_TABLE, 1, CLOUD_ADDRESS).decode("ascii", "replace")
        self.to_select_mode()
        return ServerSettings(ofd_address=address, ofd_port=port, vendor_cloud=cloud)

    @atomic
    def set_server(self, kind: ServerKind, address: str, port: int | None = None) -> None:
        """Table 19: OFD address and port (fields 1, 2), ATOL's cloud server (field 9)."""
        if kind is ServerKind.KKT_SERVER:
            raise self.unsupported(Op.KKT_SERVER)
        writes: list[tuple[int, bytes]] = [(OFD_ADDRESS if kind is ServerKind.OFD else CLOUD_ADDRESS,
                                            address.encode("ascii"))]
        if kind is ServerKind.OFD and port is not None:
            writes.append((OFD_PORT, port.to_bytes(2, "big")))
        with self._mode(AtolMode.PROGRAMMING, self.sysadmin_password):
            for field_number, value in writes:
                self.write_table(OFD_TABLE, 1, field_number, value)
        self.to_select_mode()

