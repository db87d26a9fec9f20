"""Штрих-Принт label scales: the exchange protocol of the vendor (UDP on Ethernet, RS-232).

* :mod:`.framer` — ``STX|STE LEN CMD PARAMS [LRC]``: datagram codec for Ethernet, feed-style decoder
  for RS-232;
* :mod:`.plu` — the PLU record of commands 55h/57h/58h with its field limits as data;
* :mod:`.commands` — request builders and typed reply parsers (status, mode, PLU upload, delete,
  clear, read back, weight, device type);
* :mod:`.error_table` — the error byte of a reply, as data.

Facts and their sources: protocol-notes/scales/README.md.
"""
