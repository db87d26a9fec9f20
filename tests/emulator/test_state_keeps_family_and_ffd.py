"""A state directory keeps the family and the FFD it was made with: asking for another one is refused with a
message naming what the directory holds and how to start afresh (never a silent switch to the stored one)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from kkt_drivers import ConfigurationError, connect

EMU = [sys.executable, "-m", "kkt_emu.cli"]


def _make(state: Path, family: str, ffd: str | None) -> None:
    url = f"emu://{family}?state={state}" + (f"&ffd={ffd}" if ffd else "")
    connect(url).close()


@pytest.mark.parametrize(("made", "asked", "says"), [
    (("atol", "1.2"), ("atol", "1.05"), ["FFD 1.2", "ФФД 1.2"]),
    (("atol", "1.05"), ("atol", "1.2"), ["FFD 1.05", "ФФД 1.05"]),
    (("atol", "1.2"), ("shtrih", None), ["atol", "--family atol"]),
    (("shtrih", None), ("atol", "1.05"), ["shtrih", "--family shtrih"]),
])
def test_another_family_or_ffd_is_refused(tmp_path: Path, made: tuple[str, str | None],
                                          asked: tuple[str, str | None], says: list[str]) -> None:
    state = tmp_path / "device"
    _make(state, *made)
    with pytest.raises(ConfigurationError) as caught:
        _make(state, *asked)
    text = f"{caught.value}\n{caught.value.message_ru}"
    assert all(word in text for word in says), text
    assert "new or empty directory" in str(caught.value) and "новым или пустым каталогом" in text


def test_the_same_family_and_ffd_or_none_asked_serve_the_stored_device(tmp_path: Path) -> None:
    state = tmp_path / "device"
    _make(state, "atol", "1.2")
    _make(state, "atol", "1.2")
    _make(state, "atol", None)
    with pytest.raises(ConfigurationError):  # still FFD 1.2 after being served without ffd=
        _make(state, "atol", "1.05")


def test_kkt_emu_serve_refuses_in_both_languages_and_says_so_in_its_help(tmp_path: Path) -> None:
    state = tmp_path / "device"
    _make(state, "atol", "1.2")
    for lang, words in (("C.UTF-8", ["FFD 1.2", "not 1.05"]), ("ru_RU.UTF-8", ["ФФД 1.2", "а не 1.05"])):
        result = subprocess.run([*EMU, "serve", "--tcp", "--state", str(state), "--ffd", "1.05"], capture_output=True,
                                text=True, timeout=60, env={**os.environ, "LANG": lang, "LC_ALL": lang})
        assert result.returncode == 2 and "Traceback" not in result.stderr, result.stderr
        assert all(word in result.stderr for word in words), result.stderr
    helped = subprocess.run([*EMU, "serve", "--help"], capture_output=True, text=True, timeout=60).stdout
    assert re.search(r"another\s+--family\s+or\s+--ffd\s+is\s+refused", helped), helped
