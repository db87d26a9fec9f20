"""Child process of the crash-consistency test: forms documents in a loop until it is killed.

Usage: python fiscal_crash_writer.py ARCHIVE_PATH FULL|NORMAL
Prints "ready" once the drive is open and registered, "formed" once its first document of this run
is committed, then writes forever without printing.
"""

from __future__ import annotations

import sys

from fiscal_testkit import correction, receipt, registration
from kkt_emu.core.clock import DeviceClock
from kkt_emu.core.fiscal import FiscalCore, FnConfig

from kkt_drivers.protocols.fn.enums import LifePhase


def main() -> None:
    path, sync = sys.argv[1], sys.argv[2]
    fn = FiscalCore(DeviceClock(), FnConfig(ofd_delay=0.0), archive_path=path,
                    synchronous="NORMAL" if sync == "NORMAL" else "FULL")
    if fn.status().phase is LifePhase.READY_FOR_FISCAL:
        fn.register(registration(), "Иванов И.И.")
    print("ready", flush=True)
    step = 0
    while True:
        shift = fn.shift()
        if not shift.open:
            fn.open_shift("Иванов И.И.")
        elif shift.receipts_count >= 25:
            fn.close_shift("Иванов И.И.")
        elif step % 7 == 3:
            fn.correction(correction())
        else:
            fn.receipt(receipt(1 + step % 4, (10000, 2500)))
        if step == 0:
            print("formed", flush=True)
        step += 1


if __name__ == "__main__":
    main()
