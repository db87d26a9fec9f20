"""A «Сервер ККТ» / register goods file that is missing or not JSON is invalid input (exit 2), said in both
languages — not "no connection" (exit 4) and not Python's exception text."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest


def _kkt(*args: str) -> subprocess.CompletedProcess[str]:
    env = {key: value for key, value in os.environ.items() if key != "KKT_DEVICE"}
    return subprocess.run([sys.executable, "-m", "kkt_drivers.cli", *args], capture_output=True, text=True,
                          timeout=60, env=env)


@pytest.mark.parametrize("command", [["server-upload", "--server", "127.0.0.1:1"],
                                     ["--device", "emu://mercury", "goods-upload"]], ids=["server", "register"])
@pytest.mark.parametrize(("content", "en", "ru"), [(None, "no such file", "файл не найден"),
                                                   ('{"base": [', "not valid JSON at line 1", "неверный JSON")],
                         ids=["missing", "broken"])
def test_a_bad_goods_file_is_invalid_input(tmp_path: Path, command: list[str], content: str | None, en: str,
                                           ru: str) -> None:
    path = tmp_path / "goods.json"
    if content is not None:
        path.write_text(content, encoding="utf-8")
    for lang, words in (("en", en), ("ru", ru)):
        result = _kkt("--lang", lang, *command, str(path))
        assert result.returncode == 2 and "Traceback" not in result.stderr, result.stderr
        assert "goods file" in result.stderr and words in result.stderr and "JSONDecodeError" not in result.stderr
