"""The emulator's paper tape: fiscal documents built with the FFD encoder, rendered as printed text."""

from __future__ import annotations

import io
from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from kkt_emu.core.tape import (
    MIN_WIDTH,
    STANDARD_WIDTHS,
    Tape,
    check_width,
    format_money,
    format_quantity,
    render_document,
    render_report,
)

from kkt_drivers.ffd import (
    DocumentType,
    FfdDecodeError,
    Tlv,
    build_qr,
    decode_document,
    encode_tlv,
    fiscal_sign_bytes,
    qr_from_document,
)

WIDTHS = (MIN_WIDTH, *STANDARD_WIDTHS)
WHEN = datetime(2024, 2, 1, 12, 34, 56)
FP = 2853205313
FN = "9999078900005488"
RNM = "0000000005008570"
LONG_NAME = (
    "Молоко пастеризованное 3,2% жирности в стеклянной бутылке 0,93 л, производитель "
    'ОАО "Очень длинное название молочного комбината"'
)
LONG_WORD = "СуперДлинноеНаименованиеБезПробеловКотороеНеВлезаетНиВОднуСтроку"
LONG_EMAIL = "very.long.buyer.address.for.testing@example-domain-name.ru"
UNKNOWN = Tlv(9999, b"\xab\xcd\x01")


# --- document builders (kkt_drivers.ffd has encode_tlv, which takes the document code as the tag) ----


def encode_doc(doc_type: DocumentType, fields: Sequence[Tlv], ffd: str = "1.05") -> bytes:
    """A whole document STLV: ``encode_tlv`` with the document type code as the outer tag."""
    return encode_tlv(int(doc_type), list(fields), ffd)


def header() -> list[Tlv]:
    return [
        Tlv(1048, 'ООО "Ромашка и партнёры"'),
        Tlv(1009, "125009, г. Москва, ул. Тверская, д. 7, стр. 1, помещение 2"),
        Tlv(1187, "Магазин №1"),
        Tlv(1018, "7702203276"),
    ]


def fn_formed(fd: int = 12, shift: int | None = 3) -> list[Tlv]:
    """Requisites the ФН forms: date, РН ККТ, ФН number, ФД number, ФП (and the shift number)."""
    fields = [
        Tlv(1012, WHEN),
        Tlv(1037, RNM),
        Tlv(1041, FN),
        Tlv(1040, fd),
        Tlv(1077, fiscal_sign_bytes(FP)),
    ]
    if shift is not None:
        fields.append(Tlv(1038, shift))
    return fields


def item(name: str, price: int, quantity: Decimal, amount: int, *, vat: int = 1, vat_sum: int | None = None,
         method: int = 4, subject: int = 1, extra: Sequence[Tlv] = ()) -> Tlv:
    children = [Tlv(1030, name), Tlv(1079, price), Tlv(1023, quantity), Tlv(1043, amount), Tlv(1199, vat)]
    if vat_sum is not None:
        children.append(Tlv(1200, vat_sum))
    children += [Tlv(1214, method), Tlv(1212, subject), *extra]
    return Tlv(1059, tuple(children))


ITEMS = [
    item("Хлеб бородинский", 5000, Decimal("2"), 10000, vat=2, vat_sum=909),
    item(LONG_NAME, 9990, Decimal("1.000"), 9990, vat_sum=1665),
    item("Сыр", 80000, Decimal("0.25"), 20000, vat=6, method=1, subject=4),
    item(LONG_WORD, 1, Decimal("1"), 1, vat=5, subject=13),
]
TOTAL = 10000 + 9990 + 20000 + 1


def receipt(operation: int = 1, *, buyer: str = LONG_EMAIL, extra: Sequence[Tlv] = (),
            when: datetime = WHEN) -> bytes:
    fields = [
        *header(),
        Tlv(1054, operation),
        Tlv(1055, 2),
        Tlv(1021, "Иванова Мария Ивановна"),
        *ITEMS,
        Tlv(1020, TOTAL),
        Tlv(1031, 10000),
        Tlv(1081, 9991),
        Tlv(1215, 5000),
        Tlv(1216, 3000),
        Tlv(1217, 2000),
        Tlv(1102, 1665),
        Tlv(1103, 909),
        Tlv(1104, 1),
        Tlv(1105, 20000),
        Tlv(1008, buyer),
        Tlv(1117, "noreply-receipts@romashka-and-partners.example.ru"),
        Tlv(1060, "www.nalog.gov.ru"),
        Tlv(1042, 5),
        Tlv(1209, 2),
        *fn_formed(),
        UNKNOWN,
        *extra,
    ]
    fields = [Tlv(1012, when) if f.tag == 1012 else f for f in fields]
    return encode_doc(DocumentType.RECEIPT, fields)


# --- helpers reading the tape --------------------------------------------------------------------


def lines_of(text: str) -> list[str]:
    assert text.endswith("\n")
    return text[:-1].split("\n")


def assert_fits(text: str, width: int) -> None:
    lines = lines_of(text)
    too_long = [line for line in lines if len(line) > width]
    assert not too_long, too_long
    assert lines[-1] == "~" * width
    assert all("\t" not in line and "\r" not in line for line in lines)


def flat(text: str) -> str:
    """All printed characters with layout removed (spaces, line breaks) — for finding wrapped data."""
    return "".join(text.split())


def squash(value: str) -> str:
    return "".join(value.split())


def line_with(text: str, start: str) -> str:
    found = [line for line in lines_of(text) if line.startswith(start)]
    assert found, f"no line starts with {start!r}"
    return found[0]


def value_after(text: str, label: str) -> str:
    """The right-hand value of a label/value line."""
    line = line_with(text, label)
    return line[len(label):].strip()


def qr_of(text: str) -> str:
    lines = lines_of(text)
    start = next(i for i, line in enumerate(lines) if line.startswith("QR: "))
    end = len(lines) - 1  # the cut marker follows the QR lines
    joined = "".join(lines[start:end])
    return joined[len("QR: "):]


# --- receipts ------------------------------------------------------------------------------------


@pytest.mark.parametrize("width", WIDTHS)
def test_receipt_fits_and_carries_every_requisite(width: int) -> None:
    text = render_document(receipt(), width)
    assert_fits(text, width)
    printed = flat(text)
    for tlv in ITEMS:
        name = next(child.value for child in tlv.children if child.tag == 1030)
        assert isinstance(name, str)
        assert squash(name) in printed
    address = "125009,г.Москва,ул.Тверская,д.7,стр.1,помещение2"
    for expected in ('ООО"Ромашкаипартнёры"', address, "Магазин№1", "ИНН7702203276", "КАССОВЫЙЧЕК", "ПРИХОД",
                     "КАССИРИвановаМарияИвановна", squash(LONG_EMAIL),
                     "noreply-receipts@romashka-and-partners.example.ru", "www.nalog.gov.ru"):
        assert expected in printed, expected
    assert "ЭЛ. АДР. ПОКУПАТЕЛЯ" in text
    assert "ЭЛ. АДР. ОТПРАВИТЕЛЯ" in text


def test_receipt_lines_at_48() -> None:
    text = render_document(receipt(), 48)
    lines = lines_of(text)
    assert "-" * 48 in lines
    assert lines[-1] == "~" * 48
    assert value_after(text, "ИТОГ") == "=" + format_money(TOTAL) == "=399.91"
    assert value_after(text, "НАЛИЧНЫМИ") == "=100.00"
    assert value_after(text, "БЕЗНАЛИЧНЫМИ") == "=99.91"
    assert value_after(text, "ПРЕДВАРИТЕЛЬНАЯ ОПЛАТА (АВАНС)") == "=50.00"
    assert value_after(text, "ПОСЛЕДУЮЩАЯ ОПЛАТА (КРЕДИТ)") == "=30.00"
    assert value_after(text, "ИНОЙ ФОРМОЙ ОПЛАТЫ") == "=20.00"
    assert value_after(text, "СУММА НДС 20%") == "=16.65"
    assert value_after(text, "СУММА НДС 10%") == "=9.09"
    assert value_after(text, "СУММА С НДС 0%") == "=0.01"
    assert value_after(text, "СУММА БЕЗ НДС") == "=200.00"
    assert value_after(text, "СНО") == "УСН доход"
    assert value_after(text, "КАССИР") == "Иванова Мария Ивановна"
    assert value_after(text, "САЙТ ФНС") == "www.nalog.gov.ru"
    assert value_after(text, "СМЕНА") == "3"
    assert value_after(text, "ЧЕК") == "5"
    assert value_after(text, "ДАТА ВРЕМЯ") == "01.02.24 12:34"
    assert value_after(text, "РН ККТ") == RNM
    assert value_after(text, "ФН") == FN
    assert value_after(text, "ФД") == "12"
    assert value_after(text, "ФП") == str(FP)
    assert lines[0].strip() == 'ООО "Ромашка и партнёры"'
    title = next(i for i, line in enumerate(lines) if line.strip() == "КАССОВЫЙ ЧЕК")
    assert lines[title - 1] == "-" * 48
    assert lines[title + 1].strip() == "ПРИХОД"


def test_items_are_printed_as_registers_print_them() -> None:
    text = render_document(receipt(), 57)
    lines = lines_of(text)
    bread = lines.index(line_with(text, "1. Хлеб бородинский"))
    assert lines[bread + 1].startswith("2 x 50.00") and lines[bread + 1].endswith("=100.00")
    assert lines[bread + 2].startswith("НДС 10%") and lines[bread + 2].endswith("=9.09")
    assert lines[bread + 3].startswith("ПОЛНЫЙ РАСЧЕТ") and lines[bread + 3].endswith("ТОВАР")
    assert line_with(text, "1.000 x 99.90").endswith("=99.90")
    cheese = lines.index(line_with(text, "3. Сыр"))
    assert lines[cheese + 1].startswith("0.25 x 800.00") and lines[cheese + 1].endswith("=200.00")
    assert lines[cheese + 2] == "БЕЗ НДС"
    assert lines[cheese + 3].startswith("ПРЕДОПЛАТА 100%") and lines[cheese + 3].endswith("УСЛУГА")
    assert "НДС 0%" in lines
    assert "ИНОЙ ПРЕДМЕТ РАСЧЕТА" in text
    assert line_with(text, "1 x 0.01").endswith("=0.01")


@pytest.mark.parametrize("width", WIDTHS)
def test_qr_line_rejoins_to_the_qr_string(width: int) -> None:
    data = receipt()
    text = render_document(data, width)
    expected = qr_from_document(decode_document(data)).to_string()
    assert expected == build_qr(WHEN, TOTAL, FN, 12, FP, 1)
    assert qr_of(text) == expected
    qr_lines = [line for line in lines_of(text) if line.startswith(("QR: ", "&"))]
    assert len(qr_lines) >= 1 + (len("QR: " + expected) > width)


@pytest.mark.parametrize(
    ("operation", "name"), [(1, "ПРИХОД"), (2, "ВОЗВРАТ ПРИХОДА"), (3, "РАСХОД"), (4, "ВОЗВРАТ РАСХОДА")]
)
def test_operation_name_and_qr_n(operation: int, name: str) -> None:
    text = render_document(receipt(operation), 32)
    lines = [line.strip() for line in lines_of(text)]
    title = lines.index("КАССОВЫЙ ЧЕК")
    assert lines[title + 1] == name
    assert qr_of(text).endswith(f"&n={operation}")


def test_buyer_phone_label() -> None:
    text = render_document(receipt(buyer="+79161234567"), 32)
    assert value_after(text, "ТЕЛ. ПОКУПАТЕЛЯ") == "+79161234567"
    assert "ЭЛ. АДР. ПОКУПАТЕЛЯ" not in text


def test_unknown_tags_are_printed_not_lost() -> None:
    extra = [Tlv(1192, "доп. реквизит"), Tlv(1059, (Tlv(1030, "Агентский товар"), Tlv(1079, 100), Tlv(1043, 100),
                                                     Tlv(1226, "7704358518"), Tlv(8888, b"\x01")))]
    for width in WIDTHS:
        text = render_document(receipt(extra=extra), width)
        assert_fits(text, width)
        assert "9999: ABCD01" in lines_of(text)
        assert "8888: 01" in [line.strip() for line in lines_of(text)]
        assert "ДОП.РЕКВИЗИТЧЕКА" in flat(text) and "доп.реквизит" in flat(text)
        assert "ИННПОСТАВЩИКА7704358518" in flat(text)


def test_vat_rates_before_2019_were_18_percent() -> None:
    text = render_document(receipt(when=datetime(2018, 6, 1, 10, 0)), 48)
    assert "НДС 18%" in text
    assert "НДС 20%" not in lines_of(text)


def test_2026_rates_and_the_vat_container_print_as_sums() -> None:
    fields = [
        *header(), Tlv(1054, 1), Tlv(1055, 1),
        item("Кофе", 26910, Decimal("3"), 80730, vat=11), item("Чай", 12200, Decimal("1"), 12200, vat=12),
        Tlv(1020, 92930), Tlv(1031, 92930), Tlv(1104, 0),
        Tlv(1115, (Tlv(1119, (Tlv(1199, 11), Tlv(1120, 14558))), Tlv(1119, (Tlv(1199, 12), Tlv(1120, 2200))))),
        Tlv(1209, 4), *fn_formed(),
    ]
    fields = [Tlv(1012, datetime(2026, 12, 2, 10, 0)) if f.tag == 1012 else f for f in fields]
    text = render_document(encode_doc(DocumentType.RECEIPT, fields, "1.2"), 48)
    assert "НДС 22%" in lines_of(text) and "НДС 22/122" in lines_of(text)  # the item lines
    assert squash(value_after(text, "СУММА НДС 22%")) == "=145.58"
    assert squash(value_after(text, "СУММА НДС 22/122")) == "=22.00"
    assert not any(line.startswith("СУММА С НДС 0%") for line in lines_of(text))  # 1104 = 0 beside 1115
    assert "СУММЫ НДС ЧЕКА" not in text  # no raw STLV dump


def test_stored_qr_requisite_is_printed_as_is() -> None:
    stored = "t=20240201T123456&s=399.91&fn=9999078900005488&i=12&fp=2853205313&n=1"
    text = render_document(receipt(extra=[Tlv(1196, stored)]), 32)
    assert qr_of(text) == stored
    assert text.count("QR: ") == 1


def test_control_characters_do_not_break_lines() -> None:
    data = encode_doc(DocumentType.RECEIPT, [
        Tlv(1054, 1), Tlv(1059, (Tlv(1030, "Товар\nс\tпереносом\x07"), Tlv(1079, 100), Tlv(1043, 100))),
        Tlv(1020, 100), Tlv(1031, 100), *fn_formed(),
    ])
    text = render_document(data, 32)
    assert "1. Товар с переносом?" in lines_of(text)


def test_receipt_without_fn_data_has_no_qr() -> None:
    data = encode_doc(DocumentType.RECEIPT, [Tlv(1054, 1), Tlv(1020, 0)])
    text = render_document(data, 32)
    assert "QR:" not in text
    assert value_after(text, "ИТОГ") == "=0.00"


# --- correction receipt ----------------------------------------------------------------------------


@pytest.mark.parametrize("width", WIDTHS)
def test_correction_receipt(width: int) -> None:
    basis = Tlv(1174, (Tlv(1177, "Предписание инспекции ФНС России № 15 по г. Москве о неприменении ККТ"),
                       Tlv(1178, datetime(2024, 1, 15)), Tlv(1179, "15-07/123456")))
    data = encode_doc(DocumentType.CORRECTION_RECEIPT, [
        *header(), Tlv(1054, 3), Tlv(1173, 1), basis, Tlv(1021, "Шеннон К."),
        Tlv(1020, 150000), Tlv(1081, 150000), Tlv(1106, 25000), Tlv(1042, 6), *fn_formed(fd=13),
    ])
    text = render_document(data, width)
    assert_fits(text, width)
    lines = [line.strip() for line in lines_of(text)]
    assert "КАССОВЫЙ ЧЕК КОРРЕКЦИИ" in lines
    assert lines[lines.index("КАССОВЫЙ ЧЕК КОРРЕКЦИИ") + 1] == "РАСХОД"
    printed = flat(text)
    assert "ТИПКОРРЕКЦИИПОПРЕДПИСАНИЮ" in printed
    assert "ОСНОВАНИЕДЛЯКОРРЕКЦИИ" in printed
    assert squash("Предписание инспекции ФНС России № 15 по г. Москве о неприменении ККТ") in printed
    assert "15.01.24" in printed and "15-07/123456" in printed
    assert "ИТОГ=1500.00" in printed and "БЕЗНАЛИЧНЫМИ=1500.00" in printed and "СУММАНДС20/120=250.00" in printed
    assert qr_of(text) == build_qr(WHEN, 150000, FN, 13, FP, 3)


def test_self_correction_type() -> None:
    data = encode_doc(DocumentType.CORRECTION_RECEIPT, [
        Tlv(1054, 1), Tlv(1173, 0), Tlv(1174, (Tlv(1179, "б/н"),)), Tlv(1020, 100), Tlv(1031, 100), *fn_formed(),
    ])
    assert value_after(render_document(data, 48), "ТИП КОРРЕКЦИИ") == "САМОСТОЯТЕЛЬНО"


# --- reports ------------------------------------------------------------------------------------


def registration_fields() -> list[Tlv]:
    return [
        *header(), Tlv(1013, "000000000002"), Tlv(1188, "2.0"), Tlv(1062, 6), Tlv(1002, 0), Tlv(1001, 0),
        Tlv(1056, 0), Tlv(1108, 0), Tlv(1109, 1), Tlv(1110, 0), Tlv(1017, "7704358518"),
        Tlv(1046, 'ООО "Такском"'), Tlv(1060, "www.nalog.gov.ru"), Tlv(1117, "example@example.com"),
        Tlv(1021, "Шеннон К."), Tlv(1189, 2), Tlv(1209, 2), *fn_formed(fd=1, shift=None),
    ]


@pytest.mark.parametrize("width", WIDTHS)
def test_registration_report(width: int) -> None:
    text = render_document(encode_doc(DocumentType.REGISTRATION, registration_fields()), width)
    assert_fits(text, width)
    printed = flat(text)
    assert "ОТЧЕТОРЕГИСТРАЦИИ" in printed
    for expected in ("ЗНККТ000000000002", "СНОУСНдоход,УСНдоход-расход", "ИННОФД7704358518", 'ООО"Такском"',
                     "РНККТ" + RNM, "ФН" + FN, "ФД1", "ФП" + str(FP), "ДАТАВРЕМЯ01.02.2412:34", "КАССИРШеннонК.",
                     "АВТОНОМНЫЙРЕЖИМНЕТ", "ФФДККТ1.05", "example@example.com"):
        assert expected in printed, expected
    assert "QR:" not in text


def test_registration_report_ffd12_usage_conditions() -> None:
    fields = [f for f in registration_fields() if f.tag not in (1109, 1110, 1189, 1209)]
    fields += [Tlv(1290, (1 << 5) | (1 << 9) | (1 << 20)), Tlv(1189, 4), Tlv(1190, 4), Tlv(1209, 4), Tlv(1213, 410)]
    text = render_document(encode_doc(DocumentType.REGISTRATION, fields, "1.2"), 48)
    assert value_after(text, "УСЛОВИЯ ПРИМЕНЕНИЯ ККТ") == "ИНТЕРНЕТ, УСЛУГИ, БИТ 20"
    assert value_after(text, "ФФД ФН") == "1.2"
    assert value_after(text, "РЕСУРС КЛЮЧЕЙ ФП") == "410"


@pytest.mark.parametrize("width", WIDTHS)
def test_reregistration_report_with_reasons(width: int) -> None:
    fields = [Tlv(1101, 1), Tlv(1101, 2), *registration_fields()]
    text = render_document(encode_doc(DocumentType.REREGISTRATION, fields), width)
    assert_fits(text, width)
    printed = flat(text)
    assert "ОТЧЕТОБИЗМЕНЕНИИПАРАМЕТРОВРЕГИСТРАЦИИ" in printed
    assert "ПРИЧИНАПЕРЕРЕГИСТРАЦИИЗАМЕНАФН" in printed
    assert "ПРИЧИНАПЕРЕРЕГИСТРАЦИИСМЕНАОФД" in printed


def test_reregistration_report_ffd12_reason_bits() -> None:
    fields = [f for f in registration_fields() if f.tag not in (1109, 1110, 1209)]
    fields += [Tlv(1205, 0b1001), Tlv(1209, 4)]
    text = render_document(encode_doc(DocumentType.REREGISTRATION, fields, "1.2"), 48)
    assert value_after(text, "ПРИЧИНЫ ИЗМЕНЕНИЯ (БИТЫ)") == "0, 3"


@pytest.mark.parametrize("width", WIDTHS)
def test_open_shift_report(width: int) -> None:
    data = encode_doc(DocumentType.OPEN_SHIFT, [
        *header(), Tlv(1021, "Иванова"), Tlv(1188, "3.0.8"), Tlv(1189, 2), Tlv(1209, 2), *fn_formed(fd=2, shift=1),
    ])
    text = render_document(data, width)
    assert_fits(text, width)
    printed = flat(text)
    for expected in ("ОТЧЕТОБОТКРЫТИИСМЕНЫ", "СМЕНА1", "КАССИРИванова", "ВЕРСИЯККТ3.0.8", "ФД2", "ФП" + str(FP)):
        assert expected in printed, expected


@pytest.mark.parametrize("width", WIDTHS)
def test_close_shift_report_with_counters(width: int) -> None:
    counters = Tlv(1194, (
        Tlv(1129, (Tlv(1135, 10), Tlv(1136, 1234567), Tlv(1138, 50000), Tlv(1201, 1284567))),
        Tlv(1130, (Tlv(1135, 1), Tlv(1136, 100), Tlv(1201, 100))),
    ))
    data = encode_doc(DocumentType.CLOSE_SHIFT, [
        *header(), Tlv(1021, "Иванова"), Tlv(1118, 11), Tlv(1111, 13), Tlv(1097, 2),
        Tlv(1098, datetime(2024, 2, 1, 9, 5)), Tlv(1050, 0), Tlv(1051, 1), Tlv(1052, 0), Tlv(1053, 1), counters,
        Tlv(1157, (Tlv(1129, (Tlv(1201, 99999999),)),)), Tlv(1213, 400), Tlv(1209, 4), *fn_formed(fd=20, shift=3),
    ], "1.2")
    text = render_document(data, width)
    assert_fits(text, width)
    printed = flat(text)
    for expected in ("ОТЧЕТОЗАКРЫТИИСМЕНЫ", "ЧЕКОВЗАСМЕНУ11", "ФДЗАСМЕНУ13", "НЕПЕРЕДАННЫХФД2",
                     "ФДНЕПЕРЕДАНЫС01.02.2409:05", "СРОЧНАЯЗАМЕНАФНДА", "ПРЕВЫШЕНОВРЕМЯОЖИДАНИЯОТВЕТАОФДДА",
                     "СЧЕТЧИКИИТОГОВСМЕНЫ:", "СЧЕТЧИКИ:ПРИХОД:", "ЧЕКОВ10", "НАЛИЧНЫМИ=12345.67",
                     "БЕЗНАЛИЧНЫМИ=500.00", "ИТОГО=12845.67", "СЧЕТЧИКИ:ВОЗВРАТПРИХОДА:", "СЧЕТЧИКИИТОГОВФН:",
                     "ИТОГО=999999.99", "СМЕНА3", "ФД20"):
        assert expected in printed, expected
    # counters are indented under their heading
    assert "  ЧЕКОВ" in text


@pytest.mark.parametrize("width", WIDTHS)
def test_current_state_report(width: int) -> None:
    data = encode_doc(DocumentType.CURRENT_STATE, [
        *header(), Tlv(1002, 0), Tlv(1097, 5), Tlv(1116, 8), Tlv(1098, datetime(2024, 1, 31, 23, 59)),
        Tlv(1209, 2), *fn_formed(fd=21, shift=4),
    ])
    text = render_document(data, width)
    assert_fits(text, width)
    printed = flat(text)
    for expected in ("ОТЧЕТОТЕКУЩЕМСОСТОЯНИИРАСЧЕТОВ", "НЕПЕРЕДАННЫХФД5", "ПЕРВЫЙНЕПЕРЕДАННЫЙФД8",
                     "ФДНЕПЕРЕДАНЫС31.01.2423:59", "АВТОНОМНЫЙРЕЖИМНЕТ", "СМЕНА4", "ФД21"):
        assert expected in printed, expected


def test_current_state_report_with_nothing_unsent_prints_no_placeholders() -> None:
    data = encode_doc(DocumentType.CURRENT_STATE, [
        *header(), Tlv(1002, 0), Tlv(1097, 0), Tlv(1116, 0), Tlv(1098, datetime(1970, 1, 1)),
        Tlv(1209, 2), *fn_formed(fd=21, shift=4),
    ])
    printed = flat(render_document(data, 48))
    assert "НЕПЕРЕДАННЫХФД0" in printed
    assert "ПЕРВЫЙНЕПЕРЕДАННЫЙФД" not in printed and "01.01.70" not in printed


@pytest.mark.parametrize("width", WIDTHS)
def test_fn_close_report(width: int) -> None:
    data = encode_doc(DocumentType.CLOSE_FN, [
        *header(), Tlv(1021, "Шеннон К."), Tlv(1209, 2), *fn_formed(fd=99, shift=7),
    ])
    text = render_document(data, width)
    assert_fits(text, width)
    printed = flat(text)
    for expected in ("ОТЧЕТОЗАКРЫТИИФН", "КАССИРШеннонК.", "СМЕНА7", "ФД99", "ФН" + FN, "ФП" + str(FP)):
        assert expected in printed, expected


def test_bso_and_operator_confirmation_render() -> None:
    bso = render_document(encode_doc(DocumentType.BSO, [Tlv(1054, 1), Tlv(1020, 100), *fn_formed()]), 32)
    assert "БЛАНК СТРОГОЙ ОТЧЕТНОСТИ" in bso
    ack = render_document(encode_doc(DocumentType.OPERATOR_CONFIRMATION, [
        Tlv(1017, "7704358518"), Tlv(1041, FN), Tlv(1040, 12), Tlv(1012, WHEN), Tlv(1078, b"\x01" * 18),
    ]), 32)
    assert_fits(ack, 32)
    assert "ПОДТВЕРЖДЕНИЕ ОПЕРАТОРА" in ack
    assert "ФПО" in ack and "01" * 16 in flat(ack)


def test_printed_only_document_name_is_kept() -> None:
    data = encode_doc(DocumentType.OPEN_SHIFT, [Tlv(1000, "Отчёт об открытии смены (тест)"), *fn_formed()])
    text = render_document(data, 48)
    assert "Отчёт об открытии смены (тест)" in text
    same = encode_doc(DocumentType.OPEN_SHIFT, [Tlv(1000, "Отчет об открытии смены"), *fn_formed()])
    assert render_document(same, 48).count("ОТКРЫТИИ СМЕНЫ") == 1


def test_malformed_bytes_raise() -> None:
    with pytest.raises(FfdDecodeError):
        render_document(b"\x03\x00\x10\x00\x00", 32)
    with pytest.raises(FfdDecodeError):
        render_document(encode_tlv(1030, "не документ"), 32)


# --- widths ------------------------------------------------------------------------------------


@pytest.mark.parametrize("width", [0, 23, -48])
def test_too_narrow_widths_are_refused(width: int) -> None:
    with pytest.raises(ValueError, match="at least 24"):
        check_width(width)
    with pytest.raises(ValueError):
        render_document(receipt(), width)
    with pytest.raises(ValueError):
        render_report("X", [], width)
    with pytest.raises(ValueError):
        Tape.memory(width)


@pytest.mark.parametrize("width", ["48", 48.0, True])
def test_non_integer_widths_are_refused(width: Any) -> None:
    with pytest.raises(ValueError, match="int"):
        check_width(width)


def test_wide_tapes_work() -> None:
    assert_fits(render_document(receipt(), 100), 100)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    names=st.lists(st.text(alphabet="абвгдеёжзийклмнопрстуфхцчшщъыьэюяАБВГДЕЖЗ0123456789 .,-%№\"'()/",
                           min_size=1, max_size=128), min_size=1, max_size=4),
    email=st.from_regex(r"[a-z0-9.]{1,40}@[a-z0-9-]{1,15}\.ru", fullmatch=True),
    width=st.integers(min_value=MIN_WIDTH, max_value=64),
)
def test_any_names_fit_any_width(names: list[str], email: str, width: int) -> None:
    items = [item(name, 100, Decimal("1.000"), 100) for name in names]
    total = 100 * len(items)
    data = encode_doc(DocumentType.RECEIPT, [
        Tlv(1054, 1), *items, Tlv(1020, total), Tlv(1031, total), Tlv(1008, email), *fn_formed(),
    ])
    text = render_document(data, width)
    assert_fits(text, width)
    printed = flat(text)
    for name in names:
        assert squash(name) in printed
    assert email in printed
    assert qr_of(text) == build_qr(WHEN, total, FN, 12, FP, 1)


# --- formatting helpers and non-fiscal reports -------------------------------------------------------


def test_money_and_quantity_formats() -> None:
    assert format_money(12345) == "123.45"
    assert format_money(5) == "0.05"
    assert format_money(0) == "0.00"
    assert format_money(-150) == "-1.50"
    assert format_quantity(Decimal("1.000")) == "1.000"
    assert format_quantity(Decimal("0.25")) == "0.25"
    assert format_quantity(Decimal("2")) == "2"
    assert format_quantity(3) == "3"


@pytest.mark.parametrize("width", WIDTHS)
def test_render_report(width: int) -> None:
    rows = [("СМЕНА", "3"), ("-", ""), ("ПРИХОД", ""), ("НАЛИЧНЫМИ", "=100.00"),
            ("ОЧЕНЬ ДЛИННАЯ МЕТКА СТРОКИ ОТЧЕТА, КОТОРАЯ НЕ ПОМЕЩАЕТСЯ", "=12345678.90")]
    text = render_report("ОТЧЕТ БЕЗ ГАШЕНИЯ", rows, width)
    assert_fits(text, width)
    lines = lines_of(text)
    assert lines[0].strip() == "ОТЧЕТ БЕЗ ГАШЕНИЯ"
    assert lines[1] == "-" * width
    assert lines[2].startswith("СМЕНА") and lines[2].endswith("3") and len(lines[2]) == width
    assert lines[3] == "-" * width
    assert lines[4] == "ПРИХОД"
    assert lines[5].startswith("НАЛИЧНЫМИ") and lines[5].endswith("=100.00")
    assert lines[-2].endswith("=12345678.90")


# --- the sink ----------------------------------------------------------------------------------


def test_memory_tape_keeps_documents() -> None:
    tape = Tape.memory(32)
    assert tape.width == 32 and tape.text == "" and list(tape.documents) == []
    first = tape.print_document(receipt())
    second = tape.print_report("X-ОТЧЕТ", [("СМЕНА", "3")])
    tape.write("free text without newline")
    assert list(tape.documents) == [first, second, "free text without newline\n"]
    assert tape.text == first + second + "free text without newline\n"
    assert first == render_document(receipt(), 32)


class _CountingStream(io.StringIO):
    flushes = 0

    def flush(self) -> None:
        self.flushes += 1
        super().flush()


def test_stream_tape_flushes_each_document() -> None:
    stream = _CountingStream()
    tape = Tape.to_stream(stream, 57)
    text = tape.print_document(receipt())
    assert stream.getvalue() == text
    assert stream.flushes == 1
    tape.print_report("X", [])
    assert stream.flushes == 2
    assert stream.getvalue() == tape.text


def test_file_tape_appends(tmp_path: Path) -> None:
    path = tmp_path / "tape.txt"
    path.write_text("earlier\n", encoding="utf-8")
    tape = Tape.to_file(path, 48)
    first = tape.print_document(receipt())
    assert path.read_text(encoding="utf-8") == "earlier\n" + first  # visible before anything is closed
    second = tape.print_document(receipt(2))
    assert path.read_text(encoding="utf-8") == "earlier\n" + first + second
    again = Tape.to_file(str(path), 48)
    again.write("more")
    assert path.read_text(encoding="utf-8").endswith(second + "more\n")


def test_tape_needs_one_destination(tmp_path: Path) -> None:
    with pytest.raises(ValueError):
        Tape(48, stream=io.StringIO(), path=tmp_path / "x.txt")
