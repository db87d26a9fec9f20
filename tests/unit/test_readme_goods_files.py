"""The goods files the README shows load with the real loaders: the label-scale CSV and JSON with
``kkt scale upload``'s :func:`~kkt_drivers.scale_cli.load_goods` (and upload to an emulated scale from the
command line), the «Сервер ККТ» file with what ``kkt server-upload`` checks it with."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from kkt_drivers.protocols.incotex.kkt_server import parse_goods_file
from kkt_drivers.scale_cli import load_goods
from kkt_drivers.scale_device import Goods

README = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
CSV_BLOCKS = re.findall(r"```csv\n(.*?)```", README, re.S)
JSON_BLOCKS = [json.loads(block) for block in re.findall(r"```json\n(.*?)```", README, re.S)]
SCALE_JSON = [block for block in JSON_BLOCKS if isinstance(block, list)]
SERVER_JSON = [block for block in JSON_BLOCKS if isinstance(block, dict) and "base" in block]
EXPECTED = [Goods(1, "Яблоки Гала", 15990, code=2001, shelf_life_days=14), Goods(2, "Хлеб", 4550, code=2002)]


def test_the_readme_shows_each_goods_format() -> None:
    assert len(CSV_BLOCKS) == 1 and len(SCALE_JSON) == 1 and len(SERVER_JSON) == 1


def _files(tmp_path: Path) -> list[Path]:
    csv_file, json_file = tmp_path / "goods.csv", tmp_path / "goods.json"
    csv_file.write_text(CSV_BLOCKS[0], encoding="utf-8")
    json_file.write_text(json.dumps(SCALE_JSON[0], ensure_ascii=False), encoding="utf-8")
    return [csv_file, json_file]


def test_the_scale_examples_load_as_the_goods_they_describe(tmp_path: Path) -> None:
    csv_goods, json_goods = (load_goods(str(path)) for path in _files(tmp_path))
    assert csv_goods[:1] == EXPECTED[:1] and csv_goods[1] == Goods(2, "Хлеб", 4550, code=2002, shelf_life_days=3)
    assert json_goods == EXPECTED


@pytest.mark.parametrize("index", [0, 1], ids=["csv", "json"])
def test_the_scale_examples_upload_from_the_command_line(tmp_path: Path, index: int) -> None:
    path = _files(tmp_path)[index]
    env = {**os.environ, "KKT_STATE_DIR": str(tmp_path / "state"), "KKT_LOCK_DIR": str(tmp_path / "locks")}
    result = subprocess.run([sys.executable, "-m", "kkt_drivers.cli", "--device", "emu://caslp", "scale", "upload",
                             str(path)], capture_output=True, text=True, timeout=60, env=env)
    assert result.returncode == 0, result.stderr
    assert "sent 2 of 2" in result.stdout


def test_the_server_example_passes_the_server_upload_check() -> None:
    groups, goods = parse_goods_file(SERVER_JSON[0])
    assert groups == {1: "Хлеб"}
    assert [(g.record.code, g.record.name, g.record.price, g.group) for g in goods] == [
        (1, "Хлеб бородинский", pytest.approx(45.50), 1), (2, "Пакет", pytest.approx(5.00), None)]
