"""Every error this package raises speaks Russian: each ``raise SomeKktError(...)`` under kkt_drivers/ gives
its own Russian text (``message_ru=``, or the positional ``message_ru`` of classes such as InvalidReceipt and
DeviceError), so ``err.message_ru`` is a Russian sentence with the same facts, not the class title glued to
the English text.

The check reads the source with ``ast``; it fails when someone adds a raise without Russian. Classes whose
``__init__`` takes no ``message_ru`` are not checked here: their own ``__init__`` builds the texts (NotSupported
and UnknownOutcome in both languages; some, such as FnDataError and JsonFrameError, still in English only).
A raise that cannot have Russian yet would be counted in ALLOWED, per file and class, with the reason; the
count must match exactly, so translating one means lowering its number there.
"""

from __future__ import annotations

import ast
import importlib
import inspect
import pkgutil
from collections import Counter
from pathlib import Path

import kkt_drivers
from kkt_drivers.errors import KktError

PACKAGE = Path(kkt_drivers.__file__).parent

#: (file under kkt_drivers/, error class) -> (how many raises there still have no Russian, why); empty: every
#: raise has its Russian text. An entry is for a raise that truly cannot have one yet, e.g.
#: ("ffd/tlv.py", "TruncatedError"): (1, "the text is built by a caller we do not control")
ALLOWED: dict[tuple[str, str], tuple[int, str]] = {}


def _subclasses(cls: type) -> list[type]:
    found = []
    for sub in cls.__subclasses__():
        found += [sub, *_subclasses(sub)]
    return found


def _russian_position() -> dict[str, int | None]:
    """Each KktError subclass's name -> the positional index of its ``message_ru`` parameter (``None`` when
    it is keyword-only); classes whose ``__init__`` takes no message_ru are left out."""
    for module in pkgutil.walk_packages(kkt_drivers.__path__, "kkt_drivers."):
        importlib.import_module(module.name)
    positions: dict[str, int | None] = {}
    for cls in [KktError, *_subclasses(KktError)]:
        if not cls.__module__.startswith("kkt_drivers"):
            continue
        params = list(inspect.signature(cls.__init__).parameters.values())[1:]  # without self
        names = [p.name for p in params]
        if "message_ru" not in names:
            continue
        param = params[names.index("message_ru")]
        index = names.index("message_ru") if param.kind is inspect.Parameter.POSITIONAL_OR_KEYWORD else None
        assert positions.get(cls.__name__, index) == index, f"two error classes named {cls.__name__}"
        positions[cls.__name__] = index
    return positions


def _raises_without_russian(positions: dict[str, int | None], root: Path = PACKAGE) -> list[tuple[str, int, str]]:
    missing = []
    for path in sorted(root.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not (isinstance(node, ast.Raise) and isinstance(node.exc, ast.Call)):
                continue
            func = node.exc.func
            name = func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else ""
            if name not in positions:
                continue
            index = positions[name]
            if any(keyword.arg == "message_ru" for keyword in node.exc.keywords):
                continue
            if index is not None and (len(node.exc.args) > index
                                      # a starred pair, as in InvalidReceipt(field, *problem): (English, Russian)
                                      or any(isinstance(arg, ast.Starred) for arg in node.exc.args)):
                continue
            missing.append((path.relative_to(root).as_posix(), node.lineno, name))
    return missing


def test_every_raise_has_russian() -> None:
    missing = _raises_without_russian(_russian_position())
    counts = Counter((file, name) for file, _, name in missing)
    unexpected = [f"kkt_drivers/{file}:{line}: raise {name}(...) without message_ru"
                  for file, line, name in missing if counts[file, name] > ALLOWED.get((file, name), (0, ""))[0]]
    assert not unexpected, "give these raises a Russian message_ru=:\n" + "\n".join(unexpected)
    stale = [f"{key}: ALLOWED says {allowed}, now {counts[key]}" for key, (allowed, _) in ALLOWED.items()
             if counts[key] != allowed]
    assert not stale, "lower (or drop) these ALLOWED counts:\n" + "\n".join(stale)


def test_the_check_sees_a_raise_without_russian(tmp_path: Path) -> None:
    """The scan itself: a raise without Russian is found, one with it (keyword or positional) is not."""
    positions = _russian_position()
    assert positions["InvalidParameter"] is None and positions["InvalidReceipt"] == 2
    (tmp_path / "sample.py").write_text(
        "raise InvalidParameter('x')\nraise InvalidParameter('x', message_ru='х')\n"
        "raise InvalidReceipt('f', 'x', 'х')\nraise InvalidReceipt('f', 'x')\nraise errors.ProtocolError('x')\n"
        "raise ValueError('x')\n", encoding="utf-8")
    assert _raises_without_russian(positions, tmp_path) == [
        ("sample.py", 1, "InvalidParameter"), ("sample.py", 4, "InvalidReceipt"), ("sample.py", 5, "ProtocolError")]


def test_fn_frame_and_msk_command_errors_build_their_russian_text() -> None:
    """The errors whose own ``__init__`` builds the message say it in Russian too, with the same numbers."""
    from kkt_drivers.protocols.fn.frame import (
        FrameCrcError,
        FrameStartError,
        FrameTooLongError,
        FrameTooShortError,
        FrameTruncatedError,
        TrailingBytesError,
    )
    from kkt_drivers.protocols.incotex.msk_commands import UnknownCommand

    errors: list[tuple[KktError, str]] = [
        (FrameCrcError(0x1234, 0xABCD, 1), "1234"), (FrameTooLongError(900, 512), "900"),
        (FrameTooShortError(), "LEN"), (FrameTruncatedError(3, 7), "3 из 7"), (FrameStartError(0x05), "05"),
        (FrameStartError(None), "нет данных"), (TrailingBytesError(2), "2"), (UnknownCommand(0x7A), "0x7a"),
    ]
    for err, fact in errors:
        assert not err.message_ru.startswith(type(err).ru_title), err.message_ru
        assert fact in err.message_ru and any("а" <= ch <= "я" for ch in err.message_ru.lower()), err.message_ru
