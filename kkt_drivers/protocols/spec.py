"""CommandSpec: one declaration per command, shared by the driver and the emulator.

The base is family-neutral: a spec names the command, carries construct schemas for its parameters
and for the data part of its answer, and says whether sending it twice is harmless. What only one
family has — ATOL's answer formats, timeout classes and modes, a password in front of the data —
lives on that family's subclass in ``protocols/<family>/``. Schemas use ``this`` expressions only (no
lambdas), so they compile; each is compiled on first use and cached.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

import construct as cs

EMPTY = cs.Struct()
#: execution deadline of a command whose family declares none (seconds)
DEFAULT_EXECUTION_TIMEOUT = 10.0


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
    idempotent: bool = False
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
    # A command without parameters (or an answer without data) skips construct: nothing to build, and parsing
    # gives an empty container whatever follows (as the compiled empty ``Struct`` does).
    def build_params(self, params: dict[str, Any]) -> bytes:
        if self.request is EMPTY:
            return b""
        return _guard(self._schema("request").build, params)  # type: ignore[no-any-return]

    def parse_params(self, data: bytes) -> Any:
        if self.request is EMPTY:
            return cs.Container()
        self._check_size("request", data)
        return _guard(self._schema("request").parse, data)

    def build_data(self, fields: dict[str, Any]) -> bytes:
        if self.response is EMPTY:
            return b""
        return _guard(self._schema("response").build, fields)  # type: ignore[no-any-return]

    def parse_data(self, data: bytes) -> Any:
        if self.response is EMPTY:
            return cs.Container()
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

    def exact_request_size(self) -> int | None:
        """The request's size when every request has the same size (``None`` for variable-length ones)."""
        key = "request:exact"
        if key not in self._compiled:
            try:
                self._compiled[key] = int(self.request.sizeof())
            except cs.SizeofError:
                self._compiled[key] = None
        return self._compiled[key]  # type: ignore[no-any-return]

    @property
    def label(self) -> str:
        return f"{self.code.hex().upper()} {self.name}"

    @property
    def timeout_seconds(self) -> float:
        """How long the device may take to execute the command; families refine it."""
        return DEFAULT_EXECUTION_TIMEOUT


def fixed_size(schema: Any) -> int:
    """Bytes every parse needs: the sum of the fixed-size fields (a greedy tail counts zero)."""
    try:
        return int(schema.sizeof())
    except cs.SizeofError:
        pass
    if isinstance(schema, cs.Renamed):
        return fixed_size(schema.subcon)
    if isinstance(schema, cs.Select):  # alternatives (``Optional`` among them): the shortest one suffices
        return min((fixed_size(sub) for sub in schema.subcons), default=0)
    total = 0
    for sub in getattr(schema, "subcons", ()):
        try:
            total += int(sub.sizeof())
        except cs.SizeofError:
            total += fixed_size(sub)
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


S = TypeVar("S", bound=CommandSpec)


class CommandRegistry(Generic[S]):
    """Specs of one family keyed by command code (one or more bytes: ATOL's ``A4 30`` is its own spec)."""

    def __init__(self, family: str) -> None:
        self.family = family
        self._specs: dict[bytes, S] = {}
        self._sizes: list[int] = []

    def register(self, spec: S) -> S:
        if spec.code in self._specs:
            raise ValueError(f"{self.family}: command {spec.code.hex()} declared twice")
        self._specs[spec.code] = spec
        self._sizes = sorted({len(code) for code in self._specs}, reverse=True)
        return spec

    def lookup(self, message: bytes) -> S | None:
        """Find the spec whose code starts ``message`` (longest code first)."""
        for size in self._sizes:
            spec = self._specs.get(message[:size])
            if spec is not None:
                return spec
        return None

    def __iter__(self):  # type: ignore[no-untyped-def]
        return iter(self._specs.values())

    def __len__(self) -> int:
        return len(self._specs)
