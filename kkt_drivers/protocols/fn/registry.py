"""Command declarations for the ФН protocol and the registry that holds them.

A command has one or more request layouts and one or more answer layouts (construct Structs
that must consume the whole DATA). Several ФН commands have variants that differ only by length
(02h with or without its parameter, 43h's four answer tables...): decoding takes the first layout
that parses the bytes exactly; encoding takes the first layout that has a field for every value
given (``None`` counts as absent) and builds.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from operator import attrgetter
from typing import Any

import construct as cs

from ...errors import ProtocolError
from .datatypes import as_mapping, plain
from .enums import GROUP_PHASES, CommandGroup, LifePhase


class FnDataError(ProtocolError):
    """The DATA of a ФН request or answer does not match any layout of its command."""

    def __init__(self, message: str, *, command: str = "") -> None:
        super().__init__(f"{command}: {message}" if command else message)
        self.command = command


def layout(*subcons: cs.Construct) -> cs.Struct:
    """A Struct that must consume all of the DATA."""
    return cs.Struct(*subcons, cs.Terminated)


EMPTY = layout()


def field_names(struct: cs.Construct) -> frozenset[str]:
    return frozenset(sc.name for sc in getattr(struct, "subcons", ()) if sc.name)


@dataclass(frozen=True, eq=False, repr=False)
class FnCommand:
    """One ФН command as declared in the v1.2.06 text."""

    code: int
    name: str
    title_ru: str
    title_en: str
    group: CommandGroup
    #: where the command is described, e.g. "§4.1.1, Table 7"
    section: str
    request: tuple[cs.Construct, ...] = (EMPTY,)
    answer: tuple[cs.Construct, ...] = (EMPTY,)
    #: dataclass built from the answer fields (None: answers decode to a dict)
    result: type | None = None
    #: life phases that accept the command; defaults to the group's row of Table 6
    phases: frozenset[LifePhase] | None = None
    #: for "begin document" commands: the most TLV data 07h may add to the document (bytes)
    tlv_limit: int | None = None
    note: str = ""
    _names: dict[str, tuple[frozenset[str], ...]] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        self._names["request"] = tuple(field_names(s) for s in self.request)
        self._names["answer"] = tuple(field_names(s) for s in self.answer)

    def __repr__(self) -> str:
        return f"<FnCommand {self.label}>"

    @property
    def label(self) -> str:
        return f"{self.code:02X}h {self.name}"

    @property
    def allowed_phases(self) -> frozenset[LifePhase]:
        return self.phases if self.phases is not None else GROUP_PHASES[self.group]

    def allowed_in(self, phase: LifePhase | int) -> bool:
        return phase in self.allowed_phases

    # -- codec ---------------------------------------------------------------------------------

    def _build(self, which: str, layouts: tuple[cs.Construct, ...], values: Mapping[str, Any]) -> bytes:
        given = {k for k, v in values.items() if v is not None}
        last: Exception | None = None
        for struct, names in zip(layouts, self._names[which], strict=True):
            if not given <= names:
                continue
            try:
                data: bytes = struct.build(dict(values))
                return data
            except (cs.ConstructError, KeyError, TypeError, ValueError, OverflowError) as exc:
                last = exc
        unknown = given - frozenset().union(*self._names[which])
        reason = f"unknown fields {sorted(unknown)}" if unknown else str(last or "no layout fits")
        raise ValueError(f"{self.label}: cannot build the {which}: {reason}")

    def _parse(self, which: str, layouts: tuple[cs.Construct, ...], data: bytes) -> dict[str, Any]:
        errors: list[str] = []
        for struct in layouts:
            try:
                parsed: dict[str, Any] = plain(struct.parse(data))
                return parsed
            except cs.ConstructError as exc:
                errors.append(str(exc).replace("\n", " "))
        raise FnDataError(f"{which} {bytes(data).hex(' ')} fits no layout ({'; '.join(errors)})",
                          command=self.label)

    def build_request(self, fields: Mapping[str, Any] | None = None) -> bytes:
        """The request DATA for ``fields`` (raises ``ValueError``)."""
        return self._build("request", self.request, as_mapping(fields))

    def parse_request(self, data: bytes) -> dict[str, Any]:
        """The fields of a request DATA (raises :class:`FnDataError`)."""
        return self._parse("request", self.request, data)

    def build_answer(self, result: Any = None) -> bytes:
        """The DATA of a successful answer, from a result dataclass or a mapping."""
        return self._build("answer", self.answer, as_mapping(result))

    def parse_answer(self, data: bytes) -> Any:
        """A successful answer's DATA as the command's result dataclass (or a dict)."""
        values = self._parse("answer", self.answer, data)
        if self.result is None:
            return values
        return self.result(**values)


class CommandTable:
    """ФН commands keyed by code."""

    def __init__(self) -> None:
        self._by_code: dict[int, FnCommand] = {}

    def register(self, command: FnCommand) -> FnCommand:
        if command.code in self._by_code:
            raise ValueError(f"FN command {command.code:02X}h declared twice")
        self._by_code[command.code] = command
        return command

    def get(self, code: int) -> FnCommand | None:
        return self._by_code.get(code)

    def __getitem__(self, code: int) -> FnCommand:
        return self._by_code[code]

    def __contains__(self, code: object) -> bool:
        return code in self._by_code

    def __iter__(self) -> Iterator[FnCommand]:
        return iter(sorted(self._by_code.values(), key=attrgetter("code")))

    def __len__(self) -> int:
        return len(self._by_code)


REGISTRY = CommandTable()
