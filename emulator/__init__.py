"""kkt_emu: the software emulator of fiscal registers (installed from the emulator/ folder)."""
