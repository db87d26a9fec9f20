"""CAS simple weighing («CAS protocol» of AP/ER/PDS/SW/PR scales and many compatible ones).

* :mod:`.frames` — the weight frame (reply to DC1), the three-block frame of price-computing scales
  (reply to DC2), their check byte, typed results and the feed-style :class:`.frames.CasFramer`;
* :mod:`.link` — host side of ``ENQ → ACK, DC1 → frame``, sans-I/O (:class:`.link.CasLink`);
* :mod:`.device` — device side for an emulator.

Facts and their sources: protocol-notes/scales/README.md.
"""
