"""CAS LP 1.5/1.6 label scales: the PC exchange of the LP 1.6 firmware (serial 9600 8N1, or TCP port 1001
through the scale's serial-to-Ethernet converter).

* :mod:`.commands` — command codes with their request and reply sizes, the 83-byte PLU record (write), the
  100-byte record (read back), the 15-byte status, as typed codecs;
* :mod:`.link` — host side, sans-I/O (:class:`.link.CasLpLink`): the logical-number handshake, one command,
  its reply and the ready byte;
* :mod:`.device` — device side for an emulator.

There is no frame, length or checksum: the command byte fixes how many bytes follow. Facts, their sources
and what we inferred: protocol-notes/scales/caslp.md.
"""
