"""The durable ФН archive (SQLite, WAL, on disk): cost of one append and one lookup, small vs large.

Two groups, each with one row per archive size (1,000 and 100,000 documents; 1,000 and 5,000 in a
``--benchmark-disable`` smoke run, so the normal test run stays fast):

``archive-append`` — ``test_archive_append[<N>docs]``
    one ``FiscalCore.receipt()`` (3–10 items, cash + card) into an archive that already holds N
    documents: checks, TLV forming, signing, and one transaction with the new row, the OFD
    confirmation of the previous one and the state — with the emulator's default
    ``synchronous=FULL``, i.e. an fsync per document. Each round adds a document, so the archive
    grows by the number of rounds during the measurement (``extra_info``: ``documents`` before,
    ``documents_after``).

``archive-lookup`` — ``test_archive_lookup[<N>docs]``
    ``FiscalCore.document(n)`` of a random existing number (uniform over 1..N, fixed seed).

Compare the two rows of a group from one run: ``median(N = 100,000) / median(N = 1,000)``.

How the archives are built (once per session, cached under ``tmp_path_factory``)
    ``fill_memory`` only moves a counter (``FnState.phantom``) — it writes no rows — so it cannot
    be used. And forming 100,000 receipts one by one through ``FiscalCore.receipt()`` takes about a
    millisecond each (TLV encoding in Python), over a minute and a half. So:

    1. the first 1,000 documents are real: ``register``, ``open_shift`` and 998 receipts formed by
       ``FiscalCore.receipt()`` into the file (``synchronous=NORMAL`` while building);
    2. larger archives copy that file and append the rest in bulk through the archive module's own
       write path, ``Archive.commit(state_json, new=rows)`` (one ``executemany`` transaction per
       10,000 rows), together with the matching state: each new row is a byte copy of one of the
       real receipts with its FD number (1040), receipt number (1042) and date/time (1012) set to
       the new values and the fiscal sign (1077) recomputed — so every document is well-formed,
       numbered without gaps, ``FiscalCore.verify()`` accepts it, and ``FiscalCore`` reopens the
       file without complaint. Only the shift/ФН totals in the state do not include the copies.

    Each append test works on its own copy of the cached file; lookups read the cached file.
"""

from __future__ import annotations

import itertools
import random
import shutil
import struct
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest
from kkt_emu.core.clock import DeviceClock
from kkt_emu.core.fiscal import FiscalCore, FnConfig, ItemData, ReceiptData, Registration, compute_sign, make_rnm
from kkt_emu.core.fiscal.archive import Archive, DocumentRow
from kkt_emu.core.fiscal.state import state_from_json, state_to_json
from pytest_benchmark.fixture import BenchmarkFixture

from kkt_drivers.ffd import fiscal_sign_bytes

SIZES = (1_000, 100_000)
SMOKE_SIZES = (1_000, 5_000)
REAL_DOCUMENTS = 1_000  # documents formed one by one by FiscalCore; the rest are bulk copies
BATCH = 10_000
CASHIER = "Иванов И.И."
INN = "7702203276"
SERIAL = "00000000000000012345"

REGISTRATION = Registration(user_name='ООО "Ромашка"', inn=INN, rnm=make_rnm(INN, SERIAL, 1), kkt_serial=SERIAL,
                            address="г. Москва, ул. Тверская, д. 1", place="Магазин №1", taxation=0b000011,
                            ofd_inn="7704358518", ofd_name='ООО "Такском"')


def benchmarks_disabled(config: pytest.Config) -> bool:
    """The same test pytest-benchmark makes: ``--benchmark-disable`` unless ``--benchmark-enable``."""
    return bool(config.getoption("benchmark_disable")) and not config.getoption("benchmark_enable")


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "documents" in metafunc.fixturenames:
        sizes = SMOKE_SIZES if benchmarks_disabled(metafunc.config) else SIZES
        metafunc.parametrize("documents", sizes, ids=[f"{n}docs" for n in sizes])


# -- realistic receipts ----------------------------------------------------------------------------

_GOODS = ("Хлеб бородинский", "Молоко 3,2% 1 л", "Сыр российский 200 г", "Масло сливочное 82%",
          "Яйца С1, 10 шт.", "Кофе молотый 250 г", "Чай чёрный 100 пак.", "Сахар-песок 1 кг",
          "Яблоки Гренни Смит", "Гречка ядрица 900 г", "Вода питьевая 1,5 л", "Шоколад тёмный 90 г")


def make_receipts(count: int, seed: int = 54) -> list[ReceiptData]:
    """``count`` sales of 3–10 items (VAT 20 % or 10 %, fractional quantities too), cash + card."""
    rng = random.Random(seed)
    receipts = []
    for _ in range(count):
        items = []
        for name in rng.sample(_GOODS, rng.randint(3, 10)):
            price = rng.randrange(3_990, 129_990, 10)
            quantity = rng.choice((1000, 1000, 2000, 3000, 1500, 350))
            amount = (price * quantity + 500) // 1000
            items.append(ItemData(name, price, quantity, amount, rng.choice((1, 1, 2))))
        total = sum(item.amount for item in items)
        card = rng.randrange(0, total + 1)
        receipts.append(ReceiptData(operation=1, items=tuple(items), cash=total - card, electronic=card, prepaid=0,
                                    credit=0, other=0, total=total, taxation=1, cashier=CASHIER))
    return receipts


RECEIPTS = make_receipts(64)


# -- building archives -----------------------------------------------------------------------------

_HEADER = struct.Struct("<HH")
_UINT32 = struct.Struct("<I")


def _offsets(tlv: bytes) -> dict[int, tuple[int, int]]:
    """``tag -> (value offset, length)`` of the top-level requisites of a document STLV."""
    found: dict[int, tuple[int, int]] = {}
    pos = _HEADER.size
    while pos < len(tlv):
        tag, length = _HEADER.unpack_from(tlv, pos)
        found.setdefault(tag, (pos + _HEADER.size, length))
        pos += _HEADER.size + length
    return found


class Cloner:
    """Re-issues a real receipt row under a new FD number, receipt number and date/time, re-signed."""

    def __init__(self, template: DocumentRow, when_from: DocumentRow, key: bytes, fn_number: str) -> None:
        self.tlv = template.tlv
        self.key, self.fn_number = key, fn_number
        self.when = when_from.datetime
        spots = _offsets(template.tlv)
        when_spot = _offsets(when_from.tlv)[1012]
        self.when_bytes = when_from.tlv[when_spot[0]:when_spot[0] + when_spot[1]]
        self.fd, fd_len = spots[1040]
        self.receipt, receipt_len = spots[1042]
        self.time, time_len = spots[1012]
        self.sign, sign_len = spots[1077]
        assert (fd_len, receipt_len, time_len, sign_len) == (4, 4, len(self.when_bytes), 6), spots
        assert self.sign + sign_len == len(template.tlv), "1077 must be the last requisite"
        assert _UINT32.unpack_from(template.tlv, self.fd)[0] == template.number
        assert _UINT32.unpack_from(template.tlv, self.receipt)[0] == template.receipt_number

    def row(self, number: int, receipt_number: int, shift: int) -> DocumentRow:
        buf = bytearray(self.tlv)
        _UINT32.pack_into(buf, self.fd, number)
        _UINT32.pack_into(buf, self.receipt, receipt_number)
        buf[self.time:self.time + len(self.when_bytes)] = self.when_bytes
        sign = compute_sign(self.key, self.fn_number, number, self.when, bytes(buf[_HEADER.size:self.sign - 4]))
        buf[self.sign:] = fiscal_sign_bytes(sign)
        return DocumentRow(number, 3, self.when, shift, receipt_number, sign, bytes(buf), True, self.when)


def build_real(path: Path, documents: int) -> None:
    """Registration, shift opening and receipts, each formed by ``FiscalCore``, up to ``documents``."""
    with FiscalCore(DeviceClock(), FnConfig(), archive_path=path, synchronous="NORMAL") as core:
        core.register(REGISTRATION, CASHIER)
        core.open_shift(CASHIER)
        for receipt in itertools.islice(itertools.cycle(RECEIPTS), documents - 2):
            core.receipt(receipt)
        core.ofd_tick()  # the simulated OFD confirms the last one too: opening the file changes nothing
        assert core.status().last_fd_number == documents


def extend(path: Path, documents: int) -> None:
    """Append copies of the file's real receipts (see the module docstring) until it holds ``documents``."""
    archive = Archive(path, synchronous="NORMAL")
    try:
        text = archive.load_state()
        assert text is not None
        state = state_from_json(text)
        receipts = [row for row in map(archive.document, range(1, state.last_fd + 1))
                    if row is not None and row.type == 3]
        newest = receipts[-1]
        cloners = [Cloner(row, newest, state.sign_key, state.fn_number) for row in receipts]
        number, receipt_number = state.last_fd, state.receipt_number
        while number < documents:
            rows = []
            for cloner in itertools.islice(itertools.cycle(cloners), min(BATCH, documents - number)):
                number += 1
                receipt_number += 1
                rows.append(cloner.row(number, receipt_number, state.shift_number))
            state = replace(state, last_fd=number, receipt_number=receipt_number,
                            shift_fd_count=state.shift_fd_count + len(rows), last_doc_time=newest.datetime)
            archive.commit(state_to_json(state), new=rows)
    finally:
        archive.close()


class ArchiveCache:
    """Pristine archives by size, built on first use and kept for the session."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.paths: dict[int, Path] = {}

    def path(self, documents: int) -> Path:
        if documents not in self.paths:
            target = self.root / f"fn-{documents}.sqlite"
            if documents <= REAL_DOCUMENTS:
                build_real(target, documents)
            else:
                shutil.copyfile(self.path(REAL_DOCUMENTS), target)
                extend(target, documents)
            assert not Path(f"{target}-wal").exists(), "the archive was not checkpointed on close"
            with FiscalCore(DeviceClock(), archive_path=target) as core:  # reopens consistently
                last = core.last_document()
                assert last.number == documents and core.verify(last), last
                assert core.ofd_status().unsent_count == 0
            self.paths[documents] = target
        return self.paths[documents]


@pytest.fixture(scope="session")
def archives(tmp_path_factory: pytest.TempPathFactory) -> ArchiveCache:
    return ArchiveCache(tmp_path_factory.mktemp("fn-archives"))


# -- the benchmarks --------------------------------------------------------------------------------


@pytest.mark.benchmark(group="archive-append")
def test_archive_append(benchmark: BenchmarkFixture, archives: ArchiveCache, tmp_path: Path, documents: int) -> None:
    path = tmp_path / "fn.sqlite"
    shutil.copyfile(archives.path(documents), path)
    receipts = itertools.cycle(RECEIPTS)
    with FiscalCore(DeviceClock(), archive_path=path) as core:  # the emulator's default: synchronous=FULL
        assert core.status().last_fd_number == documents
        result = benchmark(lambda: core.receipt(next(receipts)))
        after = core.status().last_fd_number
        benchmark.extra_info.update(documents=documents, documents_after=after, synchronous="FULL",
                                    file_bytes=path.stat().st_size)
        assert result.number == after > documents and result.document_type == 3 and core.verify(result)


@pytest.mark.benchmark(group="archive-lookup")
def test_archive_lookup(benchmark: BenchmarkFixture, archives: ArchiveCache, documents: int) -> None:
    path = archives.path(documents)
    rng = random.Random(documents)
    numbers: Iterator[int] = itertools.cycle([rng.randint(1, documents) for _ in range(4096)])
    with FiscalCore(DeviceClock(), archive_path=path) as core:
        doc = benchmark(lambda: core.document(next(numbers)))
        assert 1 <= doc.number <= documents and core.verify(doc)
        assert core.status().last_fd_number == documents  # read only: the cached archive is unchanged
    benchmark.extra_info.update(documents=documents, file_bytes=path.stat().st_size)
