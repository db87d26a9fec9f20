"""The README names the host lock directory as the code does (``$USER``, else ``$USERNAME``, else the uid)."""

from __future__ import annotations

import os
import re
import tempfile
from pathlib import Path

import pytest

from kkt_drivers.hostlock import lock_dir

README = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")


def _sentence() -> str:
    match = re.search(r"\(`\$KKT_LOCK_DIR`, default (.*?)\);", README, re.S)
    assert match, "the README no longer says where the lock files are"
    return " ".join(match.group(1).split())


@pytest.mark.skipif(not hasattr(os, "getuid"), reason="needs a uid")
def test_without_user_variables_the_directory_is_named_by_uid_as_the_readme_says(
        monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("KKT_LOCK_DIR", "USER", "USERNAME"):
        monkeypatch.delenv(name, raising=False)
    uid = os.getuid()
    assert lock_dir() == Path(tempfile.gettempdir()) / f"kkt-drivers-{uid}"
    said = _sentence()
    assert "numeric uid" in said and "/tmp/kkt-drivers-0" in said


def test_user_then_username_name_the_directory_as_the_readme_says(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("KKT_LOCK_DIR", raising=False)
    monkeypatch.setenv("USER", "alice")
    monkeypatch.setenv("USERNAME", "bob")
    assert lock_dir().name == "kkt-drivers-alice"
    monkeypatch.delenv("USER")
    assert lock_dir().name == "kkt-drivers-bob"
    said = _sentence()
    assert said.index("`$USER`") < said.index("`$USERNAME`") < said.index("uid")


def test_a_released_lock_keeps_its_file_and_the_next_holder_reuses_it(tmp_path: Path) -> None:
    """The README: lock files stay after use, one per address, reused next time (removing one that another process
    is about to lock would let two processes hold it)."""
    from kkt_drivers.hostlock import HostLock

    assert "The lock files stay after use" in README
    first = HostLock("atol+tcp://127.0.0.1:5555", directory=tmp_path)
    first.acquire()
    first.release()
    first.close()
    assert first.path.exists()
    second = HostLock("atol+tcp://127.0.0.1:5555", directory=tmp_path)
    second.acquire()
    assert second.path == first.path and sorted(tmp_path.iterdir()) == [first.path]
    second.release()
    second.close()
