"""CommandSpec: one declaration per command, shared by the driver and the emulator.

A spec names the command, carries construct schemas for its parameters and for the data part
of its answer, the timeout class, whether sending it twice is harmless, and the modes where the
device accepts it. Schemas use ``this`` expressions only (no lambdas), so they compile; each is
compiled on first use and cached.
"""

from __future__ import annotations

import enum
import struct
from dataclasses import dataclass, field
from typing import Any

import construct as cs


class TimeoutClass(float, enum.Enum):
    """How long a command may run on the device (ATOL T5, seconds; published per command)."""

    QUICK = 10.0
    CLOSE_DOCUMENT = 20.0
    REPORT = 40.0
    REGISTER_READ = 45.0
    POSITION = 50.0
    LONG_PRINT = 120.0


class AnswerFormat(enum.Enum):
    """How the first bytes of an answer are laid out (ATOL protocol 3.1)."""

    #: ``55 <error> <data…>``; for commands without data the device adds an extended-code byte
    CODE_ERROR = "55 err"
    #: ``<code> <data…>`` on success, ``55 <error> <ext>`` on failure (``3F`` answers ``44``)
    CODE_OR_ERROR = "code|55 err"
    #: ``55 <data…>`` with no error byte (``45``: byte 1 is the mode)
    CODE_ONLY = "55"
    #: ``<error> <data…>`` (``A5``)
    ERROR_FIRST = "err"


EMPTY = cs.Struct()


@dataclass(frozen=True, eq=False)
class CommandSpec:
    """One command of a family."""

    family: str
    code: bytes
    name: str
    doc_ru: str
    doc_en: str
    request: cs.Construct = EMPTY
    response: cs.Construct = EMPTY
    answer: AnswerFormat = AnswerFormat.CODE_ERROR
    answer_code: int = 0x55
    timeout: TimeoutClass = TimeoutClass.QUICK
    idempotent: bool = False
    #: modes (low nibble of the mode byte) where the device accepts the command; None = any
    modes: frozenset[int] | None = None
    _compiled: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    def _schema(self, which: str) -> Any:
        schema = self._compiled.get(which)
        if schema is None:
            source = self.request if which == "request" else self.response
            try:
                schema = source.compile()
            except Exception:  # constructs that cannot compile run interpreted
                schema = source
            self._compiled[which] = schema
        return schema

    # Compiled construct code raises plain ``struct.error`` on short input and build raises a bare
    # ``KeyError`` for a missing field; every failure leaves these methods as a construct error.
    def build_params(self, params: dict[str, Any]) -> bytes:
        return _guard(self._schema("request").build, params)  # type: ignore[no-any-return]

    def parse_params(self, data: bytes) -> Any:
        self._check_size("request", data)
        return _guard(self._schema("request").parse, data)

    def build_data(self, fields: dict[str, Any]) -> bytes:
        return _guard(self._schema("response").build, fields)  # type: ignore[no-any-return]

    def parse_data(self, data: bytes) -> Any:
        self._check_size("response", data)
        return _guard(self._schema("response").parse, data)

    def _check_size(self, which: str, data: bytes) -> None:
        """Compiled ``Bytes``/``PaddedString`` read short input without complaint: refuse it here."""
        key = which + ":min"
        minimum = self._compiled.get(key)
        if minimum is None:
            minimum = self._compiled[key] = fixed_size(self.request if which == "request" else self.response)
        if len(data) < minimum:
            raise cs.StreamError(f"{self.label}: {which} needs at least {minimum} bytes, got {len(data)}")

    @property
    def label(self) -> str:
        return f"{self.code.hex().upper()} {self.name}"


def fixed_size(schema: Any) -> int:
    """Bytes every parse needs: the sum of the fixed-size fields (a greedy tail counts zero)."""
    try:
        return int(schema.sizeof())
    except cs.SizeofError:
        pass
    total = 0
    for sub in getattr(schema, "subcons", ()):
        try:
            total += int(sub.sizeof())
        except cs.SizeofError:
            total += fixed_size(sub) if getattr(sub, "subcons", None) else 0
    return total


def _guard(call: Any, arg: Any) -> Any:
    try:
        return call(arg)
    except cs.ConstructError:
        raise
    except struct.error as exc:
        raise cs.StreamError(f"too short: {exc}") from exc
    except (KeyError, TypeError, ValueError, UnicodeError, OverflowError, IndexError) as exc:
        raise cs.ConstructError(f"{type(exc).__name__}: {exc}") from exc


class CommandRegistry:
    """Specs of one family keyed by command code (one or two bytes: ``A4 30`` is its own spec)."""

    def __init__(self, family: str) -> None:
        self.family = family
        self._specs: dict[bytes, CommandSpec] = {}

    def register(self, spec: CommandSpec) -> CommandSpec:
        if spec.code in self._specs:
            raise ValueError(f"{self.family}: command {spec.code.hex()} declared twice")
        self._specs[spec.code] = spec
        return spec

    def lookup(self, message: bytes) -> CommandSpec | None:
        """Find the spec whose code starts ``message`` (longest code first)."""
        return self._specs.get(message[:2]) or self._specs.get(message[:1])

    def __iter__(self):  # type: ignore[no-untyped-def]
        return iter(self._specs.values())

    def __len__(self) -> int:
        return len(self._specs)
