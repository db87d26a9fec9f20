"""``kkt``: drive a fiscal register from the shell.

    kkt status                                           # the in-process emulator (the default device)
    kkt --device atol:///dev/pts/3?transport=v2 register registration.json
    kkt --device atol:///dev/pts/3?transport=v2 open-shift
    kkt --device atol:///dev/pts/3?transport=v2 sell receipt.json --json
    kkt --device ... x-report | z-report | fn-status | ofd-status | document 3 | close-fn

The device comes from ``--device``, else ``$KKT_DEVICE``, else the built-in emulator (whose state
lasts only for one command: start ``kkt-emu serve`` for a device that persists).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from .connect import DEFAULT_DEVICE, default_device
from .errors import DeviceError, KktError
from .jsonio import correction_from_json, kopecks, receipt_from_json, registration_from_json, to_jsonable
from .kkt import Kkt


def _money(kopecks: int) -> str:
    return f"{kopecks // 100}.{kopecks % 100:02d}"


def _load(path: str) -> Any:
    text = sys.stdin.read() if path == "-" else Path(path).read_text(encoding="utf-8")
    return json.loads(text)


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


def _x_report(kkt: Kkt, args: argparse.Namespace) -> tuple[Any, str]:
    kkt.x_report()
    return {"printed": True}, "X-report printed"


def _receipt(operation: str) -> Callable[[Kkt, argparse.Namespace], tuple[Any, str]]:
    def run(kkt: Kkt, args: argparse.Namespace) -> tuple[Any, str]:
        receipt = receipt_from_json(_load(args.file))
        result = getattr(kkt, operation)(receipt)
        text = _document_text(f"{operation}: receipt total {_money(receipt.total)}", result.document)
        if result.change:
            text += f"\nchange {_money(result.change)}"
        return result, text
    return run


def _correction(kkt: Kkt, args: argparse.Namespace) -> tuple[Any, str]:
    correction = correction_from_json(_load(args.file))
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
    doc = kkt.register(registration_from_json(_load(args.file)))
    return doc, _document_text("registered", doc)


def _reregister(kkt: Kkt, args: argparse.Namespace) -> tuple[Any, str]:
    doc = kkt.reregister(registration_from_json(_load(args.file)), args.reason)
    return doc, _document_text(f"registration changed (reason {args.reason})", doc)


def _cash(direction: str) -> Callable[[Kkt, argparse.Namespace], tuple[Any, str]]:
    def run(kkt: Kkt, args: argparse.Namespace) -> tuple[Any, str]:
        amount = kopecks(args.amount, "amount")
        getattr(kkt, direction)(amount)
        drawer = kkt.cash_in_drawer()
        return {"amount": amount, "drawer": drawer}, f"{direction.replace('_', ' ')} {_money(amount)}; " \
            f"in the drawer {_money(drawer)}"
    return run


def _cancel_receipt(kkt: Kkt, args: argparse.Namespace) -> tuple[Any, str]:
    cancelled = kkt.cancel_receipt()
    return {"cancelled": cancelled}, "the open receipt was cancelled" if cancelled else "no receipt was open"


def _close_fn(kkt: Kkt, args: argparse.Namespace) -> tuple[Any, str]:
    doc = kkt.close_fn()
    return doc, _document_text("ФН closed", doc)


COMMANDS: dict[str, tuple[str, Callable[[Kkt, argparse.Namespace], tuple[Any, str]]]] = {
    "status": ("device status", _status),
    "open-shift": ("open the shift", _open_shift),
    "x-report": ("print an X-report", _x_report),
    "z-report": ("close the shift (Z-report)", _z_report),
    "sell": ("sell: receipt from a JSON file ('-' = stdin)", _receipt("sell")),
    "refund": ("sell return: receipt from a JSON file", _receipt("refund")),
    "buy": ("buy (expense): receipt from a JSON file", _receipt("buy")),
    "buy-refund": ("buy return: receipt from a JSON file", _receipt("buy_refund")),
    "correction": ("correction receipt from a JSON file (FFD 1.05 amounts or FFD 1.2 positions)", _correction),
    "fn-status": ("fiscal drive status", _fn_status),
    "ofd-status": ("OFD exchange status", _ofd_status),
    "document": ("a fiscal document by number, decoded", _document),
    "register": ("register the KKT: parameters from a JSON file", _register),
    "reregister": ("change the registration: parameters from a JSON file, --reason CODE", _reregister),
    "cash-in": ("put cash into the drawer (roubles)", _cash("cash_in")),
    "cash-out": ("take cash out of the drawer (roubles)", _cash("cash_out")),
    "cancel-receipt": ("cancel a receipt left open (by a crashed program, say)", _cancel_receipt),
    "close-fn": ("close the fiscal drive", _close_fn),
}


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="kkt", description="Drive a fiscal register (ККТ).")
    parser.add_argument("--device", default=default_device(),
                        help=f"device URL (default: $KKT_DEVICE or {DEFAULT_DEVICE})")
    parser.add_argument("--json", action="store_true", help="print the result as JSON")
    parser.add_argument("--cashier", default="Кассир", help="cashier name for documents")
    sub = parser.add_subparsers(dest="command", required=True)
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
        cmd.add_argument("--json", action="store_true", dest="json_sub", help=argparse.SUPPRESS)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    as_json = args.json or args.json_sub
    try:
        from .types import Cashier

        with Kkt.open(args.device, cashier=Cashier(args.cashier)) as kkt:
            result, text = COMMANDS[args.command][1](kkt, args)
    except DeviceError as exc:
        if as_json:
            print(json.dumps({"error": {"code": exc.code, "message": exc.message, "message_ru": exc.message_ru}},
                             ensure_ascii=False))
        else:
            print(f"kkt: device refused: 0x{exc.code:02X} {exc.message} ({exc.message_ru})", file=sys.stderr)
        return 1
    except (KktError, OSError, json.JSONDecodeError) as exc:
        print(f"kkt: {exc}", file=sys.stderr)
        return 1
    print(json.dumps(to_jsonable(result), ensure_ascii=False) if as_json else text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
