"""ATOL protocol 3.1 over transport v2 (ENQ/ACK/STX…ETX) and v3 (FE/FD packets, task buffer)."""
