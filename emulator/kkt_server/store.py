"""What the emulated «Сервер ККТ» keeps: its goods file (groups and records), per-register settings and the
sales registers sent, with the time of each register's last exchange.

Memory only, or one JSON file replaced atomically on every change (write to a temporary file, fsync,
rename), so a ``kill -9`` leaves the old state or the new one, never half of one. A goods file is checked
whole (:func:`~kkt_drivers.protocols.incotex.kkt_server.parse_goods_file`) before it replaces the stored one.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import threading
from pathlib import Path
from typing import Any

from kkt_drivers.protocols.incotex.kkt_server import (
    DeviceSettings,
    ServerGoods,
    goods_for_device,
    parse_goods_file,
    parse_record,
    record_to_file,
)

#: sales kept per register (the oldest drop out) [inferred]
MAX_SALES = 100_000


class UnknownDevice(KeyError):
    """No register with this ID is known to the server."""


class ServerStore:
    def __init__(self, path: Path | None = None) -> None:
        self.path = path
        self.lock = threading.RLock()
        self.groups: dict[int, str] = {}
        self.goods: list[ServerGoods] = []
        self.base_version = 0
        self.devices: dict[str, DeviceSettings] = {}
        self.sales: dict[str, list[dict[str, Any]]] = {}
        self.exchanges: dict[str, str] = {}
        if path is not None and path.exists():
            self._load(json.loads(path.read_text(encoding="utf-8")))

    # -- persistence ------------------------------------------------------------------------------
    def _load(self, data: dict[str, Any]) -> None:
        groups = data.get("groups", [])
        self.groups = {int(g["id"]): str(g["name"]) for g in groups}
        self.goods = [parse_record(raw, n, self.groups) for n, raw in enumerate(data.get("base", []), 1)]
        self.base_version = int(data.get("baseVer", 0))
        self.devices = {str(k): DeviceSettings.from_json(v) for k, v in data.get("devices", {}).items()}
        self.sales = {str(k): list(v) for k, v in data.get("sales", {}).items()}
        self.exchanges = {str(k): str(v) for k, v in data.get("exchanges", {}).items()}

    def _save(self) -> None:
        if self.path is None:
            return
        data = {"groups": [{"id": k, "name": v} for k, v in self.groups.items()],
                "base": [record_to_file(item) for item in self.goods], "baseVer": self.base_version,
                "devices": {k: v.to_json() for k, v in self.devices.items()}, "sales": self.sales,
                "exchanges": self.exchanges}
        tmp = self.path.with_name(self.path.name + ".tmp")
        with open(tmp, "w", encoding="utf-8") as out:
            json.dump(data, out, ensure_ascii=False)
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp, self.path)

    # -- the web cabinet side -----------------------------------------------------------------------
    def put_base(self, raw: Any) -> int:
        """Replace the goods file whole; a bad record refuses all of it (:class:`GoodsBaseError`)."""
        groups, goods = parse_goods_file(raw)
        with self.lock:
            self.groups, self.goods = groups, goods
            self.base_version += 1
            self._save()
            return len(goods)

    def base_file(self) -> dict[str, Any]:
        with self.lock:
            return {"groups": [{"id": k, "name": v} for k, v in self.groups.items()],
                    "base": [record_to_file(item) for item in self.goods], "baseVer": self.base_version}

    def put_device(self, server_id: str, raw: Any) -> DeviceSettings:
        settings = DeviceSettings.from_json(raw)
        with self.lock:
            unknown = [g for g in settings.groups or () if g not in self.groups]
            if unknown:
                raise ValueError(f"unknown groups {unknown}; known: {sorted(self.groups)}")
            self.devices[server_id] = settings
            self._save()
            return settings

    def device(self, server_id: str) -> dict[str, Any]:
        with self.lock:
            settings = self.devices.get(server_id)
            if settings is None:
                raise UnknownDevice(server_id)
            return {**settings.to_json(), "lastExchange": self.exchanges.get(server_id),
                    "sales": list(self.sales.get(server_id, []))}

    # -- the register side ----------------------------------------------------------------------------
    def _settings(self, server_id: str) -> DeviceSettings:
        settings = self.devices.get(server_id)
        if settings is None:
            raise UnknownDevice(server_id)
        return settings

    def ping(self, server_id: str) -> None:
        with self.lock:
            self._settings(server_id)

    def base_for(self, server_id: str) -> tuple[list[dict[str, Any]], int]:
        """The register's base: its groups only, at its percent."""
        with self.lock:
            records = goods_for_device(self.goods, self._settings(server_id))
            self.exchanges[server_id] = dt.datetime.now().replace(microsecond=0).isoformat()
            self._save()
            return [record.to_json() for record in records], self.base_version

    def add_sales(self, server_id: str, receipts: list[dict[str, Any]]) -> int:
        """Keep the receipts a register sends; one it sent before (same ФН and number) is not kept twice."""
        with self.lock:
            self._settings(server_id)
            kept = self.sales.setdefault(server_id, [])
            seen = {(r.get("fnNum"), r.get("fiscalDocNum")) for r in kept}
            fresh = [r for r in receipts if (r.get("fnNum"), r.get("fiscalDocNum")) not in seen]
            kept.extend(fresh)
            del kept[:-MAX_SALES]
            self.exchanges[server_id] = dt.datetime.now().replace(microsecond=0).isoformat()
            self._save()
            return len(receipts)
