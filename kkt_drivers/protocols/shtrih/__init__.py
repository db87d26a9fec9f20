"""Shtrih-M («Штрих-М») protocol, standard lower level: STX LEN <command> <data> LRC behind an ENQ handshake.

Layout (see protocol-notes/shtrih/README.md): :mod:`.framer` (bytes ↔ frames), :mod:`.link` (host side of
the ENQ-first exchange), :mod:`.device_link` (device side, for the emulator), :mod:`.spec` and
:mod:`.commands` (one declaration per command), :mod:`.errors` (device and ФН error tables).
"""
