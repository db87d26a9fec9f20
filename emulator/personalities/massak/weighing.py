"""A weighing platform: what the three scale personalities (Massa-K, CAS, CAS LP) share. No family in here.

The load on the platform is set from outside (the control port's ``set_weight``). A change of load does not
show at once: for ``settle`` seconds the reading swings towards the new load with some jitter and is not
stable, as a real platform rings after something is put on it; afterwards it shows the load rounded to the
division (цена деления) of its range. ``noise`` keeps a steady jitter of that many grams: at a division or
more the scale never calls the weight stable (a draught, a vibrating counter). Readings are reproducible:
the jitter comes from a seeded generator and time from an injectable clock.

Tare (тара) and zero (установка нуля) follow the usual rules of non-automatic weighing instruments: the zero
key works within a small range around the zero set at start-up and only on a stable reading; tare takes a
stable positive gross weight up to the maximum tare. Which rule a given scale applies and how it reports a
refusal is the personality's business [inferred: the ranges below].
"""

from __future__ import annotations

import math
import random
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

#: seconds a platform rings after the load changes, unless ``set_weight`` says otherwise
DEFAULT_SETTLE = 0.4


@dataclass(frozen=True)
class PlatformSpec:
    """A platform's metrology: НПВ, НмПВ, divisions per range (``(up to g, e g)``, ascending), max tare."""

    max_g: int
    min_g: int
    ranges: tuple[tuple[int, int], ...]
    max_tare_g: int
    #: the zero key works within ± this many grams of the power-on zero (4 % of Max is common) [inferred]
    zero_range_g: int = 0

    def division(self, grams: float) -> int:
        """The division (e, grams) of the range that ``grams`` falls in."""
        for top, e in self.ranges:
            if abs(grams) <= top:
                return e
        return self.ranges[-1][1]

    @property
    def zero_range(self) -> int:
        return self.zero_range_g or self.max_g * 4 // 100


@dataclass(frozen=True)
class Reading:
    """What the scale shows: gross and net (grams, rounded to the division), tare, and its indicators."""

    gross_g: int
    net_g: int
    tare_g: int
    stable: bool
    overload: bool
    division_g: int

    @property
    def zero(self) -> bool:
        return self.gross_g == 0 and not self.overload

    @property
    def net(self) -> bool:
        return self.tare_g != 0


def grams_from_kg(value: object, what: str = "weight") -> Decimal:
    """A control-port value in kilograms (number or text) as grams; ValueError when it is not a number."""
    if isinstance(value, bool):
        raise ValueError(f"{what} must be a number of kilograms, not {value!r}")
    try:
        kg = Decimal(str(value))
    except (InvalidOperation, ValueError):
        raise ValueError(f"{what} must be a number of kilograms, not {value!r}") from None
    if not kg.is_finite() or abs(kg) > 100_000:
        raise ValueError(f"{what} {value!r} is not a weight a scale can carry")
    return kg * 1000


class WeighingPlatform:
    """The physical state of a scale: load, ringing, tare, zero."""

    def __init__(self, spec: PlatformSpec, *, clock: Callable[[], float] = time.monotonic, seed: int = 0) -> None:
        self.spec = spec
        self.clock = clock
        self._seed = seed
        self.reset()

    def reset(self) -> None:
        self._rng = random.Random(self._seed)
        self.load_g = 0.0
        self._from_g = 0.0
        self._changed_at = self.clock() - 3600.0
        self.settle = DEFAULT_SETTLE
        self.noise_g = 0.0
        self.tare_g = 0
        self.zero_offset_g = 0.0

    # -- the outside world ------------------------------------------------------------------
    def set_load(self, grams: float, *, settle: float | None = None, noise: float | None = None) -> None:
        """Put ``grams`` on the platform (what was there before is taken off)."""
        if settle is not None:
            if not 0 <= settle <= 60:
                raise ValueError(f"settle must be 0..60 seconds, not {settle}")
            self.settle = settle
        if noise is not None:
            if not 0 <= noise <= self.spec.max_g:
                raise ValueError(f"noise must be 0..{self.spec.max_g} g, not {noise}")
            self.noise_g = noise
        now = self.clock()
        self._from_g = self._raw_gross(now) + self.zero_offset_g
        self.load_g = float(grams)
        self._changed_at = now

    def settled(self, now: float | None = None) -> bool:
        now = self.clock() if now is None else now
        return now - self._changed_at >= self.settle

    def _raw_gross(self, now: float) -> float:
        """The gross weight the sensor sees now, before rounding (load − zero, ringing, jitter)."""
        value = self.load_g
        elapsed = now - self._changed_at
        if elapsed < self.settle:
            fraction = elapsed / self.settle if self.settle else 1.0
            swing = (self._from_g - self.load_g) * math.exp(-4.0 * fraction) * math.cos(9.0 * fraction)
            jitter = (abs(self._from_g - self.load_g) * 0.01 + 2 * self.spec.division(self.load_g))
            value += swing + self._rng.uniform(-jitter, jitter)
        if self.noise_g:
            value += self._rng.uniform(-self.noise_g, self.noise_g)
        return value - self.zero_offset_g

    # -- what the scale shows ---------------------------------------------------------------
    def reading(self, now: float | None = None) -> Reading:
        now = self.clock() if now is None else now
        raw = self._raw_gross(now)
        e = self.spec.division(raw)
        gross = math.floor(raw / e + 0.5) * e  # half up, as a display rounds
        overload = self.load_g - self.zero_offset_g > self.spec.max_g + 9 * self.spec.ranges[-1][1]
        stable = self.settled(now) and self.noise_g < e / 2 and not overload
        return Reading(gross, gross - self.tare_g, self.tare_g, stable, overload, e)

    # -- keys and commands ------------------------------------------------------------------
    def tare_current(self) -> str | None:
        """Тарирование: the stable gross becomes the tare (a zero gross clears it). The reason when refused."""
        reading = self.reading()
        if reading.overload:
            return "overload"
        if not reading.stable:
            return "unstable"
        if reading.gross_g < 0 or reading.gross_g > self.spec.max_tare_g:
            return "tare out of range"
        self.tare_g = reading.gross_g
        return None

    def set_tare(self, grams: int) -> str | None:
        """A tare of a given weight (0 clears it). The reason when refused."""
        if grams < 0 or grams > self.spec.max_tare_g:
            return "tare out of range"
        self.tare_g = grams
        return None

    def zero(self) -> str | None:
        """Установка нуля: the stable gross within the zero range becomes zero. The reason when refused."""
        reading = self.reading()
        if reading.overload:
            return "overload"
        if not reading.stable:
            return "unstable"
        if self.tare_g:
            return "tare set"
        if abs(self.load_g) > self.spec.zero_range:
            return "outside the zero range"
        self.zero_offset_g = self.load_g
        return None

    def state(self) -> dict[str, Any]:
        """For the control port's ``scale_state``."""
        reading = self.reading()
        return {"load_kg": _kg(self.load_g), "gross_kg": _kg(reading.gross_g), "net_kg": _kg(reading.net_g),
                "tare_kg": _kg(reading.tare_g),
                "stable": reading.stable, "overload": reading.overload, "zero": reading.zero,
                "settle": self.settle, "noise_g": self.noise_g}


def _kg(grams: float) -> str:
    return f"{Decimal(str(grams)) / 1000:.3f}"


def platform_control(platform: WeighingPlatform, op: str, request: Mapping[str, Any]) -> dict[str, Any] | None:
    """The control-port ops every scale personality answers the same way; ``None`` for another op.

    ``set_weight value=KG [settle=SECONDS] [noise=GRAMS]``, ``press_tare``, ``press_zero``, ``scale_state``.
    """
    if op == "set_weight":
        if "value" not in request:
            raise ValueError("set_weight needs value=KILOGRAMS")
        grams = grams_from_kg(request["value"])
        settle = _number(request, "settle")
        noise = _number(request, "noise")
        platform.set_load(float(grams), settle=settle, noise=noise)
        return platform.state()
    if op in ("press_tare", "press_zero"):
        refusal = platform.tare_current() if op == "press_tare" else platform.zero()
        if refusal is not None:
            raise ValueError(f"the scale refused {op.removeprefix('press_')}: {refusal}")
        return platform.state()
    if op == "scale_state":
        return platform.state()
    return None


def _number(request: Mapping[str, Any], key: str) -> float | None:
    if key not in request:
        return None
    value = request[key]
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ValueError(f"{key} must be a number, not {value!r}")
    return float(value)
