"""The KKT↔ФН protocol (FNS specification v1.2.06): frame, CRC, commands, answer codes.

* :mod:`.frame` — the link frame (``04 LEN code DATA CRC16``), sans-I/O encoder and decoder;
* :mod:`.answer_codes` — every answer code of the text and :class:`FnError`;
* :mod:`.commands` — the command set (construct layouts) and the request/answer codec;
* :mod:`.enums`, :mod:`.results`, :mod:`.datatypes` — life phases, flags, typed answers, field types.

Notes, sources and every inferred point: protocol-notes/fn/README.md.
"""

from .answer_codes import ANSWER_CODES, FnError, fn_error
from .commands import (
    REGISTRY,
    DecodedAnswer,
    DecodedRequest,
    FnCommand,
    FnDataError,
    UnknownCommandError,
    decode_answer,
    decode_request,
    encode_answer,
    encode_error,
    encode_request,
    get_command,
)
from .enums import CurrentDocument, DocumentType, LifePhase, WarningFlags
from .frame import Enq, FnFrameError, Frame, FrameDecoder, crc16, decode_frame
from .results import (
    DocumentResult,
    FnStatus,
    FnValidity,
    FnVersion,
    OfdExchangeStatus,
    OfdTicket,
    ReceiptResult,
    RegistrationTotals,
    ShiftParameters,
    ShiftResult,
    StateReportResult,
)

__all__ = [
    "ANSWER_CODES",
    "REGISTRY",
    "CurrentDocument",
    "DecodedAnswer",
    "DecodedRequest",
    "DocumentResult",
    "DocumentType",
    "Enq",
    "FnCommand",
    "FnDataError",
    "FnError",
    "FnFrameError",
    "FnStatus",
    "FnValidity",
    "FnVersion",
    "Frame",
    "FrameDecoder",
    "LifePhase",
    "OfdExchangeStatus",
    "OfdTicket",
    "ReceiptResult",
    "RegistrationTotals",
    "ShiftParameters",
    "ShiftResult",
    "StateReportResult",
    "UnknownCommandError",
    "WarningFlags",
    "crc16",
    "decode_answer",
    "decode_frame",
    "decode_request",
    "encode_answer",
    "encode_error",
    "encode_request",
    "fn_error",
    "get_command",
]
