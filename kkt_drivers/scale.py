"""The scale facade: one API for every scale family, as :class:`~kkt_drivers.kkt.Kkt` is for registers.

::

    from kkt_drivers.scale import LabelScale, Scale

    with Scale.open("emu://massak") as scale:              # or massak:///dev/ttyUSB0, cas+tcp://10.0.0.7:4001
        weight = scale.wait_stable(timeout=5)              # Weight(value=Decimal('1.234'), unit='kg', stable=True…)

    with LabelScale.open("caslp+tcp://10.0.0.9") as scale:  # a label scale with a goods (PLU) memory
        result = scale.upload(goods, progress=print)       # first time: every record; later: the changed ones
        scale.reload(goods)                                # clear the scale, then send everything

Orchestration lives here, once for every family: waiting for a stable weight, taring with a weight the scale
measured, validating a whole upload before a byte is sent, remembering per scale what it holds
(:mod:`kkt_drivers.scale_upload`), clearing a scale that has no "clear" command record by record. A family's
driver implements the small protocol of :mod:`kkt_drivers.scale_device`.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any, ClassVar, TypeVar

from .connect import connect
from .errors import ConfigurationError, KktError, Timeout
from .scale_device import Goods, LabelLimits, ScaleDevice, ScaleOp, Weight, validate_upload
from .scale_upload import UploadState, scale_key

__all__ = ["Goods", "LabelScale", "Progress", "Scale", "ScaleOverload", "UploadInterrupted", "UploadResult",
           "Weight"]

#: ``progress(done, total)`` after every record an upload, reload or clear has handled
Progress = Callable[[int, int], None]
S = TypeVar("S", bound="Scale")


class ScaleOverload(KktError):
    """The scale stayed overloaded (the load exceeds its НПВ): no weight to take."""

    ru_title = "Перегрузка весов"


class UploadInterrupted(KktError):
    """An upload stopped part-way. ``sent`` records were written and are remembered; ``goods`` is the record
    that failed (its PLU may or may not hold it now: it is sent again next time); ``__cause__`` says why."""

    ru_title = "Загрузка товаров прервана"

    def __init__(self, goods: Goods, index: int, sent: int, total: int, cause: BaseException) -> None:
        where = f"goods #{index + 1} (PLU {goods.plu}, {goods.name!r})"
        super().__init__(f"upload stopped at {where} after {sent} of {total} records: {cause}; "
                         "the next upload sends the rest",
                         message_ru=f"загрузка остановлена на товаре №{index + 1} (ПЛУ {goods.plu}, «{goods.name}»), "
                                    f"записано {sent} из {total}: {getattr(cause, 'message_ru', cause)}; следующая "
                                    "загрузка отправит остальное")
        self.goods = goods
        self.index = index
        self.sent = sent
        self.total = total


@dataclass(frozen=True)
class UploadResult:
    """What an upload did: the PLUs written, how many goods were already on the scale, the PLUs deleted."""

    sent: tuple[int, ...]
    unchanged: int
    deleted: tuple[int, ...] = ()

    @property
    def total(self) -> int:
        return len(self.sent) + self.unchanged


class Scale:
    """A scale of any family (Massa-K, CAS, CAS LP…) behind one API."""

    #: what the family must have for this facade
    needs: ClassVar[frozenset[str]] = frozenset({ScaleOp.WEIGH})

    def __init__(self, device: ScaleDevice) -> None:
        if not isinstance(device, ScaleDevice):
            family = getattr(device, "family", type(device).__name__)
            raise ConfigurationError(f"{family} devices are not scales",
                                     message_ru=f"устройства {family} не являются весами")
        missing = sorted(self.needs - device.capabilities)
        if missing:
            raise ConfigurationError(f"{device.family} scales do not support {', '.join(missing)}, which "
                                     f"{type(self).__name__} needs" + (": they keep no goods" if ScaleOp.PLU_WRITE
                                                                       in missing else ""),
                                     message_ru=f"весы {device.family} не поддерживают {', '.join(missing)}")
        self.device = device

    @classmethod
    def open(cls: type[S], url: str | None = None, **options: Any) -> S:
        """Connect to the scale behind ``url`` (see :mod:`kkt_drivers.url`; default ``$KKT_DEVICE``)."""
        if options:
            raise TypeError(f"unknown options {', '.join(sorted(options))}")
        device = connect(url)
        try:
            return cls(device)  # type: ignore[arg-type]
        except BaseException:
            device.close()
            raise

    @property
    def family(self) -> str:
        return self.device.family

    @property
    def capabilities(self) -> frozenset[str]:
        return self.device.capabilities

    def supports(self, operation: str) -> bool:
        return self.device.supports(operation)

    # -- weighing --------------------------------------------------------------------------------
    def weigh(self) -> Weight:
        """One reading, stable or not (``Weight.value`` is ``None`` while the scale is overloaded)."""
        return self.device.read_weight()

    def wait_stable(self, timeout: float = 5.0, *, hold: float = 0.2, poll: float = 0.05) -> Weight:
        """A stable weight: the scale reports it stable, and it stays stable and unchanged for ``hold``
        seconds. Raises :class:`ScaleOverload` when the scale is overloaded at the end of ``timeout``, else
        :class:`~kkt_drivers.errors.Timeout` when no weight settled in time."""
        deadline = time.monotonic() + timeout
        since: float | None = None
        held: Weight | None = None
        while True:
            weight = self.weigh()
            now = time.monotonic()
            if weight.stable and weight.value is not None:
                if held is None or held.value != weight.value or held.tare != weight.tare:
                    held, since = weight, now
                if since is not None and now - since >= hold:
                    return weight
            else:
                held = since = None
            if now >= deadline:
                if weight.overload:
                    raise ScaleOverload(f"the {self.family} scale stayed overloaded for {timeout:g} s",
                                        message_ru=f"весы {self.family} оставались перегруженными {timeout:g} с")
                raise Timeout(f"no stable weight on the {self.family} scale within {timeout:g} s",
                              phase="execution", message_ru=f"масса не стабилизировалась за {timeout:g} с")
            time.sleep(max(0.0, min(poll, deadline - now)))

    def tare(self, weight: Decimal | None = None, *, timeout: float = 5.0) -> None:
        """Тара. Without ``weight``: the load on the platform becomes the tare — by the scale's own tare
        command, or by measuring a stable weight and setting it. With ``weight`` (kilograms): that tare
        (0 clears it)."""
        device = self.device
        if weight is not None:
            device.set_tare(Decimal(weight))
            return
        if device.supports(ScaleOp.TARE):
            device.tare()
            return
        if not device.supports(ScaleOp.SET_TARE):
            raise device.unsupported(ScaleOp.TARE)
        with device.operation():
            reading = self.wait_stable(timeout)
            if reading.net and reading.tare is None:  # a tare the scale does not report: clear it, weigh gross
                device.set_tare(Decimal(0))
                reading = self.wait_stable(timeout)
            assert reading.value is not None
            device.set_tare(reading.value + (reading.tare or Decimal(0)))

    def zero(self) -> None:
        """Установить ноль (the load on the platform must be small and stable)."""
        self.device.zero()

    # -- life --------------------------------------------------------------------------------------
    def close(self) -> None:
        self.device.close()

    def __enter__(self: S) -> S:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class LabelScale(Scale):
    """A scale with a goods (PLU) memory: upload all or only the changed goods, clear, reload.

    The state of incremental uploads belongs to the scale: by default it is found from the URL
    (:func:`kkt_drivers.scale_upload.scale_key`) and kept in :func:`~kkt_drivers.scale_upload.default_state_dir`;
    ``state_key`` names the scale yourself (a shop's scale number), ``state_dir`` moves the files.
    """

    needs: ClassVar[frozenset[str]] = frozenset({ScaleOp.WEIGH, ScaleOp.PLU_WRITE})

    def __init__(self, device: ScaleDevice, *, state: UploadState | None = None) -> None:
        super().__init__(device)
        if device.label_limits is None:
            raise ConfigurationError(f"{device.family} scales state no limits for their goods records",
                                     message_ru=f"для весов {device.family} не заданы ограничения записей товаров")
        self.state = state if state is not None else UploadState.open(None)

    @classmethod
    def open(cls: type[S], url: str | None = None, **options: Any) -> S:
        """Connect to the label scale behind ``url``; ``state_key``/``state_dir`` as in the class docs."""
        from .connect import default_device

        target = url or default_device()
        key = options.pop("state_key", None) or scale_key(target)
        state_dir = options.pop("state_dir", None)
        if options:
            raise TypeError(f"unknown options {', '.join(sorted(options))}")
        state = UploadState.open(key, Path(state_dir) if state_dir is not None else None)
        try:
            device = connect(target)
        except BaseException:
            state.close()
            raise
        try:
            return cls(device, state=state)  # type: ignore[arg-type,call-arg]
        except BaseException:
            state.close()
            device.close()
            raise

    @property
    def limits(self) -> LabelLimits:
        limits = self.device.label_limits
        assert limits is not None
        return limits

    def check(self, goods: Iterable[Goods]) -> list[Goods]:
        """Validate goods for this scale without sending anything; raises
        :class:`~kkt_drivers.scale_device.InvalidGoods` naming the first item that does not fit."""
        items = list(goods)
        validate_upload(items, self.device)
        return items

    def changed(self, goods: Iterable[Goods]) -> list[Goods]:
        """The goods an incremental upload would send now."""
        return self.state.changed(goods)

    def upload(self, goods: Iterable[Goods], *, progress: Progress | None = None, changed_only: bool = True,
               prune: bool = False) -> UploadResult:
        """Write goods to the scale. Everything is validated first: bad goods raise
        :class:`~kkt_drivers.scale_device.InvalidGoods` naming the item, and nothing is written.

        ``changed_only`` (default) sends only goods whose record differs from what this scale last
        acknowledged; ``prune`` also deletes PLUs sent earlier that ``goods`` no longer has. A failure
        part-way raises :class:`UploadInterrupted`; what was written is remembered.
        """
        items = self.check(goods)
        to_send = self.state.changed(items) if changed_only else items
        wanted = {item.plu for item in items}
        to_delete = sorted(plu for plu in self.state.known() if plu not in wanted) if prune else []
        if to_delete and not self.device.supports(ScaleOp.PLU_DELETE):
            raise self.device.unsupported(ScaleOp.PLU_DELETE)
        total = len(to_send) + len(to_delete)
        with self.device.operation():
            self._write(to_send, total, progress)
            self._delete(to_delete, len(to_send), total, progress)
        return UploadResult(tuple(item.plu for item in to_send), len(items) - len(to_send), tuple(to_delete))

    def _write(self, items: list[Goods], total: int, progress: Progress | None) -> None:
        if not items:
            return
        state, device = self.state, self.device
        state.forget(item.plu for item in items)  # durable before the first byte
        sent = 0
        try:
            for index, item in enumerate(items):
                try:
                    device.write_plu(item)
                except KktError as exc:
                    raise UploadInterrupted(item, index, sent, total, exc) from exc
                state.remember(item)
                sent += 1
                if progress is not None:
                    progress(sent, total)
        finally:
            state.flush()

    def _delete(self, plus: list[int], done: int, total: int, progress: Progress | None) -> None:
        if not plus:
            return
        self.state.forget(plus)
        for plu in plus:
            self.device.delete_plu(plu)
            done += 1
            if progress is not None:
                progress(done, total)

    def clear(self, *, progress: Progress | None = None) -> None:
        """Empty the scale's goods memory: with the family's clear command, else PLU by PLU over the whole
        range the scale holds. The upload state is forgotten first."""
        device = self.device
        self.state.clear()
        with device.operation():
            if device.supports(ScaleOp.PLU_CLEAR):
                device.clear_plu()
                if progress is not None:
                    progress(1, 1)
                return
            if not device.supports(ScaleOp.PLU_DELETE):
                raise device.unsupported(ScaleOp.PLU_CLEAR)
            numbers = range(self.limits.plu_min, self.limits.plu_max + 1)
            for done, plu in enumerate(numbers, 1):
                device.delete_plu(plu)
                if progress is not None:
                    progress(done, len(numbers))

    def reload(self, goods: Iterable[Goods], *, progress: Progress | None = None,
               clear_progress: Progress | None = None) -> UploadResult:
        """Clear the scale and send every record. The goods are validated before the scale is touched."""
        items = self.check(goods)
        with self.device.operation():
            self.clear(progress=clear_progress)
            return self.upload(items, progress=progress, changed_only=False)

    def read(self, plu: int) -> Goods | None:
        """A goods record as the scale holds it (``None`` for an empty PLU)."""
        return self.device.read_plu(plu)

    def delete(self, plu: int) -> None:
        """Delete one goods record."""
        self.state.forget([plu])
        self.device.delete_plu(plu)

    def close(self) -> None:
        try:
            self.state.close()
        finally:
            super().close()
