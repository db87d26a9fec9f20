"""Typed view of a decoded fiscal document (фискальный документ): fields with their tag-table entries."""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

from .doctypes import DocumentType
from .enums import FfdVersion
from .tags import TagInfo, info_for
from .tlv import Tlv
from .values import Scalar

#: Python value of a field: a scalar, or the child fields of an STLV.
FieldValue = Scalar | tuple["Field", ...]


class Field(NamedTuple):
    """One requisite of a document: its tag-table entry and its Python value.

    A pair, so ``for info, value in doc.fields`` works. For an STLV the value is a tuple of
    child :class:`Field` objects.
    """

    info: TagInfo
    value: FieldValue

    @property
    def tag(self) -> int:
        """The tag number."""
        return self.info.tag

    @property
    def children(self) -> tuple[Field, ...]:
        """Child fields of an STLV (empty for a scalar)."""
        return self.value if isinstance(self.value, tuple) else ()

    def get(self, tag: int) -> FieldValue | None:
        """Value of the first child with ``tag`` (STLV only), or ``None``."""
        return next((child.value for child in self.children if child.tag == tag), None)

    @classmethod
    def from_tlv(cls, tlv: Tlv) -> Field:
        """Attach tag-table entries to a decoded TLV tree."""
        value = tlv.value
        if isinstance(value, tuple):
            return cls(info_for(tlv.tag), tuple(cls.from_tlv(child) for child in value))
        return cls(info_for(tlv.tag), value)

    def to_tlv(self) -> Tlv:
        """Back to a plain TLV tree, e.g. for encoding."""
        if isinstance(self.value, tuple):
            return Tlv(self.tag, tuple(child.to_tlv() for child in self.value))
        return Tlv(self.tag, self.value)


@dataclass(frozen=True, slots=True)
class FiscalDocument:
    """A fiscal document: its type and its top-level fields in wire order."""

    document_type: DocumentType
    fields: tuple[Field, ...]

    @property
    def ffd_version(self) -> FfdVersion | None:
        """FFD version from tag 1209, or ``None`` when absent (FFD 1.0) or not a known code."""
        value = self.get(1209)
        if isinstance(value, int):
            try:
                return FfdVersion(value)
            except ValueError:
                return None
        return None

    @property
    def items(self) -> tuple[tuple[Field, ...], ...]:
        """Children of every 1059 «предмет расчета», in order."""
        return tuple(f.children for f in self.fields if f.tag == 1059)

    @property
    def tags(self) -> frozenset[int]:
        """Tags present at the top level."""
        return frozenset(f.tag for f in self.fields)

    def get(self, tag: int) -> FieldValue | None:
        """Value of the first top-level field with ``tag``, or ``None``."""
        return next((f.value for f in self.fields if f.tag == tag), None)

    def get_all(self, tag: int) -> list[FieldValue]:
        """Values of every top-level field with ``tag`` (repeatable requisites such as 1101)."""
        return [f.value for f in self.fields if f.tag == tag]

    def to_tlv(self) -> Tlv:
        """The document as one STLV tree."""
        return Tlv(int(self.document_type), tuple(f.to_tlv() for f in self.fields))
