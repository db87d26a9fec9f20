"""What both command lines (``kkt`` and ``kkt-emu``) share: exit codes, the language of messages, errors
printed as text or JSON — never a traceback — and a quiet exit on a closed pipe (``kkt … | head``).

Exit codes:

====  =========================================================================================
0     done
2     invalid input: a bad argument, file, value or URL; an operation the device family lacks
3     the device refused (its error code is printed)
4     no connection, or the device did not answer; nothing was done (safe to try again)
5     the outcome is unknown: the command may have been executed — settle before repeating
6     the device is busy with another process
130   interrupted (Ctrl-C); what is known of the document is printed
141   the output pipe closed
70    an internal error (a bug: please report it with ``KKT_DEBUG=1``'s traceback)
====  =========================================================================================
"""

from __future__ import annotations

import json
import os
import sys
import traceback
from collections.abc import Callable
from typing import Any, TextIO

from .errors import (
    ConfigurationError,
    DeviceError,
    InvalidParameter,
    KktError,
    NotExecuted,
    NotSupported,
    Timeout,
    TransportError,
    UnknownOutcome,
)
from .hostlock import DeviceBusy

OK, INVALID, REFUSED, CONNECTION, UNKNOWN, BUSY, INTERNAL, INTERRUPTED, PIPE = 0, 2, 3, 4, 5, 6, 70, 130, 141


def language(explicit: str | None = None) -> str:
    """``ru`` or ``en``: the ``--lang`` option, else what the locale asks for (LC_ALL, LC_MESSAGES, LANG)."""
    if explicit in ("ru", "en"):
        return explicit
    for name in ("LC_ALL", "LC_MESSAGES", "LANG", "LANGUAGE"):
        value = os.environ.get(name, "")
        if value:
            return "ru" if value.lower().startswith("ru") else "en"
    return "en"


def exit_code(exc: BaseException) -> int:
    if isinstance(exc, KeyboardInterrupt):
        return INTERRUPTED
    if isinstance(exc, DeviceError):
        return REFUSED
    if isinstance(exc, UnknownOutcome) or (isinstance(exc, Timeout) and exc.maybe_executed):
        return UNKNOWN
    if isinstance(exc, DeviceBusy):
        return BUSY
    if isinstance(exc, (ConfigurationError, InvalidParameter, NotSupported, ValueError)):
        return INVALID
    if isinstance(exc, (TransportError, Timeout, NotExecuted, KktError, OSError)):
        return CONNECTION
    return INTERNAL


def describe(exc: BaseException, lang: str) -> str:
    if isinstance(exc, DeviceError) and lang == "ru":  # the vendor's text with the code, as in English
        where = f" на команде {exc.command}" if exc.command else ""
        return f"ошибка {exc.family} 0x{exc.code:02X}{where}: {exc.message_ru}"
    if isinstance(exc, KktError):
        return exc.message_ru if lang == "ru" else str(exc)
    if isinstance(exc, OSError):
        return f"{exc.strerror or exc}" + (f": {exc.filename}" if exc.filename else "")
    return f"{type(exc).__name__}: {exc}"


def error_json(exc: BaseException, code: int) -> dict[str, Any]:
    body: dict[str, Any] = {"type": type(exc).__name__, "exit_code": code, "message": describe(exc, "en"),
                            "message_ru": describe(exc, "ru")}
    for attribute in ("field", "code", "family", "last_before", "holder"):
        value = getattr(exc, attribute, None)
        if value not in (None, ""):
            body[attribute] = value
    return {"error": body}


def report(prog: str, exc: BaseException, *, as_json: bool, lang: str, stream: TextIO | None = None,
           extra: dict[str, Any] | None = None, hint: str | None = None) -> int:
    """Print ``exc`` as the user wants it and return its exit code; never raises, never a traceback
    (unless ``KKT_DEBUG`` is set)."""
    code = exit_code(exc)
    if code == INTERNAL and os.environ.get("KKT_DEBUG"):
        traceback.print_exception(exc, file=sys.stderr)
    if as_json:
        body = error_json(exc, code)
        body["error"].update(extra or {})
        if hint:
            body["error"]["hint"] = hint
        safe_print(json.dumps(body, ensure_ascii=False, default=str), stream=stream or sys.stdout)
        return code
    prefix = {INTERNAL: "internal error (please report it)" if lang == "en" else "внутренняя ошибка (сообщите о ней)",
              INTERRUPTED: "interrupted" if lang == "en" else "прервано"}.get(code)
    text = describe(exc, lang) if code != INTERRUPTED else ""
    line = f"{prog}: " + ": ".join(part for part in (prefix, text) if part)
    safe_print(line, stream=stream or sys.stderr)
    if hint:
        safe_print(f"{prog}: {hint}", stream=stream or sys.stderr)
    return code


def safe_print(text: str, *, stream: TextIO | None = None) -> None:
    """Print; a closed pipe is not an error (see :func:`run`)."""
    target = stream or sys.stdout
    target.write(text + "\n")
    target.flush()


def run(main: Callable[[], int]) -> int:
    """Run a CLI body: a closed output pipe ends it quietly (exit 141) instead of a traceback."""
    try:
        return main()
    except BrokenPipeError:
        try:
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())
        except OSError:
            pass
        return PIPE
