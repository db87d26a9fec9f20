"""Packaging: the emulator folder installs as `kkt_emu` (never `emulator`), in wheel and editable installs."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from importlib.metadata import entry_points
from pathlib import Path

import pytest
import tomllib

ROOT = Path(__file__).resolve().parents[2]


def _declared_packages() -> list[str]:
    data = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    return list(data["tool"]["setuptools"]["packages"])


def _packages_on_disk() -> set[str]:
    found = set()
    for top, name in (("kkt_drivers", "kkt_drivers"), ("emulator", "kkt_emu")):
        for init in (ROOT / top).rglob("__init__.py"):
            rel = init.parent.relative_to(ROOT / top)
            found.add(".".join([name, *rel.parts]))
    return found


def test_every_package_folder_is_declared() -> None:
    assert set(_declared_packages()) == _packages_on_disk()


def test_editable_install_imports_kkt_emu_from_the_emulator_folder() -> None:
    import kkt_emu

    assert Path(kkt_emu.__file__).resolve().parent == (ROOT / "emulator").resolve() or \
        "site-packages" in kkt_emu.__file__
    names = {ep.name for ep in entry_points(group="kkt_drivers.transports")}
    assert {"emu", "emu+pty", "emu+tcp"} <= names


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q",
                    "-w", str(out), str(ROOT)], check=True, timeout=300)
    return next(out.glob("kkt_drivers-*.whl"))


def test_wheel_contains_kkt_emu_and_no_bare_emulator_package(wheel: Path) -> None:
    names = zipfile.ZipFile(wheel).namelist()
    assert "kkt_emu/cli.py" in names and "kkt_emu/py.typed" in names and "kkt_drivers/py.typed" in names
    assert not any(n.startswith("emulator/") for n in names)
    entry = next(n for n in names if n.endswith("entry_points.txt"))
    text = zipfile.ZipFile(wheel).read(entry).decode()
    assert "kkt-emu = kkt_emu.cli:main" in text and "[pytest11]" in text


def test_wheel_install_runs_kkt_emu(wheel: Path, tmp_path: Path) -> None:
    target = tmp_path / "site"
    subprocess.run([sys.executable, "-m", "pip", "install", "--no-deps", "-q", "--target", str(target), str(wheel)],
                   check=True, timeout=300)
    code = ("import sys; sys.path.insert(0, sys.argv[1]); import kkt_emu, kkt_drivers; "
            "assert kkt_emu.__file__.startswith(sys.argv[1]), kkt_emu.__file__; "
            "from kkt_emu.cli import main; sys.exit(main(['models']))")
    proc = subprocess.run([sys.executable, "-c", code, str(target)], capture_output=True, text=True, timeout=60,
                          cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert "atol-30f" in proc.stdout
