"""The register's side of the «Сервер ККТ» link: a small HTTP client (:mod:`http.client`). [inferred]

The device↔server protocol is not public; this is ours and the emulated server
(:mod:`kkt_emu.kkt_server`) speaks the same (paths in :mod:`kkt_drivers.protocols.incotex.kkt_server`).
Every failure becomes an :class:`ExchangeFailure` carrying the «СТАТУС СЕРВ. ККТ» state to show.
"""

from __future__ import annotations

import http.client
import json
from typing import Any

from kkt_drivers.protocols.incotex.kkt_server import KKT_PATH, ExchangeState

TIMEOUT = 5.0
MAX_ANSWER = 64 * 1024 * 1024


class ExchangeFailure(Exception):
    def __init__(self, state: ExchangeState, message: str) -> None:
        super().__init__(message)
        self.state = state
        self.message = message


def split_address(address: str) -> tuple[str, int]:
    host, sep, port = address.strip().rpartition(":")
    if not sep or not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise ExchangeFailure(ExchangeState.NOT_ANSWERING, f"неверный адрес сервера {address!r}")
    return host.strip("[]"), int(port)


def call(address: str, method: str, path: str, body: Any = None) -> dict[str, Any]:
    """One request to the server; its JSON answer (``result`` 0) or an :class:`ExchangeFailure`."""
    host, port = split_address(address)
    conn = http.client.HTTPConnection(host, port, timeout=TIMEOUT)
    try:
        data = None if body is None else json.dumps(body, ensure_ascii=False).encode("utf-8")
        try:
            conn.request(method, path, body=data, headers={"Content-Type": "application/json; charset=utf-8"})
            response = conn.getresponse()
            raw = response.read(MAX_ANSWER + 1)
        except (OSError, http.client.HTTPException) as exc:
            raise ExchangeFailure(ExchangeState.NOT_ANSWERING, f"сервер {address} не отвечает: {exc}") from exc
    finally:
        conn.close()
    try:
        answer = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise ExchangeFailure(ExchangeState.PROTOCOL, f"ответ сервера не JSON (HTTP {response.status})") from exc
    if not isinstance(answer, dict) or not isinstance(answer.get("result"), int):
        raise ExchangeFailure(ExchangeState.PROTOCOL, "в ответе сервера нет result")
    if answer["result"] != 0 or response.status != 200:
        text = answer.get("description") if isinstance(answer.get("description"), str) else ""
        raise ExchangeFailure(ExchangeState.REFUSED, f"отказ сервера: {text or response.status}")
    return answer


def ping(address: str, server_id: str) -> dict[str, Any]:
    return call(address, "GET", f"{KKT_PATH}{server_id}/ping")


def fetch_base(address: str, server_id: str) -> tuple[list[Any], int]:
    answer = call(address, "GET", f"{KKT_PATH}{server_id}/base")
    base = answer.get("base")
    version = answer.get("baseVer", 0)
    if not isinstance(base, list) or not isinstance(version, int):
        raise ExchangeFailure(ExchangeState.PROTOCOL, "в ответе сервера нет базы товаров")
    return base, version


def send_sales(address: str, server_id: str, journal: dict[str, Any]) -> int:
    answer = call(address, "POST", f"{KKT_PATH}{server_id}/sales", journal)
    accepted = answer.get("accepted")
    if not isinstance(accepted, int):
        raise ExchangeFailure(ExchangeState.PROTOCOL, "сервер не сообщил, сколько продаж принято")
    return accepted
