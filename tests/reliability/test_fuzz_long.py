"""Long fuzzing of every framer, link, driver and personality, with memory tracked.

Each target is fed chunks built from its golden vectors: whole frames, mutated ones (flipped, dropped,
duplicated and inserted bytes), truncations, random splits and plain noise. The only thing a target may
raise is one of our typed errors (:class:`~kkt_drivers.errors.KktError`); a host link may fail an exchange
only with one of them too; the emulator's device side may raise nothing at all (an incident there is a bug);
memory, measured with ``tracemalloc`` after a warm-up (for a target restarted several times, right after each
restart's close: documents a target makes are its state until then), must not keep growing; no single feed may take long
(a hang), and a host link always comes back to idle within its bounded retries.

Kinds of target:

* ``*-framer``, ``*-decoder``: the protocol floor, bytes in, events out;
* ``*-link``: a host link mid-exchange, fed device bytes; what it delivers goes through the command's answer
  decoder, as the driver would;
* ``*-device``: the emulator's device side of one connection (attachments see nothing else);
* ``*-personality``: random parameters for every command straight into the emulated device, registered and
  with a shift open where it has a ФН, so the deep handlers are reached;
* ``*-answers``: the family's host driver over its emulator, every answer of which may come back garbled but
  well framed (so the driver's own answer parsing is what is fuzzed, not the checksum).
"""

from __future__ import annotations

import functools
import gc
import json
import logging
import random
import time
import tracemalloc
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from reliability_kit import Scale, report, tune

from kkt_drivers.errors import KktError

VECTORS = Path(__file__).resolve().parents[1] / "vectors"
#: a single feed longer than this is a hang (generous: CI machines are shared)
HANG_SECONDS = 5.0


def _hex_values(obj: Any) -> list[bytes]:
    """Every ``hex`` (and ``*_hex``) string anywhere in a vectors file, as bytes."""
    found: list[bytes] = []
    if isinstance(obj, dict):
        for key, value in obj.items():
            if isinstance(value, str) and (key == "hex" or key.endswith("_hex")):
                try:
                    found.append(bytes.fromhex(value.replace(" ", "")))
                except ValueError:
                    pass
            else:
                found.extend(_hex_values(value))
    elif isinstance(obj, list):
        for value in obj:
            found.extend(_hex_values(value))
    return found


def seeds(*names: str) -> list[bytes]:
    out: list[bytes] = []
    for name in names:
        out.extend(_hex_values(json.loads((VECTORS / name).read_text(encoding="utf-8"))))
    return [s for s in out if s] or [b"\x00"]


def json_texts() -> list[bytes]:
    """The driver-service requests of the JSON vectors, as UTF-8 text."""
    vectors = json.loads((VECTORS / "incotex_json.json").read_text(encoding="utf-8"))["vectors"]
    return [v["text"].encode("utf-8") for v in vectors]


def mutate(rng: random.Random, pool: list[bytes]) -> bytes:
    data = bytearray(rng.choice(pool))
    for _ in range(rng.choice([0, 0, 1, 1, 2, 3, 8])):
        roll = rng.random()
        at = rng.randrange(len(data) + 1)
        if roll < 0.3 and data:
            data[min(at, len(data) - 1)] ^= 1 << rng.randrange(8)
        elif roll < 0.5 and data:
            del data[min(at, len(data) - 1)]
        elif roll < 0.7:
            data[at:at] = bytes((rng.randrange(256),))
        elif roll < 0.8:
            data = data[:at]
        elif roll < 0.9:
            data += rng.choice(pool)
        else:
            data[at:at] = rng.randbytes(rng.randrange(1, 16))
    if rng.random() < 0.05:
        return rng.randbytes(rng.randrange(1, 64))
    return bytes(data)


Feeder = Callable[[bytes], Any]
#: one operation of a host driver under garbled answers: (driver or Kkt, the target's random generator)
Operation = Callable[[Any, random.Random], Any]


class Fed:
    """A feeder with something to release when the run replaces it (an emulated device and its archive)."""

    def __init__(self, feed: Feeder, close: Callable[[], None]) -> None:
        self.feed = feed
        self.close = close

    def __call__(self, data: bytes) -> Any:
        return self.feed(data)


def _framer(factory: Callable[[], Any]) -> Callable[[], Feeder]:
    def make() -> Feeder:
        framer = factory()
        return framer.feed  # type: ignore[no-any-return]
    return make


def _resetting_framer(factory: Callable[[], Any]) -> Callable[[], Feeder]:
    """A framer that stays broken after an error until ``reset`` (the JSON length prefix): reset it, as the
    connection that carries it is dropped, and report the typed error."""
    def make() -> Feeder:
        framer = factory()

        def feed(data: bytes) -> Any:
            try:
                return framer.feed(data)
            except KktError:
                framer.reset()
                raise
        return feed
    return make


def _check_actions(actions: list[Any], decode: Callable[[bytes, bytes], Any] | None, message: bytes) -> None:
    from kkt_drivers.protocols.actions import Deliver, Fail

    for action in actions:
        if isinstance(action, Fail) and not isinstance(action.error, KktError):
            raise AssertionError(f"a link failed with an untyped {action.error!r}")
        if isinstance(action, Deliver) and decode is not None:
            try:
                decode(message, action.answer)
            except KktError:
                pass


@dataclass
class Request:
    message: bytes
    #: the answer decoder the driver applies to a delivered answer: (request, answer) -> anything
    decode: Callable[[bytes, bytes], Any] | None = None


def _host_link(factory: Callable[[], Any], *requests: Request | bytes, tries: int = 1000) -> Callable[[], Feeder]:
    """A host link mid-request, fed device bytes (never an empty read: the session does not pass one); deadlines
    fire now and then; a finished exchange starts the next one. Whatever the link delivers goes through its
    request's answer decoder. Every 500 feeds the link is driven by deadlines alone: it must be idle within
    ``tries`` of them (retries are bounded)."""
    chosen = [r if isinstance(r, Request) else Request(r) for r in requests]

    def make() -> Feeder:
        link = factory()
        rng = random.Random(len(chosen[0].message))
        current = chosen[0]
        fed = 0

        def feed(data: bytes) -> Any:
            nonlocal current, fed
            fed += 1
            if getattr(link, "stale", False):
                link.abort()  # the driver reconnects a stale JSON link before the next exchange
            if not link.busy:
                current = rng.choice(chosen)
                _check_actions(link.request(current.message, execution_timeout=1.0,
                                            idempotent=rng.random() < 0.5), current.decode, current.message)
            if data:
                _check_actions(link.receive(data), current.decode, current.message)
            if rng.random() < 0.1 and link.busy:
                _check_actions(link.timeout(), current.decode, current.message)
            if rng.random() < 0.02:
                link.abort()
            if fed % 500 == 0:
                for _ in range(tries):
                    if not link.busy:
                        break
                    _check_actions(link.timeout(), current.decode, current.message)
                else:
                    raise AssertionError(f"hang: the link is still busy after {tries} deadlines ({link.state})")
        return feed
    return make


def _registered(family: str, query: str = "") -> tuple[Any, Any]:
    """A registered emulated register of ``family`` with its shift open, in this process: (Kkt, device)."""
    from samples import REGISTRATION

    from kkt_drivers import Kkt

    kkt = Kkt.open(f"emu://{family}" + (f"?{query}" if query else ""))
    kkt.register(REGISTRATION)
    kkt.open_shift()
    control: Any = kkt.device.emulator
    return kkt, control.device


def _incident(device: Any) -> None:
    if device.incidents.total:
        raise AssertionError(f"incident: {device.incidents.recent()[-1].traceback}")


def _device(family: str, variant: str, *, fiscal: bool = False, stuck_after: int = 0) -> Callable[[], Feeder]:
    """The emulator's device side: bytes in, no exception out, no incident recorded, and every deadline it arms
    fires and ends (no endless keep-alives). ``fiscal``: a registered register with its shift open.
    ``stuck_after``: a connection whose link has sat inside one message for this many feeds is dropped and a new
    one made, as the host does after its inter-byte deadline (a length-prefixed stream cannot resynchronise)."""
    def make() -> Feeder:
        from kkt_emu.personalities import connect_to, create_device

        kkt: Any = None
        if fiscal:
            kkt, device = _registered(family, "" if variant == "default" else f"protocol={variant}")
        else:
            device = create_device(family)
        connection = connect_to(device, variant)
        inside = 0

        def feed(data: bytes) -> Any:
            nonlocal connection, inside
            now = time.monotonic()
            connection.receive(data, now)
            for _ in range(1000):
                if connection.next_event() is None:
                    break
                now += 10
                connection.poll(now)
                connection.take_output(now)
            else:
                raise AssertionError("hang: the device side re-arms its deadline forever")
            connection.take_output(now + 10)
            _incident(device)
            framer = getattr(connection.link, "framer", None)
            inside = inside + 1 if framer is not None and getattr(framer, "in_message", False) else 0
            if (stuck_after and inside >= stuck_after) or connection.closed:
                connection.close()
                connection = connect_to(device, variant)
                inside = 0

        def close() -> None:
            connection.close()
            if kkt is not None:
                kkt.close()
            else:
                device.close()
        return Fed(feed, close)
    return make


# -- personalities ----------------------------------------------------------------------------------------------

def _atol_personality() -> Feeder:
    """Random parameters for every ATOL command, straight into the personality of a registered register with
    an open shift (so the receipt and ФН handlers are reached), in every mode."""
    from kkt_emu.attach.inprocess import InProcessTransport
    from kkt_emu.personalities import create_device
    from samples import REGISTRATION

    from kkt_drivers import Kkt
    from kkt_drivers.drivers.atol.family import FAMILY, AtolOptions
    from kkt_drivers.protocols.atol.commands import REGISTRY

    device = create_device("atol")
    transport = InProcessTransport(device, "v3")
    transport.open()
    kkt = Kkt(FAMILY.open(transport, AtolOptions(variant="v3")))  # type: ignore[arg-type]
    kkt.register(REGISTRATION)
    kkt.open_shift()
    specs = list(REGISTRY)
    rng = random.Random(7)

    def feed(data: bytes) -> Any:
        spec = rng.choice(specs)
        if rng.random() < 0.05:  # now and then into a mode, so mode-bound commands run
            device.execute(b"\x00\x00\x48")
            device.execute(b"\x00\x00\x56" + bytes((rng.choice([1, 2, 3, 4, 6]),)) + b"\x00\x00\x00\x30")
        device.execute(b"\x00\x00" + spec.code + data[: rng.randrange(0, 40)])
        if device.incidents.total:
            raise AssertionError(f"incident: {device.incidents.recent()[-1].traceback}")
    return feed


def _shtrih_personality() -> Feeder:
    """Every declared Shtrih-M command with a password of one of the operators (or a wrong one) and random
    parameters of at least the declared size; now and then a receipt of some type is opened first, so the
    receipt commands meet an open document."""
    from kkt_drivers.protocols.shtrih import commands as c
    from kkt_drivers.protocols.spec import fixed_size

    kkt, device = _registered("shtrih")
    specs = list(c.REGISTRY)
    sizes = {spec.code: fixed_size(spec.request) for spec in specs}
    rng = random.Random(11)
    passwords = [p.to_bytes(4, "little") for p in (1, 1, 2, 29, 30, 30, 30, 0, 31)]

    def feed(data: bytes) -> Any:
        if rng.random() < 0.08:
            kind = rng.choice([0, 1, 2, 3, 0x80, 0x81, 0x82, 0x83])
            device.execute(c.OPEN_RECEIPT.code + passwords[0] + bytes((kind,)))
        spec = rng.choice(specs)
        password = rng.choice(passwords) if spec.takes_password else b""
        size = sizes[spec.code] or 0
        body = (data * (size // max(len(data), 1) + 1))[:size] if rng.random() < 0.6 else b""
        device.execute(spec.code + password + body + data[: rng.randrange(0, 24)])
        _incident(device)
    return Fed(feed, kkt.close)


#: MS-K letters that reach the network («Сервер ККТ» exchange) are left out: the fuzz stays in the process
_MSK_NETWORK = {0x5A}
_JSON_NETWORK = {"ExchangeServerKKT", "TestServerKKT"}


def _msk_personality() -> Feeder:
    """Every MS-K letter the register knows (and a few it does not) with the password and random NUL-separated
    fields; the receipt document 0x53 with its type and flags drawn, so receipts are opened, added to, closed,
    annulled; a receipt left open by the garbage is annulled now and then."""
    from kkt_drivers.protocols.incotex import msk_commands as mc

    kkt, device = _registered("mercury", "protocol=msk")
    letters = sorted({*mc.REGISTRY, 0x30, 0x4E, 0x7A} - _MSK_NETWORK)
    rng = random.Random(13)

    def feed(data: bytes) -> Any:
        letter = rng.choice(letters)
        fields = [bytes(b for b in part if b not in (0x00, 0x02, 0x03)) for part in data.split(b"\x00")]
        if letter == mc.FiscalDocument.CODE and rng.random() < 0.7:
            head = [str(rng.choice([0, 1, 2, 3, 4, 5, 6, 7, 8])).encode(),
                    f"{rng.choice([0, 4, 8, 0x10, 0x14, 0x18, 0x1C]):02X}".encode()]
            fields = head + fields
        body = bytes((letter,)) + rng.choice([b"0000", b"0000", b"1111"]) + b"\x00" + b"".join(
            f + b"\x00" for f in fields[: rng.randrange(0, 12)])
        device.execute(body, 1)
        _incident(device)
        if rng.random() < 0.05 and device.personality.machine.sale is not None:
            device.execute(b"S0000\x000\x0008\x00000\x00", 1)  # annul what the garbage began
    return Fed(feed, kkt.close)


def _random_json(rng: random.Random, data: bytes, depth: int = 0) -> Any:
    roll = rng.random()
    if depth > 2 or roll < 0.55:
        return rng.choice([None, True, False, 0, -1, 1, 7, 10**12, 2**63, 0.5, -0.01, 1e300, "", "0", "1.5",
                           "Иванов", "2026-11-30", "2026-11-30T10:00:00", data[:12].decode("latin-1"),
                           rng.randrange(-10, 1000), rng.random() * 1000])
    if roll < 0.75:
        return [_random_json(rng, data, depth + 1) for _ in range(rng.randrange(0, 4))]
    return {rng.choice(_JSON_KEYS): _random_json(rng, data, depth + 1) for _ in range(rng.randrange(0, 4))}


_JSON_KEYS = ["checkType", "taxSystem", "cashierInfo", "cashierName", "cashierINN", "productName", "qty", "price",
              "payment", "cash", "ecash", "prepayment", "credit", "consideration", "sum", "taxCode", "base",
              "fiscalDocNum", "serverId", "serverAddress", "reportCode", "mc", "dateTime", "printDoc", "goods",
              "correctionInfo", "correctionType", "causeName", "causeDocDate", "causeDocNum", "buyerInfo",
              "paymentFormCode", "productTypeCode", "measureUnit", "plannedStatus", "text", "forcePrint",
              "barcodeType", "value", "baseVer", "data", "userNumber", "userPassword", "portName", "model"]


def _json_personality() -> Feeder:
    """Every driver-service command with random fields of random JSON types, in a session (reopened when the
    garbage closed it); and, now and then, the mutated request text itself."""
    from kkt_drivers.protocols.incotex.json_api import CATALOGUE

    kkt, device = _registered("mercury", "protocol=json")
    commands = sorted(set(CATALOGUE) - _JSON_NETWORK)
    rng = random.Random(17)
    key: list[str | None] = [None]

    def session_key() -> str | None:
        if key[0] is None:
            answer = json.loads(device.execute(b'{"command":"OpenSession","sessionKey":null,"portName":"USB",'
                                               b'"model":"185F"}').answer)
            key[0] = answer.get("sessionKey")
        return key[0]

    def feed(data: bytes) -> Any:
        if rng.random() < 0.2:
            device.execute(data)
        else:
            command = rng.choice(commands)
            request = {rng.choice(_JSON_KEYS): _random_json(rng, data) for _ in range(rng.randrange(0, 6))}
            request.update(command=command, sessionKey=session_key() if rng.random() < 0.95 else "x")
            answer = json.loads(device.execute(json.dumps(request).encode("utf-8")).answer)
            if command == "CloseSession" and answer.get("result") == 0:
                key[0] = None
        _incident(device)
        if rng.random() < 0.05 and device.personality.machine.sale is not None:
            device.execute(json.dumps({"command": "ResetCheck", "sessionKey": session_key()}).encode())
    return Fed(feed, kkt.close)


def _scale_personality(family: str, codes: list[int], sizes: dict[int, int] | None = None,
                       accepts: Callable[[bytes], bool] | None = None) -> Callable[[], Feeder]:
    """A scale's personality: its command codes with random data (of the declared size, or any), as far as its
    device link hands such a message on (``accepts``: what the link lets through; others it answers itself), and
    now and then a new load or a key pressed on the platform through the control API (so weighing, tare, zero and
    overload paths run)."""
    def make() -> Feeder:
        from kkt_emu.personalities import create_device

        device = create_device(family)
        rng = random.Random(19)

        def feed(data: bytes) -> Any:
            if rng.random() < 0.05:
                op = rng.choice(["set_weight", "set_weight", "press_tare", "press_zero"])
                try:
                    device.personality.control(op, {"value": rng.choice([0, 0.5, 1.234, -0.2, 15, 99, 1e6]),
                                                    "settle": 0})
                except ValueError:
                    pass  # a load the platform refuses, a tare or zero it refuses: the control API's answer
            code = rng.choice(codes)
            body = data[: rng.randrange(0, 40)]
            if sizes is not None and code in sizes and rng.random() < 0.8:
                body = (data * (sizes[code] // max(len(data), 1) + 1))[: sizes[code]]
            message = bytes((code,)) + body
            if accepts is None or accepts(message):
                device.execute(message)
            _incident(device)
        return Fed(feed, device.close)
    return make


def _massak_accepts(message: bytes) -> bool:
    """The Massa-K device link executes a request that parses; it answers CMD_ERROR to the others itself."""
    from kkt_drivers.protocols.massak.commands import parse_request

    try:
        parse_request(message)
    except KktError:
        return False
    return True


def _caslp_accepts(message: bytes) -> bool:
    """The CAS LP device link executes a known command with its exact data; others it refuses itself."""
    from kkt_drivers.protocols.caslp.commands import REQUEST_SIZES

    return REQUEST_SIZES.get(message[0]) == len(message) - 1


# -- host drivers over garbled answers --------------------------------------------------------------------------

def _garble(rng: random.Random, answer: bytes, data: bytes, keep: int) -> bytes:
    """``answer`` with its first ``keep`` bytes (the command code: it still belongs to the request) kept and the
    rest flipped, cut, extended or replaced with the fuzz chunk."""
    head, tail = answer[:keep], bytearray(answer[keep:])
    roll = rng.random()
    if roll < 0.3 and tail:
        for _ in range(rng.randint(1, 3)):
            tail[rng.randrange(len(tail))] ^= 1 << rng.randrange(8)
    elif roll < 0.45:
        tail = tail[: rng.randrange(len(tail) + 1)]
    elif roll < 0.6:
        tail += data
    elif roll < 0.75:
        tail = bytearray(data)
    elif tail:
        at = rng.randrange(len(tail))
        tail[at: at + len(data)] = data
    return head + bytes(tail)


def _garble_msk(rng: random.Random, answer: bytes, data: bytes) -> bytes:
    """An MS-K answer body garbled after its letter, without STX/ETX (no escaping exists: the device could not
    send them, so a body with them never reaches a host in one frame)."""
    return _garble(rng, answer, data, 1).replace(b"\x02", b"").replace(b"\x03", b"")


def _garble_json(rng: random.Random, answer: bytes, data: bytes) -> bytes:
    """A JSON answer with one value replaced by a value of a random type (the text itself garbled now and then)."""
    if rng.random() < 0.2:
        return _garble(rng, answer, data, 0)
    try:
        doc = json.loads(answer)
    except ValueError:
        return answer
    paths: list[tuple[Any, Any]] = []

    def walk(node: Any) -> None:
        items = node.items() if isinstance(node, dict) else enumerate(node) if isinstance(node, list) else ()
        for k, v in items:
            paths.append((node, k))
            walk(v)
    walk(doc)
    for _ in range(rng.randint(1, 3)):
        if paths:
            node, k = rng.choice(paths)
            node[k] = _random_json(rng, data, 2)
    return json.dumps(doc, ensure_ascii=rng.random() < 0.5).encode("utf-8")


def _cas_refix(rng: random.Random, frame: bytes, data: bytes) -> bytes:
    """A CAS frame with its ASCII fields garbled and, mostly, its check bytes made right again."""
    from kkt_drivers.protocols.cas.frames import PRICE_FRAME_SIZE, WEIGHT_FRAME_SIZE, bcc

    out = bytearray(frame)
    blocks = [(2, 12)] if len(frame) == WEIGHT_FRAME_SIZE else [(2, 10), (13, 23), (26, 34)]
    for _ in range(rng.randint(1, 3)):
        start, stop = rng.choice(blocks)
        out[rng.randrange(start, stop)] = rng.choice(data or b"?") if rng.random() < 0.5 else rng.randrange(256)
    if rng.random() < 0.9 and len(frame) in (WEIGHT_FRAME_SIZE, PRICE_FRAME_SIZE):
        for start, stop in blocks:
            out[stop] = bcc(bytes(out[start:stop]))
    return bytes(out)


@dataclass
class _GarbledOutcome:
    answer: bytes
    failed: bool = False
    seconds: float = 0.0


@dataclass
class _Garbler:
    """Replaces a device's ``execute``: each answer is garbled with probability ``rate``."""

    device: Any
    garble: Callable[[random.Random, bytes, bytes], bytes]
    rate: float = 0.35
    rng: random.Random = field(default_factory=lambda: random.Random(23))
    data: bytes = b""

    def install(self) -> None:
        execute = self.device.execute

        def garbled(message: bytes, client: int = 0) -> Any:
            outcome = execute(message, client)
            if self.rng.random() >= self.rate or not outcome.answer:
                return outcome
            return _GarbledOutcome(self.garble(self.rng, outcome.answer, self.data), outcome.failed, outcome.seconds)
        self.device.execute = garbled


def _answers(open_target: Callable[[], tuple[Any, Any, list[Operation]]],
             garble: Callable[[random.Random, bytes, bytes], bytes]) -> Callable[[], Feeder]:
    """A host driver (or ``Kkt``) over its emulator whose answers come back garbled: each feed runs one of the
    target's operations with the chunk as the garbling material; only typed errors may come out."""
    def make() -> Feeder:
        target, device, operations = open_target()
        garbler = _Garbler(device, garble)
        garbler.install()
        rng = random.Random(29)

        def feed(data: bytes) -> Any:
            garbler.data = data
            rng.choice(operations)(target, rng)
        return Fed(feed, target.close)
    return make


def _sale(amount: int) -> Any:
    from kkt_drivers.types import Item, Payment, PaymentType, Receipt, TaxationSystem, VatRate

    return Receipt(items=(Item("фузз", amount, Decimal(1), VatRate.VAT_20),),
                   payments=(Payment(PaymentType.CASH, amount),), taxation=TaxationSystem.OSN)


def _kkt_operations() -> list[Operation]:
    def sell(k: Any, rng: random.Random) -> Any:
        return k.sell(_sale(rng.randrange(100, 10_000)))

    def shift(k: Any, rng: random.Random) -> Any:
        return k.close_shift() if k.shift_state().open else k.open_shift()

    def document(k: Any, rng: random.Random) -> Any:
        return k.document(rng.randrange(1, k.fn_status().last_document_number + 2))

    def receipt_state(k: Any, rng: random.Random) -> Any:
        if k.driver.receipt_is_open():
            k.cancel_receipt()
    return [lambda k, r: k.status(), lambda k, r: k.shift_state(), lambda k, r: k.fn_status(),
            lambda k, r: k.ofd_status(), document, lambda k, r: k.last_document(),
            lambda k, r: k.driver.cash_in_drawer(), sell, sell, lambda k, r: k.cash_in(r.randrange(100, 5000)),
            lambda k, r: k.x_report(), receipt_state, shift]


def _kkt_target(family: str, query: str, extra: list[Operation] | None = None
                ) -> Callable[[], tuple[Any, Any, list[Operation]]]:
    def open_target() -> tuple[Any, Any, list[Operation]]:
        kkt, device = _registered(family, query)
        tune(kkt.device.session, execution_scale=0.01, quick=0.01)
        kkt.settle_backoff = 0.001
        kkt.settle_tries = 3
        return kkt, device, _kkt_operations() + (extra or [])
    return open_target


def _scale_target(family: str, operations: list[Operation]
                  ) -> Callable[[], tuple[Any, Any, list[Operation]]]:
    def open_target() -> tuple[Any, Any, list[Operation]]:
        from kkt_drivers.connect import connect

        driver: Any = connect(f"emu://{family}")
        tune(driver.session, execution_scale=0.01, quick=0.01)
        return driver, driver.emulator.device, operations
    return open_target


def _goods(plu: int) -> Any:
    from kkt_drivers.scale_device import Goods

    return Goods(plu=plu, name=f"товар {plu}", price=plu * 10 + 1, code=plu)


_MASSAK_OPS: list[Operation] = [
    lambda d, r: d.read_weight(), lambda d, r: d.read_weight(), lambda d, r: d.parameters(), lambda d, r: d.zero(),
    lambda d, r: d.set_tare(Decimal(r.choice(["0", "0.1", "0.25"]))),
]
_CAS_OPS: list[Operation] = [lambda d, r: d.read_weight(), lambda d, r: d.weight_frame()]
_CASLP_OPS: list[Operation] = [
    lambda d, r: d.read_weight(), lambda d, r: d.status(), lambda d, r: d.totals(),
    lambda d, r: d.read_plu(r.randrange(1, 20)), lambda d, r: d.write_plu(_goods(r.randrange(1, 20))),
    lambda d, r: d.delete_plu(r.randrange(1, 20)),
]


def _shtrih_keep(answer: bytes) -> int:
    return 2 if answer[:1] == b"\xff" else 1


# -- Штрих-Принт: a host driver with no emulator --------------------------------------------------------------

def _shtrihprint_replies() -> list[bytes]:
    """Well-formed reply datagrams of every command the driver sends (built from the protocol's layouts), and
    the service datagrams: seeds for the UDP link and driver."""
    from kkt_drivers.protocols.shtrihprint import commands as spc
    from kkt_drivers.protocols.shtrihprint.framer import encode
    from kkt_drivers.protocols.shtrihprint.plu import PluRecord, encode_readback

    status = bytearray(spc.STATUS_SIZE)
    status[0:2] = b"13"
    record = encode_readback(PluRecord(plu=5, item_code=5, name1="Сыр", name2="", price=12345))
    bodies = [bytes((spc.Cmd.STATUS, 0)) + bytes(status), bytes((spc.Cmd.MODE, 0, 0, 0, 0)),
              bytes((spc.Cmd.GET_WEIGHT, 0, 0x38, 0x01)), bytes((spc.Cmd.MAX_PLU, 0, 0x10, 0x27)),
              bytes((spc.Cmd.READ_PLU, 0)) + record, bytes((spc.Cmd.READ_PLU, 140)),
              bytes((spc.Cmd.WRITE_PLU, 0)), bytes((spc.Cmd.CLEAR_PLU, 0)), bytes((spc.Cmd.CLEAR_DATABASE, 0)),
              bytes((spc.Cmd.DEVICE_TYPE, 0, 1, 1, 1, 3, 0, 0)) + "ШТРИХ-ПРИНТ".encode("cp1251"),
              bytes((spc.Cmd.STATUS, 0x0B))]
    return [encode(b) for b in bodies] + [b"\x06", b"\x15", b"\x05", b"\x0b\xa8\xc0\x01\x00\x10\x27"]


def _shtrihprint_decode(request: bytes, answer: bytes) -> Any:
    from kkt_drivers.protocols.shtrihprint import commands as spc

    reply = spc.parse_reply(answer)
    parse = {spc.Cmd.STATUS: spc.parse_status, spc.Cmd.MODE: spc.parse_mode, spc.Cmd.GET_WEIGHT: spc.parse_weight,
             spc.Cmd.MAX_PLU: spc.parse_max_plu, spc.Cmd.DEVICE_TYPE: spc.parse_device_type}.get(request[0])
    if parse is not None:
        return parse(reply)
    if request[0] == spc.Cmd.READ_PLU:
        return spc.parse_read_plu(reply, 5)
    return spc.parse_ack(reply, request[0])


def _shtrihprint_link() -> Callable[[], Feeder]:
    from kkt_drivers.protocols.shtrihprint import commands as spc
    from kkt_drivers.protocols.shtrihprint.link import ShtrihPrintUdpLink

    requests = [Request(body, _shtrihprint_decode) for body in (
        spc.status(), spc.mode(), spc.get_weight(), spc.max_plu(), spc.read_plu(5), spc.clear_plu(5),
        spc.device_type(), spc.clear_database())]
    return _host_link(ShtrihPrintUdpLink, *requests)


#: data bytes of each Штрих-Принт reply the driver reads (None: any)
_SHTRIHPRINT_REPLY_SIZES = {0x11: 72, 0x12: 3, 0x38: 2, 0xD0: 2, 0x58: 80, 0x57: 0, 0x54: 0, 0x18: 0, 0xFC: None}


class _DatagramScript:
    """A UDP transport for the Штрих-Принт driver: each request is answered by a datagram made from the fuzz
    chunk — as it is, or as a reply to the request's command (mostly with error 0) carrying the chunk as its data,
    cut or padded to the size the command's reply has, now and then not — and, sometimes, silence or a second
    datagram."""

    control = None
    address = "fuzz"

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.data = b""
        self.queue: list[bytes] = []
        self.is_open = True

    def open(self) -> None:
        self.is_open = True

    def close(self) -> None:
        self.is_open = False

    def reopen(self) -> None:
        self.is_open = True

    def write(self, datagram: bytes) -> None:
        from kkt_drivers.protocols.shtrihprint.framer import encode

        rng, data = self.rng, self.data
        roll = rng.random()
        if roll < 0.1:
            self.queue = []
            return
        if roll < 0.35 or len(datagram) < 3:
            self.queue = [data]
            return
        command = datagram[2]
        size = _SHTRIHPRINT_REPLY_SIZES.get(command)
        payload = data if size is None or rng.random() < 0.2 else (data * (size // max(len(data), 1) + 1))[:size]
        error = 0 if rng.random() < 0.85 else rng.choice([1, 140, 156, 165, 168, 255])
        self.queue = [encode(bytes((command, error)) + payload)]
        if rng.random() < 0.1:
            self.queue.append(data)

    def read(self, timeout: float) -> bytes:
        return self.queue.pop(0) if self.queue else b""


def _shtrihprint_driver() -> Feeder:
    """The Штрих-Принт driver's operations (status, weight, goods table size, PLU read/write/delete) answered by
    datagrams made of fuzz: its reply parsing, the link's retries and stray-datagram rule all meet garbage."""
    from kkt_drivers.drivers.shtrihprint.driver import ShtrihPrintScale
    from kkt_drivers.protocols.shtrihprint.link import ShtrihPrintUdpLink
    from kkt_drivers.session import Session

    rng = random.Random(31)
    transport = _DatagramScript(rng)
    driver = ShtrihPrintScale(Session(transport, ShtrihPrintUdpLink()))  # type: ignore[arg-type]
    driver.session.execution_scale = 0.0001
    operations: list[Callable[[], Any]] = [
        driver.status, driver.read_weight, driver.plu_table_size, lambda: driver.read_plu(5),
        lambda: driver.write_plu(_goods(5)), lambda: driver.delete_plu(5)]

    def feed(data: bytes) -> Any:
        transport.data = data
        rng.choice(operations)()
    return feed


# -- the table --------------------------------------------------------------------------------------------------

@dataclass
class Target:
    make: Callable[[], Feeder]
    pool: list[bytes]
    #: frames in the full run (the sample is :data:`SAMPLE_FRAMES`)
    full: int = 60_000
    #: a fresh target every so many frames, as a reconnecting client or a restarted device makes
    restart: int = 50_000


SAMPLE_FRAMES = 1500


def _shtrih_requests() -> list[Request]:
    from kkt_drivers.protocols.shtrih import commands as c

    def decode(spec: Any) -> Callable[[bytes, bytes], Any]:
        return lambda _request, answer: c.decode_answer(spec, answer)
    password = (30).to_bytes(4, "little")
    return [Request(spec.code + password, decode(spec)) for spec in (c.SHORT_STATUS, c.FULL_STATUS)] + [
        Request(c.FN_STATUS.code + password, decode(c.FN_STATUS))]


def _msk_requests() -> list[Request]:
    from kkt_drivers.protocols.incotex import msk_commands as mc

    def decode(_request: bytes, answer: bytes) -> Any:
        return mc.decode_answer(answer, _request[0])
    return [Request(b"S0000\x00", decode), Request(mc.build_request(mc.GetDateTime()), decode),
            Request(mc.build_request(mc.GetVersion()), decode),
            Request(mc.build_request(mc.LastDocumentInfo()), decode)]


def _json_requests() -> list[Request]:
    from kkt_drivers.protocols.incotex import json_api as ja

    def decode(parse: Callable[[Any], Any], command: str) -> Callable[[bytes, bytes], Any]:
        return lambda _request, answer: parse(ja.decode_response(answer, command))
    return [Request(b'{"command":"GetDriverInfo"}', decode(ja.parse_driver_info, "GetDriverInfo")),
            Request(b'{"command":"OpenSession","sessionKey":null,"portName":"COM3","model":"185F"}',
                    decode(ja.parse_open_session, "OpenSession")),
            Request(b'{"command":"GetStatus","sessionKey":"k"}', decode(ja.parse_status, "GetStatus"))]


def _json_answers() -> list[bytes]:
    """What the emulated driver service answers to the vectors' requests (and to a session's requests)."""
    from kkt_emu.personalities import create_device

    device = create_device("mercury")
    try:
        answers = [device.execute(text).answer for text in json_texts()]
        key = json.loads(answers[0]).get("sessionKey")
        for command in ("GetStatus", "GetCommonInfo", "GetRegistrationInfo", "GetDateTime", "GetDriverInfo"):
            answers.append(device.execute(json.dumps({"command": command, "sessionKey": key}).encode()).answer)
    finally:
        device.close()
    return answers


def _prefixed(texts: list[bytes]) -> list[bytes]:
    from kkt_drivers.protocols.incotex.json_tcp import encode

    return [encode(t) for t in texts]


@functools.lru_cache(maxsize=1)
def targets() -> dict[str, Target]:
    from kkt_drivers.protocols.atol.framer_v2 import AtolV2Framer
    from kkt_drivers.protocols.atol.framer_v3 import AtolV3Framer
    from kkt_drivers.protocols.atol.link_v2 import AtolV2Link
    from kkt_drivers.protocols.atol.link_v3 import AtolV3Link
    from kkt_drivers.protocols.cas.device import CasDeviceDecoder
    from kkt_drivers.protocols.cas.frames import CasFramer, parse_price_frame, parse_weight_frame
    from kkt_drivers.protocols.cas.link import CasLink
    from kkt_drivers.protocols.caslp import commands as lpc
    from kkt_drivers.protocols.caslp.device import CasLpDeviceDecoder
    from kkt_drivers.protocols.caslp.link import CasLpLink
    from kkt_drivers.protocols.fn.frame import FrameDecoder
    from kkt_drivers.protocols.incotex.json_link import JsonLink
    from kkt_drivers.protocols.incotex.json_tcp import JsonTcpFramer
    from kkt_drivers.protocols.incotex.msk_framer import MskFramer
    from kkt_drivers.protocols.incotex.msk_link import MskLink
    from kkt_drivers.protocols.massak import commands as mkc
    from kkt_drivers.protocols.massak.device import MassaKDeviceDecoder
    from kkt_drivers.protocols.massak.framer import MassaKFramer
    from kkt_drivers.protocols.massak.link import MassaKLink
    from kkt_drivers.protocols.shtrih.framer import ShtrihFramer
    from kkt_drivers.protocols.shtrih.link import ShtrihLink
    from kkt_drivers.protocols.shtrihprint.framer import ShtrihPrintSerialFramer

    atol = seeds("atol_v2.json", "atol_v3.json", "atol_fiscal_outside.json") if (
        VECTORS / "atol_fiscal_outside.json").exists() else seeds("atol_v2.json", "atol_v3.json")
    shtrih, msk, massak = seeds("shtrih.json"), seeds("incotex_msk.json"), seeds("massak.json")
    cas = [*seeds("cas.json"), b"\x05", b"\x06", b"\x15", b"\x11", b"\x12"]
    caslp = [*seeds("caslp.json"), b"\x89", b"\x85", b"\x9b", b"\x00", b"\x00\x80", b"\xee\x80", b"\xaa\x80"]
    json_requests = _prefixed(json_texts())
    json_answers = _json_answers()
    shtrihprint = _shtrihprint_replies()

    def massak_decode(request: bytes, answer: bytes) -> Any:
        return mkc.check_reply(mkc.parse_request(request), mkc.parse_reply(answer))

    def cas_decode(request: bytes, answer: bytes) -> Any:
        return parse_weight_frame(answer) if request == b"\x11" else parse_price_frame(answer)

    def caslp_decode(request: bytes, answer: bytes) -> Any:
        decoder = {0x89: lpc.ScaleStatus.decode, 0x85: lpc.Totals.decode}.get(request[0])
        return decoder(answer) if decoder is not None else None

    caslp_status, caslp_totals = lpc.status(), lpc.totals()
    return {
        # ATOL
        "atol-v2-framer": Target(_framer(AtolV2Framer), atol),
        "atol-v3-framer": Target(_framer(AtolV3Framer), atol),
        "atol-v2-link": Target(_host_link(AtolV2Link, b"\x00\x00\x3f"), atol),
        "atol-v3-link": Target(_host_link(AtolV3Link, b"\x00\x00\x3f"), atol),
        "atol-v2-device": Target(_device("atol", "v2"), atol),
        "atol-v3-device": Target(_device("atol", "v3"), atol),
        "atol-personality": Target(_atol_personality, atol),
        "fn-frame": Target(_framer(FrameDecoder), seeds("fn/frames.json")),
        # Shtrih-M
        "shtrih-framer": Target(_framer(ShtrihFramer), shtrih),
        "shtrih-link": Target(_host_link(ShtrihLink, *_shtrih_requests()), shtrih),
        "shtrih-device": Target(_device("shtrih", "default", fiscal=True), shtrih, restart=20_000),
        "shtrih-personality": Target(_shtrih_personality, shtrih, restart=10_000),
        "shtrih-answers": Target(_answers(_kkt_target("shtrih", ""), lambda r, a, d: _garble(r, a, d, _shtrih_keep(a))),
                                 shtrih, full=20_000, restart=5_000),
        # Меркурий, MS-K
        "msk-framer": Target(_framer(MskFramer), msk),
        "msk-link": Target(_host_link(MskLink, *_msk_requests()), msk),
        "msk-device": Target(_device("mercury", "msk", fiscal=True), msk, restart=20_000),
        "msk-personality": Target(_msk_personality, msk, restart=10_000),
        "msk-answers": Target(_answers(_kkt_target("mercury", "protocol=msk"), _garble_msk),
                              msk, full=20_000, restart=5_000),
        # Меркурий through the driver service: 4-byte length + JSON over TCP, and whole bodies over HTTP
        "json-tcp-framer": Target(_resetting_framer(lambda: JsonTcpFramer(max_length=65_536)),
                                  json_requests + _prefixed(json_answers)),
        "json-link-tcp": Target(_host_link(lambda: JsonLink("tcp", max_length=65_536), *_json_requests()),
                                _prefixed(json_answers)),
        "json-link-http": Target(_host_link(lambda: JsonLink("message"), *_json_requests()), json_answers),
        "json-device": Target(_device("mercury", "json", fiscal=True, stuck_after=8), json_requests, restart=20_000),
        "json-personality": Target(_json_personality, json_texts(), restart=10_000),
        "json-answers": Target(_answers(_kkt_target("mercury", "protocol=json"), _garble_json), json_answers,
                               full=20_000, restart=5_000),
        # Massa-K
        "massak-framer": Target(_framer(MassaKFramer), massak),
        "massak-decoder": Target(_framer(MassaKDeviceDecoder), massak),
        "massak-link": Target(_host_link(MassaKLink, *[Request(bytes((code,)) + extra, massak_decode)
                                                       for code, extra in ((mkc.Cmd.GET_MASSA, b""),
                                                                           (mkc.Cmd.GET_WEIGHT, b""),
                                                                           (mkc.Cmd.GET_SCALE_PAR, b""),
                                                                           (mkc.Cmd.SET_ZERO, b""),
                                                                           (mkc.Cmd.SET_TARE, b"\x64\x00\x00\x00"))]),
                              massak),
        "massak-device": Target(_device("massak", "default"), massak),
        "massak-personality": Target(_scale_personality("massak", [int(c) for c in mkc.Cmd] + [0x00, 0xFF],
                                                        accepts=_massak_accepts), massak),
        "massak-answers": Target(_answers(_scale_target("massak", _MASSAK_OPS), lambda r, a, d: _garble(r, a, d, 1)),
                                 massak, full=30_000),
        # CAS
        "cas-framer": Target(_framer(CasFramer), cas),
        "cas-decoder": Target(_framer(CasDeviceDecoder), cas),
        "cas-link": Target(_host_link(CasLink, Request(b"\x11", cas_decode), Request(b"\x12", cas_decode)), cas),
        "cas-device": Target(_device("cas", "default"), cas),
        "cas-personality": Target(_scale_personality("cas", [0x11, 0x12], accepts=lambda m: len(m) == 1), cas),
        "cas-answers": Target(_answers(_scale_target("cas", _CAS_OPS), _cas_refix), cas, full=30_000),
        # CAS LP (label scale with a goods base)
        "caslp-decoder": Target(_framer(CasLpDeviceDecoder), caslp),
        "caslp-link": Target(_host_link(CasLpLink, Request(caslp_status, caslp_decode),
                                        Request(caslp_totals, caslp_decode), Request(b"\x81\x05\x00\x00\x00")), caslp),
        "caslp-device": Target(_device("caslp", "default"), caslp),
        "caslp-personality": Target(_scale_personality("caslp", [*lpc.REQUEST_SIZES, 0x7F, 0xFF],
                                                       dict(lpc.REQUEST_SIZES), accepts=_caslp_accepts), caslp),
        "caslp-answers": Target(_answers(_scale_target("caslp", _CASLP_OPS), lambda r, a, d: _garble(r, a[:-1], d, 0)
                                         + a[-1:]), caslp, full=30_000),
        # Штрих-Принт (driver only): RS-232 framer, the UDP link and the driver over fuzz datagrams
        "shtrihprint-serial": Target(_framer(ShtrihPrintSerialFramer), seeds("shtrihprint.json")),
        "shtrihprint-udp-link": Target(_shtrihprint_link(), shtrihprint),
        "shtrihprint-driver": Target(_shtrihprint_driver, shtrihprint, full=30_000),
    }


def fuzz(name: str, target: Target, frames: int, seed: int) -> dict[str, int]:
    rng = random.Random(f"{seed}:{name}")
    feed = target.make()
    typed_errors = 0
    slowest = 0.0
    tracemalloc.start()
    baseline = 0
    # what the targets log (a Massa-K request with a wrong CRC is served and logged, as real scales do) would be
    # kept by pytest's log capture for the test report and counted here as the target's growth: not logged
    logging.disable(logging.CRITICAL)
    try:
        closed: list[int] = []  # memory right after each restart's close
        for n in range(frames):
            if n and n % target.restart == 0:
                if isinstance(feed, Fed):
                    feed.close()
                    gc.collect()
                    closed.append(tracemalloc.get_traced_memory()[0])
                feed = target.make()  # a fresh target now and then, as a reconnecting client would make
            data = mutate(rng, target.pool)
            cut = rng.randrange(len(data) + 1)
            for part in (data[:cut], data[cut:]):
                started = time.perf_counter()
                try:
                    feed(part)
                except KktError:
                    typed_errors += 1
                slowest = max(slowest, time.perf_counter() - started)
            if n == frames // 10:
                baseline = tracemalloc.get_traced_memory()[0]
        current = tracemalloc.get_traced_memory()[0]
        if len(closed) >= 2:
            # a target that makes documents keeps them (the emulated ФН's archive, the register's sales journal):
            # that is its state, gone when it closes; what must not grow is what stays after each close
            baseline, current = closed[0], closed[-1]
    finally:
        logging.disable(logging.NOTSET)
        tracemalloc.stop()
        if isinstance(feed, Fed):
            feed.close()
    return {"frames": frames, "typed_errors": typed_errors, "growth_bytes": max(0, current - baseline),
            "slowest_feed_ms": round(slowest * 1000)}


@pytest.mark.parametrize("name", list(targets()))
def test_fuzz_target(name: str, scale: Scale) -> None:
    target = targets()[name]
    frames = scale.size(SAMPLE_FRAMES, target.full)
    started = time.monotonic()
    result = fuzz(name, target, frames, scale.seed)
    report(f"fuzz {name}", {**result, "seconds": round(time.monotonic() - started, 1)})
    assert result["growth_bytes"] < 2_000_000, result  # no growth beyond a small, bounded cache
    assert result["slowest_feed_ms"] < HANG_SECONDS * 1000, result


def test_full_run_reaches_a_million_frames() -> None:
    """The targets' full sizes add up to the issue's 1,000,000 fuzzed frames."""
    assert sum(t.full for t in targets().values()) >= 1_000_000
