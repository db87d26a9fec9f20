"""The per-scale state of incremental uploads: what changed, kept on disk, never ahead of the scale."""

from __future__ import annotations

import dataclasses
import os
import sqlite3
from pathlib import Path

import pytest

from kkt_drivers.scale_device import Goods
from kkt_drivers.scale_upload import BATCH, UploadState, default_state_dir, fingerprint, scale_key

BREAD = Goods(1, "Хлеб", 4550, code=2001, shelf_life_days=3)


@pytest.mark.parametrize("change", [
    {"price": 4551}, {"name": "Хлеб ржаной"}, {"code": 2002}, {"shelf_life_days": 4}, {"tare_g": 10},
    {"group": 1}, {"message": 2}, {"piece": True},
])
def test_any_field_of_the_record_changes_the_fingerprint(change: dict[str, object]) -> None:
    assert fingerprint(dataclasses.replace(BREAD, **change)) != fingerprint(BREAD)  # type: ignore[arg-type]


def test_equal_goods_have_equal_fingerprints() -> None:
    assert fingerprint(Goods(1, "Хлеб", 4550, code=2001, shelf_life_days=3)) == fingerprint(BREAD)


def _rows(path: Path) -> dict[int, str]:
    """What another process would read from the state file now."""
    with sqlite3.connect(path) as db:
        return dict(db.execute("SELECT plu, fingerprint FROM goods").fetchall())


def test_the_state_survives_a_restart(tmp_path: Path) -> None:
    goods = [Goods(n, f"Товар {n}", 100 * n) for n in range(1, 6)]
    state = UploadState.open("caslp:tcp:10.0.0.9:1001", tmp_path)
    assert state.changed(goods) == goods
    for item in goods:
        state.remember(item)
    state.close()
    again = UploadState.open("caslp:tcp:10.0.0.9:1001", tmp_path)
    assert again.changed(goods) == []
    moved = dataclasses.replace(goods[2], price=1)
    assert again.changed([*goods[:2], moved, *goods[3:]]) == [moved]
    other = UploadState.open("caslp:tcp:10.0.0.10:1001", tmp_path)
    assert other.changed(goods) == goods  # another scale has its own state
    assert again.path != other.path and again.path is not None and again.path.parent == tmp_path


def test_forgetting_is_on_disk_before_it_returns(tmp_path: Path) -> None:
    state = UploadState.open("scale-a", tmp_path)
    state.remember(BREAD)
    state.flush()
    assert state.path is not None and _rows(state.path) == {1: fingerprint(BREAD)}
    state.forget([1])
    assert _rows(state.path) == {}


def test_acknowledgements_are_written_in_batches(tmp_path: Path) -> None:
    state = UploadState.open("scale-b", tmp_path)
    assert state.path is not None
    for n in range(1, BATCH):
        state.remember(Goods(n, "Товар", n))
    assert _rows(state.path) == {}  # a crash now loses them: they would be sent again, never skipped
    state.remember(Goods(BATCH, "Товар", BATCH))
    assert len(_rows(state.path)) == BATCH


def test_a_crash_between_forget_and_remember_resends_the_goods(tmp_path: Path) -> None:
    old = Goods(7, "Сыр", 50000)
    new = dataclasses.replace(old, price=51000)
    state = UploadState.open("scale-c", tmp_path)
    state.remember(old)
    state.flush()
    state.forget([7])  # an upload of the new price begins; the process dies before the scale answers
    restarted = UploadState.open("scale-c", tmp_path)
    assert restarted.changed([old]) == [old]  # the scale may hold either price: send again
    assert restarted.changed([new]) == [new]


def test_clearing_forgets_everything_on_disk(tmp_path: Path) -> None:
    state = UploadState.open("scale-d", tmp_path)
    for n in (1, 2, 3):
        state.remember(Goods(n, "Товар", n))
    state.flush()
    state.clear()
    assert state.path is not None and _rows(state.path) == {} and state.known() == {}


def test_without_a_key_the_state_lives_in_memory(tmp_path: Path) -> None:
    state = UploadState.open(None, tmp_path)
    state.remember(BREAD)
    assert state.path is None and list(tmp_path.iterdir()) == []
    assert UploadState.open(None, tmp_path).changed([BREAD]) == [BREAD]


def test_the_default_folder_follows_the_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("KKT_STATE_DIR", str(tmp_path / "kkt"))
    assert default_state_dir() == tmp_path / "kkt" / "scales"
    monkeypatch.delenv("KKT_STATE_DIR")
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "xdg"))
    assert default_state_dir() == tmp_path / "xdg" / "kkt-drivers" / "scales"


def test_a_scale_is_named_by_its_address(tmp_path: Path) -> None:
    link = tmp_path / "ttyScale"
    link.symlink_to("/dev/null")
    assert scale_key(f"caslp://{link}") == f"caslp:serial:{os.path.realpath(link)}"
    assert scale_key("caslp+tcp://10.0.0.9:1001") == "caslp:tcp:10.0.0.9:1001"
    assert scale_key(f"emu://caslp?state={tmp_path}") == f"caslp:emu-state:{os.path.realpath(tmp_path)}"
    assert scale_key("emu://caslp") is None  # a fresh emulator per connection: nothing to remember
    named = scale_key("emu://caslp?name=shop")
    assert named is not None and str(os.getpid()) in named
