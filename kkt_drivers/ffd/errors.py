"""Typed errors of the ФФД (fiscal data format) codec.

Two families, so a caller can tell "my data is wrong" from "the bytes I was given are wrong":

* :class:`FfdEncodeError` — a Python value cannot become a requisite (negative sum, number too big
  for its field, text outside CP866, value longer than the tag allows, tag unknown to the FFD
  version);
* :class:`FfdDecodeError` — bytes are not a well-formed TLV stream (cut short, wrong length for the
  value type, nested too deep).

Both also derive from :class:`ValueError`, and everything derives from
:class:`kkt_drivers.errors.KktError`.
"""

from __future__ import annotations

from ..errors import KktError


class FfdError(KktError):
    """Base of every error raised by :mod:`kkt_drivers.ffd`."""


class FfdEncodeError(FfdError, ValueError):
    """A Python value cannot be encoded as the requested requisite."""


class ValueTypeMismatch(FfdEncodeError):
    """The Python type does not fit the FFD value type (e.g. ``str`` given for a VLN sum)."""


class ValueRangeError(FfdEncodeError):
    """A number is negative, too large for its width, or has too many decimal places."""


class TextEncodingError(FfdEncodeError):
    """Text holds a character that CP866 (the FFD string code page) cannot represent."""


class LengthLimitError(FfdEncodeError):
    """An encoded value is longer than the tag's maximum, or not of the tag's fixed length."""


class TagVersionError(FfdEncodeError):
    """The tag is not part of the requested FFD version (e.g. 1101 in FFD 1.2)."""


class FfdDecodeError(FfdError, ValueError):
    """Bytes are not a well-formed FFD TLV stream."""


class TruncatedError(FfdDecodeError):
    """A TLV header or value runs past the end of the data."""


class MalformedValueError(FfdDecodeError):
    """A value's bytes do not fit its type (a UINT32 of 3 bytes, an empty VLN, a 9-digit FVLN scale)."""


class NestingTooDeep(FfdDecodeError):
    """STLV nesting exceeds the decoder's depth limit."""


class UnknownDocumentType(FfdDecodeError):
    """The outer STLV tag is not a known fiscal document type code."""


class QrCodeError(FfdError, ValueError):
    """A receipt QR string (tag 1196) is malformed or holds an invalid field."""
