"""A third-party Shtrih driver from PyPI drives the emulated register over a pseudo-terminal, unchanged.

pyshtrih 2.0.6 (github.com/oleg-golovanov/pyshtrih, MIT) opens the pty with plain ``serial.Serial``, probes it
with ENQ, asks for the device type (FCh) and then speaks the classic commands of the ЭКЛЗ era (10h, E0h, 80h,
82h, 85h, 40h, 41h) and its ФН commands (FF01h, FF03h, FF0Ah, FF39h, FF40h…) — byte for byte what it sends to a
real ШТРИХ-М-01Ф. Every answer is checked on pyshtrih's side (its parsed ``params``) and in the virtual ФН.

pyshtrih cannot register a register, so the tests register it through our own driver first (a second
connection to the same pty, closed before pyshtrih opens the port).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from kkt_emu.attach.pty import PtyAttachment
from kkt_emu.personalities import create_device
from samples import REGISTRATION

from kkt_drivers.ffd import decode_document
from kkt_drivers.kkt import Kkt

pyshtrih = pytest.importorskip("pyshtrih", reason="pip install pyshtrih (the test extra)")

BAUD = 115200


@pytest.fixture
def served() -> Iterator[tuple[Any, str]]:
    """A registered emulated ШТРИХ-М-01Ф on a pty: (device, pty path)."""
    device = create_device("shtrih")
    attachment = PtyAttachment(device, "default").start()
    try:
        with Kkt.open(f"shtrih://{attachment.path}") as kkt:
            kkt.register(REGISTRATION)
        yield device, attachment.path
    finally:
        attachment.stop()
        device.close()


@pytest.fixture
def register(served: tuple[Any, str]) -> Iterator[Any]:
    """pyshtrih's own class for the model, picked by its discovery from the FCh name."""
    _, path = served
    found = pyshtrih.discovery(port=path, baudrate=BAUD)
    assert len(found) == 1 and type(found[0]).__name__ == "ShtrihM01F"
    dev = found[0]
    dev.connect()
    try:
        yield dev
    finally:
        dev.disconnect()


def _documents(device: Any) -> list[dict[int, Any]]:
    core = device.fiscal
    last = core.status().last_fd_number
    return [{f.info.tag: f.value for f in decode_document(core.document(n).tlv).fields} | {0: core.document(n)}
            for n in range(1, last + 1)]


def test_pyshtrih_drives_a_whole_shift(served: tuple[Any, str], register: Any) -> None:
    device, _ = served
    dev = register
    model = dev.model()
    assert model.params["Название устройства"] == "ШТРИХ-М-01Ф" and model.params["Модель устройства"] == 250

    state = dev.state()
    assert state.params["Режим ФР"].num == 4  # shift closed
    dev.open_shift()
    assert dev.state().params["Режим ФР"].num == 2  # shift open, under 24 hours

    # a sale of two positions (quantities ×1000, tax 1 = row 1 of table 6, НДС 20 %), paid cash + card
    dev.sale(("Хлеб бородинский", 2000, 4550), tax1=1)
    status = dev.state()
    assert status.params["Режим ФР"].num == 8 and status.params["Режим ФР"].status == 0  # receipt open: sale
    # one operation: the low byte after the submode (vendor protocol, JavaPOS); pyshtrih joins the two bytes the
    # other way round (a known pyshtrih bug, protocol-notes/shtrih), so it reads 1 as 256
    assert status.params["Количество операций в чеке"] == 0x0100
    dev.sale(("Молоко 3,2%", 1000, 8990), tax1=2)
    closed = dev.close_check(cash=10000, payment_type2=8090)
    assert closed.params["Сдача"] == 0  # 9100 + 8990 = 18090 = 10000 + 8090

    # change is given from cash
    dev.sale(("Пакет", 1000, 500), tax1=4)
    assert dev.close_check(cash=1000).params["Сдача"] == 500

    # a sale return (82h opens a return receipt by itself)
    dev.return_sale(("Хлеб бородинский", 1000, 4550), tax1=1)
    assert dev.state().params["Режим ФР"].status == 2  # receipt open: sale return
    dev.close_check(cash=4550)

    dev.x_report()
    fs = dev.fs_state()
    assert fs.params["Номер последнего ФД"] == 5  # registration, shift open, three receipts
    found = dev.fs_find_document_by_num(3)
    assert found.params["Тип фискального документа"] == 3
    assert dev.fs_shift_params().params["Номер чека"] == 3

    dev.z_report()
    assert dev.state().params["Режим ФР"].num == 4

    docs = _documents(device)
    assert [d[0].document_type for d in docs] == [1, 2, 3, 3, 3, 5]
    sale, bag, refund = docs[2], docs[3], docs[4]
    assert (sale[1054], sale[1020], sale[1031], sale[1081]) == (1, 18090, 10000, 8090)
    sale_items = [dict((c.info.tag, c.value) for c in f.value) for f in decode_document(
        device.fiscal.document(3).tlv).fields if f.info.tag == 1059]
    assert [(i[1030], i[1043], i[1199]) for i in sale_items] == [("Хлеб бородинский", 9100, 1),
                                                                 ("Молоко 3,2%", 8990, 2)]
    assert (bag[1020], bag[1031]) == (500, 500)  # the ФН keeps the cash net of change
    assert (refund[1054], refund[1020]) == (2, 4550)
    assert docs[5][1038] == 1  # the Z-report closed shift 1
    assert device.personality.drawer == 10000 + 500 - 4550


def test_pyshtrih_sees_shtrih_errors(served: tuple[Any, str], register: Any) -> None:
    """Refusals reach pyshtrih as Shtrih error codes it knows (its ФН-era table)."""
    dev = register
    with pytest.raises(pyshtrih.Error) as caught:  # no shift yet: 3Dh «Смена не открыта – операция невозможна»
        dev.sale(("Хлеб", 1000, 4550), tax1=1)
    assert caught.value.code == 0x3D
    dev.admin_password = 12345
    with pytest.raises(pyshtrih.Error) as caught:  # 4Fh «Неверный пароль»
        dev.x_report()
    assert caught.value.code == 0x4F
    dev.admin_password = 30
    dev.open_shift()
    with pytest.raises(pyshtrih.Error) as caught:  # 3Ch «Смена открыта – операция невозможна»
        dev.open_shift()
    assert caught.value.code == 0x3C
    dev.password = 2  # cashier 2 may not touch cashier 1's receipt: 59h «Документ открыт другим оператором»
    dev.sale(("Хлеб", 1000, 4550), tax1=1)
    dev.password = 1
    with pytest.raises(pyshtrih.Error) as caught:
        dev.sale(("Хлеб", 1000, 4550), tax1=1)
    assert caught.value.code == 0x59
    dev.password = 2
    dev.cancel_check()
    dev.password = 1
    dev.sale(("Хлеб", 1000, 4550), tax1=1)
    dev.cancel_check()  # 88h
    assert dev.state().params["Режим ФР"].num == 2
    dev.z_report()


def test_pyshtrih_reads_and_writes_tables(served: tuple[Any, str], register: Any) -> None:
    dev = register
    assert dev.read_table(2, 30, 2, str).params["Значение"] == "СИСТ. АДМИН."
    assert dev.read_table(2, 1, 1, int).params["Значение"] == 1
    dev.write_table(19, 1, 1, "ofd.example.ru", str)
    dev.write_table(19, 1, 2, 21101, int)
    assert dev.read_table(19, 1, 1, str).params["Значение"] == "ofd.example.ru"
    assert dev.read_table(19, 1, 2, int).params["Значение"] == 21101
    structure = dev.request_table_structure(6).params
    assert structure["Количество рядов"] == 12 and structure["Название таблицы"] == "Налоговые ставки"
    assert dev.read_table(6, 11, 2, str).params["Значение"] == "НДС 22%"
