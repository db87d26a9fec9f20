"""``kkt``: drive a fiscal register from the shell.

    kkt status                                           # the in-process emulator (the default device)
    kkt --device atol:///dev/pts/3?transport=v2 register registration.json --yes
    kkt --device atol:///dev/pts/3?transport=v2 open-shift
    kkt --device atol:///dev/pts/3?transport=v2 sell receipt.json --json
    kkt --device ... x-report | z-report | state-report | fn-status | ofd-status | document 3 | close-fn --yes

The device comes from ``--device``, else ``$KKT_DEVICE``, else the built-in emulator (whose state lasts only
for one command: start ``kkt-emu serve`` for a device that persists — ``kkt`` says so when it falls back).
Errors never end in a traceback: they are printed in the locale's language (``--lang ru|en``), as JSON with
``--json``, and the exit code tells invalid input, a device refusal, no connection and an unknown outcome
apart (:mod:`kkt_drivers.cli_support`). Commands that change a real register for good (``register``,
``reregister``, ``close-fn``) need ``--yes`` unless the device is an emulator.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from . import __version__, scale_cli
from .cli_support import INTERRUPTED, INVALID, OK, language, report, run, safe_print
from .connect import DEFAULT_DEVICE, default_device
from .errors import ConfigurationError, DeviceError, KktError, Timeout, TransportError
from .families import family_names, get_family
from .jsonio import (
    correction_from_json,
    kopecks,
    read_json_file,
    receipt_from_json,
    registration_from_json,
    to_jsonable,
)
from .kkt import Kkt
from .types import Cashier, Registration
from .url import parse_device_url, with_variant
from .validation import InvalidReceipt

Command = Callable[[Kkt, argparse.Namespace], tuple[Any, str]]


def _money(kopecks: int) -> str:
    return f"{kopecks // 100}.{kopecks % 100:02d}"


def _load(path: str, what: str) -> Any:
    if path == "-":
        from .jsonio import decode_text, parse_json

        return parse_json(decode_text(sys.stdin.buffer.read(), "standard input", what), what)
    return read_json_file(path, what)


def _status(kkt: Kkt, args: argparse.Namespace) -> tuple[Any, str]:
    s = kkt.status()
    text = (f"{s.model} ({s.family}), serial {s.serial_number}\n"
            f"time {s.datetime:%Y-%m-%d %H:%M:%S}, fiscalised {'yes' if s.fiscalised else 'no'}, "
            f"shift {'open' if s.shift_open else 'closed'}, receipt {'open' if s.receipt_open else 'closed'}")
    return s, text


def _document_text(label: str, doc: Any) -> str:
    return f"{label}: document {doc.number}, fiscal sign {doc.fiscal_sign}, {doc.datetime:%Y-%m-%d %H:%M}"


def _open_shift(kkt: Kkt, args: argparse.Namespace) -> tuple[Any, str]:
    doc = kkt.open_shift()
    return doc, _document_text("shift opened", doc)


def _z_report(kkt: Kkt, args: argparse.Namespace) -> tuple[Any, str]:
    doc = kkt.close_shift()
    return doc, _document_text("shift closed (Z-report)", doc)


def _state_report(kkt: Kkt, args: argparse.Namespace) -> tuple[Any, str]:
    doc = kkt.state_report()
    return doc, _document_text("state report (отчёт о текущем состоянии расчётов)", doc)


def _x_report(kkt: Kkt, args: argparse.Namespace) -> tuple[Any, str]:
    kkt.x_report()
    return {"printed": True}, "X-report printed"


def _receipt(operation: str) -> Command:
    def run_receipt(kkt: Kkt, args: argparse.Namespace) -> tuple[Any, str]:
        receipt = args.value
        result = getattr(kkt, operation)(receipt)
        text = _document_text(f"{operation}: receipt total {_money(receipt.total)}", result.document)
        if result.change:
            text += f"\nchange {_money(result.change)}"
        return result, text
    return run_receipt


def _correction(kkt: Kkt, args: argparse.Namespace) -> tuple[Any, str]:
    correction = args.value
    result = kkt.correction(correction)
    text = _document_text(f"correction ({correction.type.name.lower()}): total {_money(correction.total)}",
                          result.document)
    if result.change:
        text += f"\nchange {_money(result.change)}"
    return result, text


def _fn_status(kkt: Kkt, args: argparse.Namespace) -> tuple[Any, str]:
    s = kkt.fn_status()
    return s, (f"ФН {s.fn_number}: phase {s.phase.name.lower()}, last document {s.last_document_number}, "
               f"shift {'open' if s.shift_open else 'closed'}, warnings 0x{s.warnings:02X}, "
               f"valid until {s.valid_until}")


def _ofd_status(kkt: Kkt, args: argparse.Namespace) -> tuple[Any, str]:
    s = kkt.ofd_status()
    first = f", first #{s.first_unsent_number} of {s.first_unsent_datetime:%Y-%m-%d %H:%M}" \
        if s.first_unsent_datetime else ""
    return s, f"unsent to OFD: {s.unsent_count}{first}"


def _document(kkt: Kkt, args: argparse.Namespace) -> tuple[Any, str]:
    from .ffd import decode_document, to_fns_json

    doc = kkt.document(args.number)
    decoded = to_fns_json(decode_document(doc.tlv)) if doc.tlv else {}
    text = _document_text("document", doc) + "\n" + json.dumps(decoded, ensure_ascii=False, indent=2,
                                                              default=str)
    return {"document": doc, "fns_json": decoded}, text


def _register(kkt: Kkt, args: argparse.Namespace) -> tuple[Any, str]:
    doc = kkt.register(args.value)
    return doc, _document_text("registered", doc)


def _reregister(kkt: Kkt, args: argparse.Namespace) -> tuple[Any, str]:
    doc = kkt.reregister(args.value, args.reason)
    return doc, _document_text(f"registration changed (reason {args.reason})", doc)


def _cash(direction: str) -> Command:
    def run_cash(kkt: Kkt, args: argparse.Namespace) -> tuple[Any, str]:
        amount = args.value
        getattr(kkt, direction)(amount)
        drawer = kkt.cash_in_drawer()
        return {"amount": amount, "drawer": drawer}, f"{direction.replace('_', ' ')} {_money(amount)}; " \
            f"in the drawer {_money(drawer)}"
    return run_cash


def _cancel_receipt(kkt: Kkt, args: argparse.Namespace) -> tuple[Any, str]:
    cancelled = kkt.cancel_receipt()
    return {"cancelled": cancelled}, "the open receipt was cancelled" if cancelled else "no receipt was open"


def _close_fn(kkt: Kkt, args: argparse.Namespace) -> tuple[Any, str]:
    doc = kkt.close_fn()
    return doc, _document_text("ФН closed", doc)


COMMANDS: dict[str, tuple[str, Command]] = {
    "status": ("device status", _status),
    "open-shift": ("open the shift", _open_shift),
    "x-report": ("print an X-report", _x_report),
    "z-report": ("close the shift (Z-report)", _z_report),
    "state-report": ("report on the current state of settlements (ФД 21, отчёт о текущем состоянии расчётов)",
                     _state_report),
    "sell": ("sell: receipt from a JSON file ('-' = stdin)", _receipt("sell")),
    "refund": ("sell return: receipt from a JSON file", _receipt("refund")),
    "buy": ("buy (expense): receipt from a JSON file", _receipt("buy")),
    "buy-refund": ("buy return: receipt from a JSON file", _receipt("buy_refund")),
    "correction": ("correction receipt from a JSON file (FFD 1.05 amounts or FFD 1.2 positions)", _correction),
    "fn-status": ("fiscal drive status", _fn_status),
    "ofd-status": ("OFD exchange status", _ofd_status),
    "document": ("a fiscal document by number, decoded", _document),
    "register": ("register the KKT: parameters from a JSON file (irreversible: --yes)", _register),
    "reregister": ("change the registration: parameters from a JSON file, --reason CODE (--yes)", _reregister),
    "cash-in": ("put cash into the drawer (roubles)", _cash("cash_in")),
    "cash-out": ("take cash out of the drawer (roubles)", _cash("cash_out")),
    "cancel-receipt": ("cancel a receipt left open (by a crashed program, say)", _cancel_receipt),
    "close-fn": ("close the fiscal drive (irreversible: --yes)", _close_fn),
}
#: commands that change a real register for good: they need --yes unless the device is an emulator
IRREVERSIBLE = frozenset({"register", "reregister", "close-fn"})
#: commands that read only (no note about the throwaway emulator for them)
READ_ONLY = frozenset({"status", "fn-status", "ofd-status", "document"})


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="kkt", description="Drive a fiscal register (ККТ).",
                                     epilog="exit codes: 0 done, 2 invalid input, 3 device refused, 4 no connection "
                                            "(nothing done), 5 outcome unknown (settle first), 6 device busy, "
                                            "130 interrupted")
    parser.add_argument("--version", action="version", version=f"kkt (kkt-drivers) {__version__}")
    parser.add_argument("--device", default=None,
                        help=f"device URL (default: $KKT_DEVICE, else the throwaway emulator {DEFAULT_DEVICE})")
    parser.add_argument("--json", action="store_true", help="print the result (and any error) as JSON")
    parser.add_argument("--cashier", default="Кассир", help="cashier name for documents")
    parser.add_argument("--lang", choices=("ru", "en"), help="language of messages (default: the locale's)")
    sub = parser.add_subparsers(dest="command", required=True)
    for name, command in family_commands().items():
        cmd = sub.add_parser(name, help=f"{command.help} [{command.family}]")
        if command.add_arguments is not None:
            command.add_arguments(cmd)
        cmd.add_argument("--json", action="store_true", dest="json_sub", help=argparse.SUPPRESS)
    scale_cli.add_scale_parser(sub)
    for name, (text, _) in COMMANDS.items():
        cmd = sub.add_parser(name, help=text)
        if name in ("sell", "refund", "buy", "buy-refund", "correction", "register", "reregister"):
            cmd.add_argument("file")
        if name == "reregister":
            cmd.add_argument("--reason", type=int, required=True,
                             help="1101 reason (FFD 1.05): 2 OFD changed, 3 user data changed, 4 KKT settings")
        if name in ("cash-in", "cash-out"):
            cmd.add_argument("amount", help="roubles, e.g. 1500.00")
        if name == "document":
            cmd.add_argument("number", type=int)
        if name in IRREVERSIBLE:
            cmd.add_argument("--yes", action="store_true", help="confirm: this changes a real register for good")
        cmd.add_argument("--json", action="store_true", dest="json_sub", help=argparse.SUPPRESS)
    return parser


@dataclass(frozen=True)
class _FamilyCommand:
    family: str
    help: str
    run: Callable[..., tuple[Any, str]]
    add_arguments: Callable[[Any], None] | None
    needs_device: bool


def family_commands() -> dict[str, _FamilyCommand]:
    """Commands the device families add (each family's descriptor lists its own)."""
    found: dict[str, _FamilyCommand] = {}
    for name in family_names():
        try:
            commands = get_family(name).cli_commands()
        except KktError:
            continue
        for command_name, command in commands.items():
            if command_name not in COMMANDS and command_name != "scale":
                found.setdefault(command_name, _FamilyCommand(name, command.help, command.run, command.add_arguments,
                                                              command.needs_device))
    return found


def _inputs(args: argparse.Namespace) -> Any:
    """Read and check the command's input before anything is connected to (files, amounts)."""
    if args.command in ("sell", "refund", "buy", "buy-refund"):
        return receipt_from_json(_load(args.file, "receipt"))
    if args.command == "correction":
        return correction_from_json(_load(args.file, "correction"))
    if args.command in ("register", "reregister"):
        return registration_from_json(_load(args.file, "registration"))
    if args.command in ("cash-in", "cash-out"):
        amount = kopecks(args.amount, "amount")
        if amount <= 0:
            raise InvalidReceipt("amount", f"must be more than 0, got {args.amount}",
                                 f"должна быть больше 0, получено {args.amount}")
        return amount
    if args.command == "document" and args.number < 1:
        raise InvalidReceipt("number", f"a document number is 1 or more, got {args.number}",
                             f"номер документа — 1 или больше, получено {args.number}")
    return None


def _registration_hint(args: argparse.Namespace, exc: BaseException, lang: str) -> str | None:
    """A register that refuses an FFD 1.2 registration most likely has a ФН made for FFD 1.05 (FFD 1.2 needs a
    ФН-1.1М); the refusal's own text ("invalid command") does not say so."""
    value = getattr(args, "value", None)
    if not isinstance(exc, DeviceError) or not isinstance(value, Registration) or value.ffd != "1.2":
        return None
    if lang == "ru":
        return ("если ФН рассчитан только на ФФД 1.05, регистрация по ФФД 1.2 отклоняется: нужен ФН-1.1М; "
                "эмулятор с ФФД 1.2 запускается командой `kkt-emu serve --ffd 1.2`")
    return ("a ФН made for FFD 1.05 refuses an FFD 1.2 registration (FFD 1.2 needs a ФН-1.1М); an emulator with "
            "FFD 1.2 is started with `kkt-emu serve --ffd 1.2`")


def _transport_hint(url: str, exc: BaseException) -> str | None:
    """Nothing answered: try the family's other link variants (ATOL's other transport) and say which answers."""
    if not isinstance(exc, (Timeout, TransportError)) or "nothing at" not in str(exc):
        return None
    try:
        parsed = parse_device_url(url)
        family = get_family(parsed.family)
    except KktError:
        return None
    if parsed.is_emulator or len(family.variants) < 2:
        return None
    from .connect import connect

    for variant in family.variants:
        candidate = str(with_variant(parsed, variant))
        if candidate == url:
            continue
        try:
            with connect(candidate) as device:
                device.session.execution_scale = 0.3
                if device.kind == "register":
                    device.device_status()  # type: ignore[attr-defined]
            return f"the device answers with {candidate} — use that URL"
        except KktError:
            continue
    return None


def main(argv: Sequence[str] | None = None) -> int:
    return run(lambda: _main(argv))


def _main(argv: Sequence[str] | None) -> int:
    args = build_parser().parse_args(argv)
    as_json = args.json or getattr(args, "json_sub", False)
    lang = language(args.lang)
    if args.command == "scale":
        return scale_cli.run(args, device=args.device or default_device(), as_json=as_json)
    family_command = family_commands().get(args.command)
    url = args.device or default_device()
    fallback = args.device is None and not os.environ.get("KKT_DEVICE")
    try:
        args.value = _inputs(args)
        device_url = parse_device_url(url)
        if args.command in IRREVERSIBLE and not device_url.is_emulator and not args.yes:
            raise ConfigurationError(f"{args.command} changes the register for good: add --yes to confirm",
                                     message_ru=f"{args.command} необратимо меняет ККТ: добавьте --yes для "
                                                "подтверждения")
        opens_register = family_command is None or family_command.needs_device
        if fallback and opens_register and args.command not in READ_ONLY:
            note = (f"no --device and no $KKT_DEVICE: this runs on a throwaway in-process emulator ({url}); its "
                    "documents are gone when kkt exits — start `kkt-emu serve` and pass --device to keep them"
                    if lang == "en" else
                    f"нет --device и $KKT_DEVICE: команда выполняется на временном эмуляторе ({url}); его документы "
                    "исчезнут после выхода kkt — запустите `kkt-emu serve` и укажите --device")
            safe_print(f"kkt: {note}", stream=sys.stderr)
        if family_command is not None and not opens_register:
            result, text = family_command.run(args)
        else:
            with Kkt.open(url, cashier=Cashier(args.cashier)) as kkt:
                result, text = (family_command.run(kkt, args) if family_command is not None
                                else COMMANDS[args.command][1](kkt, args))
    except KeyboardInterrupt as exc:
        document = getattr(exc, "kkt_document", None)
        extra = {"document": to_jsonable(document)} if document is not None else {}
        known = _document_text("the document was made", document) if document is not None else \
            "no document was made by the interrupted operation"
        report("kkt", exc, as_json=as_json, lang=lang, extra=extra, hint=None if as_json else known)
        return INTERRUPTED
    except Exception as exc:  # every error is reported, typed ones by their type, the rest as internal
        return report("kkt", exc, as_json=as_json, lang=lang,
                      hint=_registration_hint(args, exc, lang) or _transport_hint(url, exc))
    safe_print(json.dumps(to_jsonable(result), ensure_ascii=False) if as_json else text)
    return OK


__all__ = ["COMMANDS", "INVALID", "build_parser", "main"]


if __name__ == "__main__":
    sys.exit(main())
