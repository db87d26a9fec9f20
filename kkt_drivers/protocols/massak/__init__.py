"""Massa-K «Протокол 100»: binary frames ``F8 55 CE LEN CMD DATA CRC`` for simple weighing.

* :mod:`.framer` — the CRC, :func:`.framer.encode` and the feed-style :class:`.framer.MassaKFramer`;
* :mod:`.commands` — command codes, typed requests and replies (both directions);
* :mod:`.error_table` — the error byte of ``CMD_ERROR`` (0x28) as data;
* :mod:`.link` — host side, sans-I/O (:class:`.link.MassaKLink`);
* :mod:`.device` — device side for an emulator: accepts a request whose CRC is wrong and says so.

Facts and their sources: protocol-notes/scales/README.md.
"""
