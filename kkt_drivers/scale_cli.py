"""``kkt scale …``: weigh and load goods into scales from the shell.

::

    kkt --device emu://massak scale weigh --stable
    kkt --device "caslp+tcp://10.0.0.9" scale upload goods.json          # only what changed since last time
    kkt --device "caslp+tcp://10.0.0.9" scale upload goods.xml --reload  # clear the scale, send everything
    kkt --device ... scale clear | scale read 12 | scale tare [KG] | scale zero

Goods files: JSON (a list of objects, or ``{"goods": [...]}``), CSV with a header row (``;`` or ``,``), or
the XML 1С's «Выгрузка в весы с печатью этикеток» writes (``<Table><Record PLU=… Code=… Name=… Price=…
ShelfLife=…/>``). Prices are in roubles (``"450.00"``); the fields are those of
:class:`~kkt_drivers.scale_device.Goods` (``shelf_life`` is accepted for ``shelf_life_days``).

Errors and exit codes are those of ``kkt`` (:mod:`kkt_drivers.cli_support`): 2 bad input (a goods item that
does not fit the scale, named), 3 the scale refused, 4 no connection or no stable weight in time. An upload
that stopped part-way exits with its cause's code; the next upload sends the rest.

``kkt_drivers.cli`` wires this in with :func:`add_scale_parser` and :func:`run`; ``python -m
kkt_drivers.scale_cli`` runs it alone.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import sys
import time
import xml.etree.ElementTree as ElementTree
from collections.abc import Mapping, Sequence
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any, TextIO

from .cli_support import CONNECTION, OK, UNKNOWN, exit_code, language, report, safe_print
from .cli_support import run as cli_run
from .connect import DEFAULT_DEVICE, default_device
from .errors import ConfigurationError, InvalidParameter
from .scale import LabelScale, Scale, UploadInterrupted, UploadResult
from .scale_device import Goods, Weight

PROG = "kkt scale"

#: column / attribute names accepted for each Goods field (lower case)
FIELD_NAMES: dict[str, tuple[str, ...]] = {
    "plu": ("plu",),
    "name": ("name", "description_name"),
    "price": ("price",),
    "code": ("code", "barcode", "item_code"),
    "shelf_life_days": ("shelf_life_days", "shelf_life", "shelflife"),
    "tare_g": ("tare_g", "tare"),
    "group": ("group", "group_code"),
    "message": ("message",),
    "piece": ("piece",),
}
_INT_FIELDS = ("plu", "code", "shelf_life_days", "tare_g", "group", "message")


# -- goods files ------------------------------------------------------------------------------------

def _roubles(value: Any, goods: int) -> int:
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        raise InvalidParameter(f"goods #{goods}: price {value!r} is not an amount of roubles",
                               message_ru=f"товар №{goods}: цена {value!r} — не сумма в рублях")
    try:
        amount = Decimal(str(value).strip().replace(",", ".")) * 100
    except InvalidOperation:
        raise InvalidParameter(f"goods #{goods}: price {value!r} is not an amount of roubles",
                               message_ru=f"товар №{goods}: цена {value!r} — не сумма в рублях") from None
    if not amount.is_finite() or amount != amount.to_integral_value() or amount < 0:
        raise InvalidParameter(f"goods #{goods}: price {value!r} must be roubles with at most two decimals",
                               message_ru=f"товар №{goods}: цена {value!r} должна быть в рублях, не более двух "
                                          "знаков после запятой")
    return int(amount)


def goods_from_record(record: Mapping[str, Any], position: int) -> Goods:
    """One record (keys as in :data:`FIELD_NAMES`, any case) → Goods; ``position`` counts from 1."""
    lowered = {str(k).strip().lower(): v for k, v in record.items()}
    values: dict[str, Any] = {}
    for field, names in FIELD_NAMES.items():
        for name in names:
            if name in lowered and lowered[name] not in (None, ""):
                values[field] = lowered[name]
                break
    for required in ("plu", "name", "price"):
        if required not in values:
            raise InvalidParameter(f"goods #{position}: no {required}",
                                   message_ru=f"товар №{position}: не указано {required}")
    values["price"] = _roubles(values["price"], position)
    for field in _INT_FIELDS:
        if field in values:
            raw = values[field]
            if isinstance(raw, bool) or not (isinstance(raw, int) or (isinstance(raw, str) and raw.strip().isdigit())):
                raise InvalidParameter(f"goods #{position}: {field} {raw!r} is not a whole number",
                                       message_ru=f"товар №{position}: {field} {raw!r} — не целое число")
            values[field] = int(raw)
    if "piece" in values:
        raw = values["piece"]
        values["piece"] = raw if isinstance(raw, bool) else str(raw).strip().lower() in ("1", "true", "yes", "да")
    values["name"] = str(values["name"]).strip()
    return Goods(**values)


def load_goods(path: str) -> list[Goods]:
    """Goods from a JSON, CSV or 1С XML file (``-``: JSON on stdin)."""
    text = sys.stdin.read() if path == "-" else Path(path).read_text(encoding="utf-8-sig")
    stripped = text.lstrip()
    records: list[Mapping[str, Any]]
    if stripped.startswith("<"):
        try:
            root = ElementTree.fromstring(text)
        except ElementTree.ParseError as exc:
            raise ConfigurationError(f"{path}: not a goods XML file: {exc}",
                                     message_ru=f"{path}: это не XML-файл товаров (ошибка разбора в строке "
                                                f"{exc.position[0]}, позиция {exc.position[1]})") from None
        records = [dict(element.attrib) for element in root.iter("Record")]
    elif stripped.startswith(("[", "{")):
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise ConfigurationError(f"{path}: not JSON: {exc}",
                                     message_ru=f"{path}: это не JSON (ошибка в строке {exc.lineno}, "
                                                f"позиция {exc.colno})") from None
        items = data.get("goods") if isinstance(data, dict) else data
        if not isinstance(items, list) or not all(isinstance(item, dict) for item in items):
            raise ConfigurationError(f"{path}: expected a list of goods objects (or {{\"goods\": [...]}})",
                                     message_ru=f"{path}: нужен список объектов-товаров (или {{\"goods\": [...]}})")
        records = items
    else:
        dialect = csv.Sniffer().sniff(text.splitlines()[0] if text else ",", delimiters=";,\t")
        records = list(csv.DictReader(io.StringIO(text), dialect=dialect))
    return [goods_from_record(record, index) for index, record in enumerate(records, 1)]


# -- progress ----------------------------------------------------------------------------------------

class ProgressBar:
    """``progress(done, total)`` drawn on ``stream``: a bar redrawn in place on a terminal (at most ten
    times a second), a line every 10 % otherwise."""

    def __init__(self, label: str, stream: TextIO | None = None, *, unit: str = "PLU") -> None:
        self.label = label
        self.stream = stream if stream is not None else sys.stderr
        self.unit = unit
        self.tty = bool(getattr(self.stream, "isatty", lambda: False)())
        self._drawn = 0.0
        self._step = 0
        self.started = time.monotonic()

    def __call__(self, done: int, total: int) -> None:
        now = time.monotonic()
        finished = done >= total
        if self.tty:
            if not finished and now - self._drawn < 0.1:
                return
            self._drawn = now
            width = 30
            filled = width * done // total if total else width
            rate = done / (now - self.started) if now > self.started else 0.0
            self.stream.write(f"\r{self.label} [{'#' * filled}{'.' * (width - filled)}] {done}/{total} {self.unit}"
                              f" {100 * done // max(total, 1):3d}% {rate:,.0f}/s")
            if finished:
                self.stream.write("\n")
        else:
            step = 10 * done // total if total else 10
            if step == self._step:
                return
            self._step = step
            self.stream.write(f"{self.label}: {done}/{total} {self.unit} ({10 * step}%)\n")
        self.stream.flush()


# -- commands -------------------------------------------------------------------------------------

def add_scale_parser(subparsers: Any) -> argparse.ArgumentParser:
    """Add ``scale`` with its own commands to a ``kkt`` sub-parser set; returns the ``scale`` parser."""
    scale: argparse.ArgumentParser = subparsers.add_parser("scale", help="weigh, tare, zero; load goods into a "
                                                                          "label scale")
    sub = scale.add_subparsers(dest="scale_command", required=True)
    weigh = sub.add_parser("weigh", help="read the weight")
    weigh.add_argument("--stable", action="store_true", help="wait for a stable weight")
    weigh.add_argument("--timeout", type=float, default=5.0, help="seconds to wait with --stable (default 5)")
    tare = sub.add_parser("tare", help="tare the load on the platform, or set a tare of KG (0 clears it)")
    tare.add_argument("kg", nargs="?", help="tare weight in kilograms")
    sub.add_parser("zero", help="set zero")
    upload = sub.add_parser("upload", help="load goods from a JSON, CSV or 1C XML file (only the changed ones)")
    upload.add_argument("file", help="goods file ('-' = JSON on stdin)")
    mode = upload.add_mutually_exclusive_group()
    mode.add_argument("--all", action="store_true", help="send every record, changed or not")
    mode.add_argument("--reload", action="store_true", help="clear the scale first, then send every record")
    upload.add_argument("--prune", action="store_true", help="delete PLUs sent earlier that the file no longer has")
    upload.add_argument("--check", action="store_true", help="only validate the file against the scale")
    upload.add_argument("--no-progress", action="store_true", help="no progress bar")
    clear = sub.add_parser("clear", help="delete every goods record on the scale")
    clear.add_argument("--no-progress", action="store_true", help="no progress bar")
    read = sub.add_parser("read", help="read a goods record back")
    read.add_argument("plu", type=int)
    for command in (upload, clear, read):
        command.add_argument("--state-dir", help="where upload states are kept (default: $KKT_STATE_DIR/scales "
                                                 "or ~/.local/state/kkt-drivers/scales)")
        command.add_argument("--state-key", help="name of this scale for its upload state (default: its URL)")
    for command in sub.choices.values():
        command.add_argument("--json", action="store_true", dest="json_sub", help=argparse.SUPPRESS)
    return scale


def _weight_text(weight: Weight) -> str:
    if weight.overload or weight.value is None:
        return "overload"
    text = f"{weight.value} {weight.unit} {'stable' if weight.stable else 'unstable'}"
    if weight.net:
        text += f", net (tare {weight.tare} {weight.unit})" if weight.tare is not None else ", net"
    elif weight.zero:
        text += ", zero"
    return text


def _weight_json(weight: Weight) -> dict[str, Any]:
    return {"value": None if weight.value is None else str(weight.value), "unit": weight.unit,
            "stable": weight.stable, "tare": None if weight.tare is None else str(weight.tare),
            "overload": weight.overload, "net": weight.net, "zero": weight.zero}


def _goods_json(goods: Goods) -> dict[str, Any]:
    return {"plu": goods.plu, "name": goods.name, "price": f"{goods.price // 100}.{goods.price % 100:02d}",
            "code": goods.code, "shelf_life_days": goods.shelf_life_days, "tare_g": goods.tare_g,
            "group": goods.group, "message": goods.message, "piece": goods.piece}


def _upload_text(result: UploadResult, mode: str) -> str:
    text = f"{mode}: sent {len(result.sent)} of {result.total} goods ({result.unchanged} unchanged)"
    if result.deleted:
        text += f", deleted {len(result.deleted)}"
    if 0 < len(result.sent) <= 20:
        text += f"; PLU {', '.join(map(str, result.sent))}"
    return text


def _label_options(args: argparse.Namespace) -> dict[str, Any]:
    options: dict[str, Any] = {}
    if getattr(args, "state_dir", None):
        options["state_dir"] = args.state_dir
    if getattr(args, "state_key", None):
        options["state_key"] = args.state_key
    return options


def _run(args: argparse.Namespace, device: str) -> tuple[Any, str]:
    command = args.scale_command
    if command in ("weigh", "tare", "zero"):
        with Scale.open(device) as scale:
            if command == "weigh":
                weight = scale.wait_stable(args.timeout) if args.stable else scale.weigh()
                return _weight_json(weight), _weight_text(weight)
            if command == "tare":
                try:
                    kg = None if args.kg is None else Decimal(args.kg.replace(",", "."))
                except InvalidOperation:
                    raise InvalidParameter(f"tare must be kilograms, not {args.kg!r}",
                                           message_ru=f"тара задаётся в килограммах, а не {args.kg!r}") from None
                scale.tare(kg)
            else:
                scale.zero()
            weight = scale.weigh()
            return _weight_json(weight), f"{command}: {_weight_text(weight)}"
    if command == "upload":
        goods = load_goods(args.file)
        with LabelScale.open(device, **_label_options(args)) as scale:
            scale.check(goods)
            if args.check:
                changed = scale.changed(goods)
                return ({"goods": len(goods), "changed": len(changed)},
                        f"{len(goods)} goods fit the scale; {len(changed)} would be sent")
            bar = None if args.no_progress else ProgressBar("upload")
            if args.reload:
                clear_bar = None if args.no_progress else ProgressBar("clear")
                result = scale.reload(goods, progress=bar, clear_progress=clear_bar)
                mode = "reload"
            else:
                result = scale.upload(goods, progress=bar, changed_only=not args.all, prune=args.prune)
                mode = "upload (all)" if args.all else "upload"
            return ({"sent": list(result.sent), "unchanged": result.unchanged, "deleted": list(result.deleted)},
                    _upload_text(result, mode))
    with LabelScale.open(device, **_label_options(args)) as scale:
        if command == "clear":
            scale.clear(progress=None if args.no_progress else ProgressBar("clear"))
            return {"cleared": True}, "the scale's goods memory is empty"
        record = scale.read(args.plu)
        if record is None:
            return {"plu": args.plu, "empty": True}, f"PLU {args.plu} is empty"
        return _goods_json(record), (f"PLU {record.plu}: {record.name}, {record.price // 100}.{record.price % 100:02d}"
                                     f" RUB, code {record.code}, shelf life {record.shelf_life_days} days")


def run(args: argparse.Namespace, *, device: str | None = None, as_json: bool = False) -> int:
    """Run a parsed ``scale`` command on ``device`` (default ``args.device``); print the result, or the error
    as ``kkt`` does (:mod:`kkt_drivers.cli_support`: text or JSON, the same exit codes); return the exit code."""
    as_json = as_json or bool(getattr(args, "json", False)) or bool(getattr(args, "json_sub", False))
    lang = language(getattr(args, "lang", None))
    target = device or getattr(args, "device", None) or default_device()
    try:
        result, text = _run(args, target)
    except UploadInterrupted as exc:
        report(PROG, exc, as_json=as_json, lang=lang)
        code = exit_code(exc.__cause__) if exc.__cause__ is not None else CONNECTION
        return CONNECTION if code == UNKNOWN else code  # a record whose answer was lost is simply sent again
    except (Exception, KeyboardInterrupt) as exc:  # every error is reported, never a traceback
        return report(PROG, exc, as_json=as_json, lang=lang)
    safe_print(json.dumps(result, ensure_ascii=False) if as_json else text)
    return OK


def build_parser() -> argparse.ArgumentParser:
    """The stand-alone parser: ``python -m kkt_drivers.scale_cli [--device URL] [--json] scale …``."""
    parser = argparse.ArgumentParser(prog="kkt", description="Weigh and load goods into scales.")
    parser.add_argument("--device", default=default_device(), help=f"device URL (default: $KKT_DEVICE or "
                                                                   f"{DEFAULT_DEVICE})")
    parser.add_argument("--json", action="store_true", help="print the result as JSON")
    parser.add_argument("--lang", choices=("ru", "en"), help="language of messages (default: the locale's)")
    add_scale_parser(parser.add_subparsers(dest="command", required=True))
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    return cli_run(lambda: run(build_parser().parse_args(argv)))


if __name__ == "__main__":
    sys.exit(main())
