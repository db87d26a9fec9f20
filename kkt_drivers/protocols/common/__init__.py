"""Domain adapters shared by every family: BCD, money, code pages, CRCs."""
