"""The device side of one Shtrih-M connection: the protocol layer's device link, with the family's link fault."""

from __future__ import annotations

from kkt_drivers.protocols.shtrih.device_link import DeviceTimeouts, Executor, ShtrihDeviceLink

from ...core.faults import FaultPlan


class ShtrihEmulatorLink(ShtrihDeviceLink):
    """:class:`~kkt_drivers.protocols.shtrih.device_link.ShtrihDeviceLink` plus ``arm_faults``: the ``nak`` fault
    refuses the next N good frames with NAK (an interface error; they are not executed)."""

    def __init__(self, execute: Executor, timeouts: DeviceTimeouts | None = None) -> None:
        super().__init__(execute, timeouts)

    def arm_faults(self, plan: FaultPlan) -> None:
        self.nak_next += int(plan.take_link("nak"))
