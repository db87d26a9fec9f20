"""pytest plugin (entry point ``pytest11``): run the same tests on emulators or a real device, of any family.

Options
    ``--device URL``            the device to test (default: ``$KKT_DEVICE``, else emulators)
    ``--allow-irreversible``    let ``irreversible`` tests run on a real device
    ``--emu-families LIST``     without ``--device``: emulated families to run on (default: every family in
                                the family table that ships an emulator; ``all`` says the same)
    ``--emu-attachments LIST``  without ``--device``: emulator attachments, any of ``inprocess,pty,tcp``
                                (default ``inprocess``)
    ``--emu-transports LIST``   without ``--device``: link variants of families that have several (ATOL:
                                ``v2,v3``); a family none of whose variants is listed runs on its default

Markers
    ``hardware``              needs a real device; skipped on emulators
    ``emulator_only``         needs the emulator's control API or faults; skipped on a real device
    ``irreversible``          fiscalisation, closing the ФН, real Z-reports: skipped on a real device
                              unless ``--allow-irreversible``
    ``family(name, ...)``     speaks one family's own protocol; skipped on the others
    ``requires(op, ...)``     needs these operations (``kkt_drivers.register.Op``); skipped, with the
                              reason, on a family — or a link variant of it — that does not have them

Fixtures
    ``device_url``      the URL under test (tests using it are parametrised over every backend; ids like
                        ``atol-v3-pty``)
    ``kkt_device``      a connected family driver; on an emulator the device starts fresh
                        (``kkt_driver`` is the same fixture under its older name)
    ``kkt``             the unified :class:`~kkt_drivers.kkt.Kkt` API over that driver
    ``kkt_emulator``    the emulator's control API (skips on a real device)
    ``scale_url``       a scale under test: the scale families among the targets above (ids like
                        ``massak-pty``); tests using it run once per scale target
    ``scale``           a connected :class:`~kkt_drivers.scale.Scale` — a
                        :class:`~kkt_drivers.scale.LabelScale` when the scale has a goods memory — started
                        fresh on an emulator, its upload state kept in memory
    ``scale_emulator``  the scale emulator's control ops (``scale_emulator.op("set_weight", value=1.5)``);
                        skips on a real device
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from ..connect import connect
from ..device import DeviceDriver
from ..errors import ConfigurationError
from ..families import family_names, get_family
from ..kkt import Kkt
from ..register import FiscalRegister
from ..scale import Scale
from ..scale_device import ScaleDevice
from ..transport.base import EmulatorControl
from ..url import resolve_device_url

ATTACHMENT_SCHEMES = {"inprocess": "emu", "pty": "emu+pty", "tcp": "emu+tcp"}
_TARGETS = pytest.StashKey[list["Target"]]()


@dataclass(frozen=True)
class Target:
    """One device a run covers: its URL, family and a readable id."""

    url: str
    family: str
    id: str
    emulated: bool


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("kkt", "fiscal register devices (kkt-drivers)")
    group.addoption("--device", default=None, help="device URL to test; default $KKT_DEVICE or emulators")
    group.addoption("--allow-irreversible", action="store_true", default=False,
                    help="run tests marked irreversible on a real device")
    group.addoption("--emu-families", default="all",
                    help="without --device: comma list of emulated families (default: all that ship an emulator)")
    group.addoption("--emu-attachments", default="inprocess",
                    help="without --device: comma list of emulator attachments (inprocess,pty,tcp)")
    group.addoption("--emu-transports", default="",
                    help="without --device: comma list of link variants (e.g. v2,v3); default: each family's own")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "hardware: needs a real device; skipped on emulators")
    config.addinivalue_line("markers", "emulator_only: needs the emulator control API; skipped on real devices")
    config.addinivalue_line("markers", "irreversible: changes a real device for good; needs --allow-irreversible")
    config.addinivalue_line("markers", "family(*names): speaks these families' own protocol; skipped on others")
    config.addinivalue_line("markers", "requires(*operations): needs these operations; skipped where absent")
    config.stash[_TARGETS] = device_targets(config)  # options are checked here, before collection


def _split(value: str) -> list[str]:
    return [part.strip() for part in value.split(",") if part.strip()]


def device_targets(config: pytest.Config) -> list[Target]:
    """The devices a run covers."""
    explicit = config.getoption("--device") or os.environ.get("KKT_DEVICE")
    if explicit:
        try:
            resolved = resolve_device_url(explicit)  # fail early on a typo
        except ConfigurationError as exc:
            raise pytest.UsageError(f"--device / KKT_DEVICE: {exc}") from exc
        return [Target(explicit, resolved.url.family, explicit, resolved.url.is_emulator)]
    known = family_names()
    wanted = _split(config.getoption("--emu-families"))
    if wanted in ([], ["all"]):
        try:
            families = [name for name in known if get_family(name).emulated]
        except ConfigurationError as exc:
            raise pytest.UsageError(f"family table: {exc}") from exc
    else:
        unknown = [name for name in wanted if name not in known]
        if unknown:
            raise pytest.UsageError(f"--emu-families: unknown {unknown}; known: {', '.join(known)}")
        families = wanted
    attachments = _split(config.getoption("--emu-attachments"))
    unknown = [a for a in attachments if a not in ATTACHMENT_SCHEMES]
    if unknown:
        raise pytest.UsageError(f"--emu-attachments: unknown {unknown}; use inprocess, pty, tcp")
    variants = _split(config.getoption("--emu-transports"))
    every_variant = {v for name in families for v in get_family(name).variants}
    bad = [v for v in variants if v not in every_variant]
    if bad:
        raise pytest.UsageError(f"--emu-transports: unknown {bad}; the families chosen have {sorted(every_variant)}")
    targets = []
    for name in families:
        family = get_family(name)
        chosen = [v for v in family.variants if v in variants] or [family.default_variant]
        for variant in chosen:
            query = "&".join(f"{k}={v}" for k, v in family.variant_options(variant).items())
            label = name if len(family.variants) == 1 else f"{name}-{variant}"
            for attachment in attachments:
                if attachment == "pty" and not family.variant_over_serial(variant):
                    continue  # a protocol that cannot run over a serial line (Меркурий's driver service)
                url = f"{ATTACHMENT_SCHEMES[attachment]}://{name}" + (f"?{query}" if query else "")
                targets.append(Target(url, name, f"{label}-{attachment}", True))
    return targets


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "device_url" in metafunc.fixturenames:
        targets = metafunc.config.stash[_TARGETS]
        metafunc.parametrize("device_url", [t.url for t in targets], ids=[t.id for t in targets])
    if "scale_url" in metafunc.fixturenames:
        scales = scale_targets(metafunc.config.stash[_TARGETS])
        metafunc.parametrize("scale_url", [t.url for t in scales], ids=[t.id for t in scales])


def _target(config: pytest.Config, url: str) -> Target | None:
    return next((t for t in config.stash[_TARGETS] if t.url == url), None)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    allow = config.getoption("--allow-irreversible")
    for item in items:
        callspec = getattr(item, "callspec", None)
        url = callspec.params.get("device_url", callspec.params.get("scale_url")) if callspec is not None else None
        target = _target(config, url) if url is not None else None
        if target is None:
            continue
        for reason in skip_reasons(item, target, allow):
            item.add_marker(pytest.mark.skip(reason=reason))
            break


def skip_reasons(item: pytest.Item, target: Target, allow_irreversible: bool) -> list[str]:
    """Why ``item`` cannot run on ``target`` (empty: it runs)."""
    reasons = []
    if item.get_closest_marker("hardware") and target.emulated:
        reasons.append("needs a real device (--device URL)")
    if item.get_closest_marker("emulator_only") and not target.emulated:
        reasons.append("needs the emulator's control API")
    if item.get_closest_marker("irreversible") and not target.emulated and not allow_irreversible:
        reasons.append("irreversible on a real device; pass --allow-irreversible")
    for marker in item.iter_markers("family"):
        if target.family not in marker.args:
            reasons.append(f"speaks the {'/'.join(marker.args)} protocol; {target.family} has its own")
    capabilities = _capabilities(target)
    for marker in item.iter_markers("requires"):
        missing = [op for op in marker.args if op not in capabilities]
        if missing:
            reasons.append(f"{target.family} devices have no {', '.join(missing)} (NotSupported)")
    return reasons


def _capabilities(target: Target) -> frozenset[str]:
    """The operations the target's driver has: those of its family on the URL's link variant."""
    try:
        resolved = resolve_device_url(target.url)
    except ConfigurationError:
        return get_family(target.family).capabilities
    return resolved.family.variant_capabilities(resolved.variant)


@pytest.fixture
def kkt_device(device_url: str) -> Iterator[DeviceDriver]:
    """A connected family driver; an emulated device starts from its initial state."""
    device = connect(device_url)
    try:
        control = device.emulator
        if control is not None:
            control.reset()
        yield device
    finally:
        device.close()


@pytest.fixture
def kkt_driver(kkt_device: DeviceDriver) -> DeviceDriver:
    """The same as ``kkt_device`` (its name before families other than ATOL existed)."""
    return kkt_device


@pytest.fixture
def kkt(kkt_device: DeviceDriver) -> Kkt:
    """The unified :class:`~kkt_drivers.kkt.Kkt` API over ``kkt_device`` (skips on a device that is no register)."""
    if not isinstance(kkt_device, FiscalRegister):
        pytest.skip(f"{kkt_device.family} devices are not fiscal registers")
    return Kkt(kkt_device)


@pytest.fixture
def kkt_emulator(kkt_device: DeviceDriver) -> EmulatorControl:
    """The emulator's control API; skips on a real device."""
    control: Any = kkt_device.emulator
    if control is None:
        pytest.skip("needs the emulator's control API")
    return control  # type: ignore[no-any-return]


# -- scales ---------------------------------------------------------------------------------------------


def scale_targets(targets: list[Target]) -> list[Target]:
    """The targets that are scales (family kind ``scale``)."""
    return [t for t in targets if get_family(t.family).kind == "scale"]


@pytest.fixture
def scale(scale_url: str) -> Iterator[Scale]:
    """A connected scale facade; an emulated scale starts from its initial state."""
    from ..scale import LabelScale
    from ..scale_device import ScaleOp
    from ..scale_upload import UploadState

    device = connect(scale_url)
    try:
        control = device.emulator
        if control is not None:
            control.reset()
        if not isinstance(device, ScaleDevice):
            pytest.skip(f"{device.family} devices are not scales")
        facade = LabelScale(device, state=UploadState.open(None)) if device.supports(ScaleOp.PLU_WRITE) \
            else Scale(device)
        yield facade
    finally:
        device.close()


class ScaleEmulator:
    """The control ops of an emulated scale, in-process: ``op(name, **fields)`` returns the reply's fields and
    raises ``ValueError`` for a refused op, as the control port would answer."""

    def __init__(self, control: Any) -> None:
        self.control = control

    def op(self, name: str, **request: Any) -> dict[str, Any]:
        with self.control.device.lock:
            reply = self.control.personality.control(name, request)
        if reply is None:
            raise ValueError(f"unknown op {name!r}")
        return dict(reply)

    def set_fault(self, name: str, value: float | int | bool | str = 1) -> None:
        self.control.set_fault(name, value)


@pytest.fixture
def scale_emulator(scale: Scale) -> ScaleEmulator:
    """Control ops of the emulated scale behind ``scale``; skips on a real device."""
    control: Any = scale.device.emulator
    if control is None:
        pytest.skip("needs the emulator's control API")
    return ScaleEmulator(control)

