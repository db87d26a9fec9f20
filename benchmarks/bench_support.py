"""Shared set-up for the benchmarks: an emulated ATOL reachable over a chosen attachment."""

from __future__ import annotations

from contextlib import ExitStack

from kkt_emu.attach.pty import PtyAttachment
from kkt_emu.attach.tcp import TcpAttachment
from kkt_emu.personalities import create_device


def emulator_url(stack: ExitStack, attachment: str, generation: str) -> str:
    """Start a fresh emulated ATOL over ``attachment`` (stopped when ``stack`` closes) and return its URL."""
    if attachment == "inprocess":
        return f"emu://atol?transport={generation}"
    if attachment == "pty":
        pty = PtyAttachment(create_device("atol"), generation).start()
        stack.callback(pty.stop)
        return f"atol://{pty.path}?transport={generation}"
    if attachment == "tcp":
        server = TcpAttachment(create_device("atol"), generation).start()
        stack.callback(server.stop)
        return f"atol+tcp://{server.host}:{server.port}?transport={generation}"
    raise ValueError(attachment)
