"""``kkt`` commands of the Mercury family: «Сервер ККТ», goods base, sales journal — ready to wire into
:mod:`kkt_drivers.cli`.

Each device command has the shape of ``kkt_drivers.cli.COMMANDS`` entries — ``run(kkt, args) -> (result,
text)`` — and :data:`DEVICE_COMMANDS` maps its name to (help, run, add_arguments). :data:`SERVER_COMMANDS`
talk to a «Сервер ККТ» and need no device: ``run(args) -> (result, text)``. Long uploads and reads print their
progress on standard error (:func:`progress_printer`), so standard output keeps the result alone.

    kkt --device "mercury+http://127.0.0.1:50010" server-id 17 --address 127.0.0.1:8080
    kkt --device "mercury+http://127.0.0.1:50010" server-exchange
    kkt --device "mercury+http://127.0.0.1:50010" goods-upload goods.json
    kkt server-upload --server 127.0.0.1:8080 goods.json
"""

from __future__ import annotations

import argparse
import http.client
import json
import sys
from collections.abc import Callable
from dataclasses import asdict
from pathlib import Path
from typing import IO, Any

from ...errors import ConfigurationError, InvalidParameter, TransportError, os_reason_ru
from ...kkt import Kkt
from ...protocols.incotex.json_goods import GoodsRecord
from ...protocols.incotex.kkt_server import BASE_PATH, DEVICES_PATH, STATE_TEXT, GoodsBaseError, parse_goods_file
from .backend import ServerExchangeStatus
from .driver import MercuryDriver
from .service import JsonBackend

Progress = Callable[[int, str], None]


def progress_printer(stream: IO[str] | None = None) -> Progress:
    """A progress callback writing ``label: 42%`` over itself on ``stream`` (standard error), a new line at 100."""
    out = stream or sys.stderr

    def show(percent: int, label: str) -> None:
        out.write(f"\r{label}: {percent:3d}%")
        if percent >= 100:
            out.write("\n")
        out.flush()

    return show


def _driver(kkt: Kkt) -> MercuryDriver:
    if not isinstance(kkt.device, MercuryDriver):
        raise ConfigurationError(f"this command is for Mercury registers, not {kkt.family}",
                                 message_ru=f"эта команда — для ККТ Меркурий, а не {kkt.family}")
    return kkt.device


def _service(kkt: Kkt) -> JsonBackend:
    backend = _driver(kkt).backend
    if not isinstance(backend, JsonBackend):
        raise ConfigurationError("the goods base and sales journal go through the driver service: use protocol=json",
                                 message_ru="база товаров и журнал продаж доступны только через службу драйвера: "
                                            "укажите protocol=json")
    return backend


def _status_text(status: ServerExchangeStatus) -> str:
    state = STATE_TEXT.get(status.state, ("", f"state {status.state}"))[1]
    when = f"{status.last_exchange:%Y-%m-%d %H:%M:%S}" if status.last_exchange else "never"
    return (f"«Сервер ККТ»: {state}; last exchange {when}; goods {status.goods}, unsent sales "
            f"{status.unsent_sales}\n{status.message}")


# -- device commands ------------------------------------------------------------------------------

def server_id(kkt: Kkt, args: argparse.Namespace) -> tuple[Any, str]:
    """Show «ID КАССЫ» and the server address; with an ID (and ``--address``) set them first."""
    driver = _driver(kkt)
    if args.id is not None:
        driver.set_kkt_server(args.id, args.address)
    current, address = driver.kkt_server_settings()
    return {"id": current, "address": address}, f"ID КАССЫ {current or '(none)'}, server {address or '(none)'}"


def _server_id_args(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("id", nargs="?", help="the register's ID on the «Сервер ККТ» (digits; '' clears it)")
    parser.add_argument("--address", help="the server's HOST:PORT")


def server_status(kkt: Kkt, args: argparse.Namespace) -> tuple[Any, str]:
    status = _driver(kkt).kkt_server_status()
    return asdict(status), _status_text(status)


def server_test(kkt: Kkt, args: argparse.Namespace) -> tuple[Any, str]:
    status = _driver(kkt).kkt_server_test()
    return asdict(status), _status_text(status)


def server_exchange(kkt: Kkt, args: argparse.Namespace) -> tuple[Any, str]:
    status = _driver(kkt).kkt_server_exchange()
    return asdict(status), _status_text(status)


def read_goods_json(path: str) -> Any:
    """The JSON of a goods file (``-``: standard input); a missing file or bad JSON is invalid input (exit 2),
    said in English and Russian, never a traceback."""
    from ...jsonio import decode_text, parse_json, read_json_file

    if path == "-":
        return parse_json(decode_text(sys.stdin.buffer.read(), "standard input", "goods file"), "goods file")
    return read_json_file(path, "goods file")


def load_goods(path: str) -> list[GoodsRecord]:
    """A goods file (``{"base": [...]}``, groups allowed) checked whole: a bad record is refused by name."""
    _, goods = parse_goods_file(read_goods_json(path))
    return [item.record for item in goods]


def goods_upload(kkt: Kkt, args: argparse.Namespace) -> tuple[Any, str]:
    records = load_goods(args.file)
    upload = _service(kkt).write_goods_base(records, None if args.quiet else progress_printer())
    return {"records": upload.records, "base_version": upload.base_version}, \
        f"goods base written: {upload.records} records"


def _file_args(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("file", help="goods file, JSON {\"base\": [...]} ('-' = stdin)")
    parser.add_argument("--quiet", action="store_true", help="no progress on standard error")


def goods_download(kkt: Kkt, args: argparse.Namespace) -> tuple[Any, str]:
    base = _service(kkt).read_goods_base(None if args.quiet else progress_printer())
    document = {"base": [record.to_json() for record in base]}
    if args.out:
        Path(args.out).write_text(json.dumps(document, ensure_ascii=False, indent=1), encoding="utf-8")
    return document, f"{len(base)} goods records" + (f" written to {args.out}" if args.out else "")


def _out_args(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--out", help="write the result to this JSON file")
    parser.add_argument("--quiet", action="store_true", help="no progress on standard error")


def sales(kkt: Kkt, args: argparse.Namespace) -> tuple[Any, str]:
    service = _service(kkt)
    journal = service.read_sales(None if args.quiet else progress_printer())
    if args.out:
        Path(args.out).write_text(json.dumps(journal, ensure_ascii=False, indent=1), encoding="utf-8")
    shifts = journal.get("shifts") or []
    count = sum(len(s.get("checks", [])) for s in shifts if isinstance(s, dict))
    if args.clear:
        service.clear_sales()
    return journal, f"sales journal: {len(shifts)} shifts, {count} receipts" + (" (cleared)" if args.clear else "")


def _sales_args(parser: argparse.ArgumentParser) -> None:
    _out_args(parser)
    parser.add_argument("--clear", action="store_true", help="clear the journal after reading it")


DEVICE_COMMANDS: dict[str, tuple[str, Callable[[Kkt, argparse.Namespace], tuple[Any, str]],
                                 Callable[[argparse.ArgumentParser], None] | None]] = {
    "server-id": ("«ID КАССЫ» for the «Сервер ККТ»: show, or set with ID [--address HOST:PORT]", server_id,
                  _server_id_args),
    "server-status": ("«СТАТУС СЕРВ. ККТ»: the last exchange with the «Сервер ККТ»", server_status, None),
    "server-test": ("«ТЕСТ.СЕРВ.ККТ»: the register connects to its server now", server_test, None),
    "server-exchange": ("fetch the goods base from the «Сервер ККТ» and send the sales", server_exchange, None),
    "goods-upload": ("write a goods base to the register (progress on stderr)", goods_upload, _file_args),
    "goods-download": ("read the register's goods base", goods_download, _out_args),
    "sales": ("read the register's sales journal", sales, _sales_args),
}


# -- «Сервер ККТ» commands (no device) ------------------------------------------------------------------

class _ProgressReader:
    """A body for :mod:`http.client` that reports how much of it was sent."""

    def __init__(self, data: bytes, progress: Progress | None, label: str) -> None:
        self.data = data
        self.pos = 0
        self.progress = progress
        self.label = label
        self.last = -1

    def read(self, size: int = -1) -> bytes:
        end = len(self.data) if size < 0 else min(len(self.data), self.pos + size)
        chunk = self.data[self.pos:end]
        self.pos = end
        percent = 100 * self.pos // len(self.data) if self.data else 100
        if self.progress is not None and percent != self.last:
            self.progress(percent, self.label)
            self.last = percent
        return chunk


def _server_call(server: str, method: str, path: str, body: bytes | None = None,
                 progress: Progress | None = None, label: str = "upload") -> dict[str, Any]:
    host, _, port = server.rpartition(":")
    if not host or not port.isdigit():
        raise ConfigurationError(f"--server must be HOST:PORT, not {server!r}",
                                 message_ru=f"--server: нужно ХОСТ:ПОРТ, а не {server!r}")
    conn = http.client.HTTPConnection(host, int(port), timeout=60)
    try:
        headers = {"Content-Type": "application/json; charset=utf-8"}
        payload: Any = None
        if body is not None:
            headers["Content-Length"] = str(len(body))
            payload = _ProgressReader(body, progress, label)
        conn.request(method, path, body=payload, headers=headers)
        response = conn.getresponse()
        raw = response.read()
    except (OSError, http.client.HTTPException) as exc:
        raise TransportError(f"«Сервер ККТ» {server}: {exc}",
                             message_ru=f"«Сервер ККТ» {server}: {os_reason_ru(exc)}") from exc
    finally:
        conn.close()
    try:
        answer = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise TransportError(f"«Сервер ККТ» {server} answered HTTP {response.status} without JSON",
                             message_ru=f"«Сервер ККТ» {server} ответил HTTP {response.status} не в JSON") from exc
    if not isinstance(answer, dict):
        raise TransportError(f"«Сервер ККТ» {server} answered {answer!r}",
                             message_ru=f"«Сервер ККТ» {server} ответил непонятно: {answer!r}")
    if answer.get("result") != 0:
        raise InvalidParameter(f"«Сервер ККТ» refused: {answer.get('description')}",
                               message_ru=f"«Сервер ККТ» отказал: {answer.get('description')}")
    return answer


def server_upload(args: argparse.Namespace) -> tuple[Any, str]:
    """Upload a goods file (groups and records) to a «Сервер ККТ»; checked here first, so a bad record is
    named before a byte is sent, and the server checks it again."""
    raw = read_goods_json(args.file)
    try:
        _, goods = parse_goods_file(raw)
    except GoodsBaseError as exc:
        raise InvalidParameter(str(exc), message_ru=exc.message_ru) from exc
    body = json.dumps(raw, ensure_ascii=False).encode("utf-8")
    answer = _server_call(args.server, "PUT", BASE_PATH, body, None if args.quiet else progress_printer(),
                          "upload")
    took = answer.get("goods", len(goods))
    return answer, f"«Сервер ККТ» took {took} goods records (version {answer.get('baseVer')})"


def server_device(args: argparse.Namespace) -> tuple[Any, str]:
    """Set (or show) what the server gives register ID: its groups and price percent."""
    path = f"{DEVICES_PATH}{args.id}"
    if args.groups is None and args.percent is None:
        answer = _server_call(args.server, "GET", path)
    else:
        groups = None if args.groups in (None, "all") else [int(g) for g in args.groups.split(",") if g]
        body = json.dumps({"groups": groups, "percent": args.percent or 100}).encode("utf-8")
        answer = _server_call(args.server, "PUT", path, body)
    return answer, f"register {args.id}: groups {answer.get('groups') or 'all'}, {answer.get('percent')} %"


def _upload_args(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--server", required=True, help="the «Сервер ККТ»'s HOST:PORT")
    _file_args(parser)


def _device_args(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--server", required=True, help="the «Сервер ККТ»'s HOST:PORT")
    parser.add_argument("id", help="the register's ID")
    parser.add_argument("--groups", help="comma list of group ids, or 'all'")
    parser.add_argument("--percent", type=int, help="price percent: 100 list price, less a discount, more a markup")


SERVER_COMMANDS: dict[str, tuple[str, Callable[[argparse.Namespace], tuple[Any, str]],
                                 Callable[[argparse.ArgumentParser], None]]] = {
    "server-upload": ("upload a goods file to a «Сервер ККТ» (progress on stderr)", server_upload, _upload_args),
    "server-device": ("a register's groups and price percent on a «Сервер ККТ»", server_device, _device_args),
}
