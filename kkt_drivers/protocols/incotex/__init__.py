"""Incotex «Меркурий» protocols.

* ``msk_*`` — the legacy fiscal-register wire protocol of «Меркурий MS-K» (STX, one-letter command,
  ASCII password, NUL-terminated ASCII fields, two hex digits of additive checksum, ETX);
* ``json_*`` — the JSON protocol of Incotex's local driver service (INECRMAN), which modern online
  Mercury registers (115Ф/130Ф/180Ф/185Ф, 119Ф) are driven through.

Everything here is sans-I/O. See protocol-notes/incotex/README.md for sources and confidence.
"""
