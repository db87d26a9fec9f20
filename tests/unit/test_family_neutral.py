"""The family-neutral core: nothing outside a family's folders and the family tables names a family.

Checked from the source (imports and string constants), by importing the neutral modules in a fresh
interpreter, and by running the core with two families that exist only in tests: ``probe`` (a device without
a fiscal drive, served by the emulator) and ``minireg`` (a register with only the mandatory queries).
"""

from __future__ import annotations

import ast
import json
import os
import re
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from family_fakes import MiniFamily, MiniRegister, ProbeDriver, ProbeEmulatedFamily, ProbeFamily, registered
from kkt_emu.attach.control_server import ControlServer
from kkt_emu.attach.loop import ServerLoop
from kkt_emu.attach.pty import PtyAttachment
from kkt_emu.attach.tcp import TcpAttachment
from kkt_emu.core.control import DeviceControl
from kkt_emu.personalities import create_device

from kkt_drivers import ConfigurationError, Kkt, NotSupported, Timeout, connect
from kkt_drivers.families import family_names, get_family
from kkt_drivers.register import METHOD_OPERATIONS, FiscalRegister, Op
from kkt_drivers.types import Cashier, Item, Payment, PaymentType, Receipt, Registration, TaxationSystem
from kkt_drivers.url import resolve_device_url

ROOT = Path(__file__).resolve().parents[2]
#: modules that must not name a family: the facade, types, URLs, session, validation, plugin, emulator core
NEUTRAL = [
    *sorted((ROOT / "kkt_drivers").glob("*.py")), *sorted((ROOT / "kkt_drivers" / "testing").glob("*.py")),
    *sorted((ROOT / "kkt_drivers" / "transport").glob("*.py")), *sorted((ROOT / "emulator" / "core").rglob("*.py")),
    *sorted((ROOT / "emulator" / "attach").glob("*.py")), ROOT / "emulator" / "cli.py",
    ROOT / "kkt_drivers" / "protocols" / "spec.py", ROOT / "kkt_drivers" / "protocols" / "actions.py",
]
#: the family tables: the one place that names families
REGISTRIES = {ROOT / "kkt_drivers" / "families.py", ROOT / "emulator" / "personalities" / "__init__.py"}
FAMILIES = family_names()
_WORD = re.compile(r"\b(" + "|".join(map(re.escape, FAMILIES)) + r")\b", re.IGNORECASE)


def _docstring_nodes(tree: ast.AST) -> set[int]:
    """ids of string constants that stand alone as statements (docstrings and comments-as-strings)."""
    return {id(node.value) for node in ast.walk(tree)
            if isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant)}


@pytest.mark.parametrize("path", [p for p in NEUTRAL if p not in REGISTRIES], ids=lambda p: str(p.relative_to(ROOT)))
def test_neutral_module_names_no_family(path: Path) -> None:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    skip = _docstring_nodes(tree)
    for node in ast.walk(tree):
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            names = [node.module or ""] if isinstance(node, ast.ImportFrom) else [a.name for a in node.names]
            names += [a.name for a in node.names] if isinstance(node, ast.ImportFrom) else []
            for name in names:
                parts = set(name.split("."))
                assert not parts & set(FAMILIES), f"{path.name}:{node.lineno} imports family code: {name}"
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in skip:
            assert not _WORD.search(node.value), f"{path.name}:{node.lineno} names a family: {node.value!r}"


@pytest.mark.parametrize("path", [p for p in NEUTRAL if "emulator" in p.parts],
                         ids=lambda p: str(p.relative_to(ROOT)))
def test_emulator_core_has_no_family_byte_layout_or_duck_typing(path: Path) -> None:
    """No ATOL-style ``message[2:]`` password slicing and no ``hasattr(link, …)`` probing in the core."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
            assert node.func.id != "hasattr", f"{path.name}:{node.lineno} probes an object with hasattr"
        if isinstance(node, ast.Subscript) and isinstance(node.slice, ast.Slice):
            lower = node.slice.lower
            assert not (isinstance(node.value, ast.Name) and node.value.id == "message" and lower is not None), \
                f"{path.name}:{node.lineno} slices a message by a family's layout"


def test_importing_the_neutral_modules_loads_no_family() -> None:
    code = (
        "import sys, json\n"
        "import kkt_drivers, kkt_drivers.kkt, kkt_drivers.url, kkt_drivers.connect, kkt_drivers.validation\n"
        "import kkt_drivers.testing.pytest_plugin, kkt_drivers.families\n"
        "import kkt_emu.core.device, kkt_emu.core.connection, kkt_emu.core.control, kkt_emu.attach.entry\n"
        "import kkt_emu.attach.inprocess, kkt_emu.attach.pty, kkt_emu.attach.tcp, kkt_emu.personalities\n"
        "print(json.dumps(sorted(sys.modules)))\n"
    )
    loaded = json.loads(subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True,
                                       cwd="/").stdout)
    family_modules = [m for m in loaded for family in FAMILIES
                      if f".protocols.{family}" in m or f".drivers.{family}" in m or f".personalities.{family}" in m]
    assert family_modules == []


def test_resolving_a_url_loads_the_family_descriptor_but_not_its_protocol() -> None:
    code = ("import sys\nfrom kkt_drivers.url import resolve_device_url\n"
            "resolve_device_url('atol+tcp://10.0.0.5:5555?transport=v2')\n"
            "print([m for m in sys.modules if 'protocols.atol' in m or 'drivers.atol.driver' in m])\n")
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True, cwd="/").stdout
    assert out.strip() == "[]"


def test_an_unknown_family_names_the_known_ones() -> None:
    with pytest.raises(ConfigurationError, match=r"unknown device family 'nosuch'; known: .*atol"):
        get_family("nosuch")
    with pytest.raises(ConfigurationError, match=r"unknown device family 'nosuch'; known: .*atol"):
        connect("nosuch:///dev/ttyUSB0")


@pytest.mark.parametrize("name", FAMILIES)
def test_a_family_lists_exactly_the_operations_its_driver_implements(name: str) -> None:
    family = get_family(name)
    driver = family.driver_type()
    assert driver.family == name and driver.capabilities == family.capabilities
    if issubclass(driver, FiscalRegister):
        for method, operation in METHOD_OPERATIONS.items():
            implemented = getattr(driver, method) is not getattr(FiscalRegister, method)
            assert implemented == (operation in family.capabilities), f"{name}.{method} vs {operation}"
        assert set(family.capabilities) <= set(Op.ALL)


# -- a device without a fiscal drive ---------------------------------------------------------------------


@pytest.fixture
def probe_families() -> Iterator[None]:
    with registered(ProbeFamily(), ProbeEmulatedFamily(), MiniFamily()):
        yield


@pytest.mark.usefixtures("probe_families")
@pytest.mark.parametrize("scheme", ["emu", "emu+pty", "emu+tcp"])
def test_the_emulator_serves_a_device_without_a_fiscal_drive(scheme: str) -> None:
    with connect(f"{scheme}://probe") as device:
        assert isinstance(device, ProbeDriver)
        assert device.ping("42") == "PONG 42"
        control = device.emulator
        assert control is not None
        control.set_fault("withhold_answer", 1)  # a core fault works on any family
        with pytest.raises(Timeout):
            device.ping("lost")
        control.set_fault("mute", 2)  # a fault this family declares
        with pytest.raises(ValueError, match=r"unknown fault 'nak'; known: .*mute"):
            control.set_fault("nak", 1)  # another family's fault
        control.reset()
        assert device.ping("again") == "PONG again"


@pytest.mark.usefixtures("probe_families")
def test_kkt_refuses_a_device_that_is_not_a_register() -> None:
    with pytest.raises(ConfigurationError, match="probe devices are not fiscal registers"):
        Kkt.open("emu://probe")


@pytest.mark.usefixtures("probe_families")
def test_control_port_of_a_device_without_a_fiscal_drive() -> None:
    device = create_device("probe")
    loop = ServerLoop()
    pty = PtyAttachment(device, "default", loop=loop).start()
    tcp = TcpAttachment(device, "default", loop=loop).start()
    server = ControlServer(DeviceControl(device)).start()
    loop.start()
    try:
        with connect(f"probe://{pty.path}") as over_pty, connect(f"probe+tcp://127.0.0.1:{tcp.port}") as over_tcp:
            assert over_pty.ping("a") == "PONG a" and over_tcp.ping("b") == "PONG b"  # type: ignore[attr-defined]

        def ask(request: dict[str, object]) -> dict[str, object]:
            with socket.create_connection((server.host, server.port), timeout=5) as sock:
                sock.sendall(json.dumps(request).encode() + b"\n")
                return json.loads(sock.makefile("rb").readline())  # type: ignore[no-any-return]

        status = ask({"op": "status"})
        assert status["ok"] and status["family"] == "probe" and status["fiscal"] is False
        assert status["commands_executed"] == 2 and "fn" not in status
        refused = ask({"op": "set_ofd", "delay": 1})
        assert refused == {"ok": False, "error": "set_ofd needs a device with a fiscal drive; probe devices have none"}
        assert ask({"op": "set_prefix"}) == {"ok": True, "pings": 2}  # an op of the family's own
        assert ask({"op": "no_such_op"}) == {"ok": False, "error": "unknown op 'no_such_op'"}
        assert ask({"op": "reset"}) == {"ok": True}
    finally:
        server.stop()
        loop.stop()
        pty.stop()


@pytest.mark.usefixtures("probe_families")
def test_a_fiscal_option_on_a_device_without_a_fiscal_drive_is_refused() -> None:
    with pytest.raises(ConfigurationError, match="probe devices have no fiscal drive"):
        connect("emu://probe?ffd=1.2")


@pytest.mark.usefixtures("probe_families")
def test_one_familys_option_on_another_familys_url_says_whose_it_is() -> None:
    with pytest.raises(ConfigurationError, match=r"'transport' is an option of the atol family(, the \w+ family)*, "
                                                 r"not of probe\+tcp:// URLs; they take: no options"):
        resolve_device_url("probe+tcp://10.0.0.5:4001?transport=v3")
    with pytest.raises(ConfigurationError, match=r"'password' is an option of the atol family(, the \w+ family)*, "
                                                 r"not of emu://probe"):
        resolve_device_url("emu://probe?password=1")
    assert resolve_device_url("probe+tcp://10.0.0.5").url.address == "10.0.0.5"


# -- a register without most operations -----------------------------------------------------------------


def _receipt(discount: int = 0) -> Receipt:
    return Receipt(items=(Item("Хлеб", 5000),), payments=(Payment(PaymentType.CASH, 5000),), discount=discount)


@pytest.mark.parametrize(("call", "operation"), [
    (lambda k: k.open_shift(), "open_shift"),
    (lambda k: k.close_shift(), "close_shift"),
    (lambda k: k.x_report(), "x_report"),
    (lambda k: k.sell(_receipt()), "receipt"),
    (lambda k: k.buy_refund(_receipt()), "receipt"),
    (lambda k: k.cash_in(100), "cash"),
    (lambda k: k.cash_in_drawer(), "cash"),
    (lambda k: k.close_fn(), "close_fn"),
    (lambda k: k.ofd_status(), "ofd_status"),
    (lambda k: k.document(1), "document_tlv"),
    (lambda k: k.set_ofd_server("ofd.example", 7777), "ofd_server"),
    (lambda k: k.set_cloud_server("cloud.example"), "vendor_cloud"),
    (lambda k: k.register(Registration("ООО", "7701234560", "0000000001035539", "Москва", "Магазин",
                                       TaxationSystem.OSN)), "register"),
])
def test_an_operation_the_family_lacks_is_not_supported_before_anything_is_sent(call: object, operation: str) -> None:
    device = MiniRegister()
    kkt = Kkt(device, cashier=Cashier("Иванова"))
    with pytest.raises(NotSupported) as caught:
        call(kkt)  # type: ignore[operator]
    assert caught.value.operation == operation and caught.value.family == "minireg"
    assert isinstance(caught.value, NotImplementedError)
    assert device.sent == []


def test_what_every_register_answers_works_on_the_smallest_family() -> None:
    device = MiniRegister()
    kkt = Kkt(device)
    assert kkt.status().model == "Mini" and kkt.fn_status().last_document_number == 1
    assert kkt.document(1, with_tlv=False).number == 1 and kkt.last_document().number == 1
    assert kkt.server_settings() == {}
    with pytest.raises(NotSupported, match="minireg devices do not support operator passwords"):
        Kkt(device, admin_password=29)


def test_the_emulator_cli_offers_every_family_of_its_table() -> None:
    out = subprocess.run([sys.executable, "-m", "kkt_emu.cli", "serve", "--help"], check=True, capture_output=True,
                         text=True, env={**os.environ, "COLUMNS": "200"}).stdout
    from kkt_emu.personalities import family_names as emulated

    assert "--family {" + ",".join(emulated()) + "}" in out
    assert set(emulated()) == {name for name in FAMILIES if get_family(name).emulated}
