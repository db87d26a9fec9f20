"""What an emulated ATOL register remembers (the device state, not a connection's)."""

from __future__ import annotations

from dataclasses import dataclass

from .profile import AtolProfile


@dataclass
class AtolState:
    profile: AtolProfile
    mode: int = 0
    sub_mode: int = 0
    operator: int = 0  # table-3 row of the operator who entered the current mode
    hall_number: int = 1
    fiscalised: bool = False
    fn_active: bool = False
    shift_open: bool = False
    shift_number: int = 0  # last closed shift
    receipt_number: int = 1
    receipt_state: int = 0
    receipt_sum: int = 0
    paper_present: bool = True
    cover_open: bool = False
    drawer_open: bool = False

    @property
    def mode_byte(self) -> int:
        return (self.sub_mode << 4) | self.mode
