"""The ФН command set and its codec, keyed by command code.

The declarations live in ``cmd_service`` (30h–3Fh, A7h, ABh, 60h), ``cmd_documents`` (02h–07h,
A2h/A3h, 10h–19h), ``cmd_ofd`` (20h–26h), ``cmd_archive`` (40h–47h, 50h) and ``cmd_marking`` (B0h–B7h);
importing this module registers them all in :data:`REGISTRY`.

Both sides of the link use the same four calls:

* the KKT: :func:`encode_request` → bytes on the wire; the answer frame → :func:`decode_answer`
  (a non-zero answer code raises :class:`FnError`);
* the drive (emulator): a request frame → :func:`decode_request`; then :func:`encode_answer` or
  :func:`encode_error`. A request that fits no layout raises :class:`FnDataError`, to which a drive
  answers 01h.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from . import cmd_archive, cmd_documents, cmd_marking, cmd_ofd, cmd_service  # noqa: F401  (registration)
from .answer_codes import OK, FnError
from .frame import Frame, decode_frame
from .frame import encode_answer as encode_answer_frame
from .frame import encode_request as encode_request_frame
from .registry import REGISTRY, FnCommand, FnDataError

__all__ = [
    "REGISTRY",
    "DecodedAnswer",
    "DecodedRequest",
    "FnCommand",
    "FnDataError",
    "UnknownCommandError",
    "decode_answer",
    "decode_request",
    "encode_answer",
    "encode_error",
    "encode_request",
    "get_command",
]


class UnknownCommandError(FnDataError):
    """No command with this code is declared."""

    def __init__(self, code: int) -> None:
        super().__init__(f"unknown FN command {code:02X}h")
        self.code = code


@dataclass(frozen=True, slots=True)
class DecodedRequest:
    command: FnCommand
    fields: dict[str, Any]


@dataclass(frozen=True, slots=True)
class DecodedAnswer:
    command: FnCommand
    #: the command's result dataclass, or a dict of fields
    result: Any
    #: bit 7 of ANSWER: some warning flag is set (read it with 30h)
    warning: bool = False


def get_command(cmd: int | FnCommand) -> FnCommand:
    if isinstance(cmd, FnCommand):
        return cmd
    command = REGISTRY.get(cmd)
    if command is None:
        raise UnknownCommandError(cmd)
    return command


def _frame(frame: Frame | bytes) -> Frame:
    return frame if isinstance(frame, Frame) else decode_frame(frame)


def encode_request(cmd: int | FnCommand, fields: Mapping[str, Any] | None = None) -> bytes:
    """The complete KKT→ФН frame for ``cmd`` with its parameters."""
    command = get_command(cmd)
    return encode_request_frame(command.code, command.build_request(fields))


def decode_request(frame: Frame | bytes) -> DecodedRequest:
    """Decode a request frame (or raw frame bytes) into its command and fields."""
    frame = _frame(frame)
    command = get_command(frame.code)
    return DecodedRequest(command, command.parse_request(frame.data))


def encode_answer(cmd: int | FnCommand, result: Any = None, *, warning: bool = False) -> bytes:
    """The complete ФН→KKT frame of a successful answer (code 00h)."""
    command = get_command(cmd)
    return encode_answer_frame(OK, command.build_answer(result), warning=warning)


def encode_error(code: int, detail: bytes = b"", *, warning: bool = False) -> bytes:
    """The complete ФН→KKT frame of a refusal with answer ``code`` and optional detail bytes."""
    if code == OK:
        raise ValueError("use encode_answer for answer code 00h")
    return encode_answer_frame(code, detail, warning=warning)


def decode_answer(cmd: int | FnCommand, frame: Frame | bytes) -> DecodedAnswer:
    """Decode the drive's answer to ``cmd``; a non-zero answer code raises :class:`FnError`."""
    command = get_command(cmd)
    frame = _frame(frame)
    if frame.answer_code != OK:
        raise FnError(frame.answer_code, frame.data, command=command.label, warning=frame.warning)
    return DecodedAnswer(command, command.parse_answer(frame.data), frame.warning)
