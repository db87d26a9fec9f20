"""Receipt files: a value the schema refuses gets a message naming the field and the limit in both languages,
and an amount or quantity written as a string gets the same message as the same value written as a number.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from kkt_drivers.jsonio import correction_from_json, receipt_from_json, registration_from_json
from kkt_drivers.validation import InvalidReceipt

ROOT = Path(__file__).resolve().parents[2]
PAY = [{"type": "cash", "amount": "10.00"}]
#: what the raw jsonschema messages look like; none of it may reach a user
RAW = re.compile(r"is not valid under|is too long|is too short|does not match|is a required property|"
                 r"Additional properties|is not of type|is less than|is greater than|schema")


def _kkt(*args: str) -> subprocess.CompletedProcess[str]:
    env = {key: value for key, value in os.environ.items() if key != "KKT_DEVICE"}
    return subprocess.run([sys.executable, "-m", "kkt_drivers.cli", "--device", "emu://atol", *args],
                          capture_output=True, text=True, timeout=60, env=env)


def _sell(tmp_path: Path, item: dict[str, Any], lang: str) -> str:
    path = tmp_path / "receipt.json"
    path.write_text(json.dumps({"items": [{"name": "Хлеб", **item}], "payments": PAY}, ensure_ascii=False),
                    encoding="utf-8")
    result = _kkt("--lang", lang, "sell", str(path))
    out = result.stdout + result.stderr
    assert result.returncode == 2, out
    assert "Traceback" not in out and not RAW.search(out), out
    return result.stderr.strip().splitlines()[-1]


@pytest.mark.parametrize(("item", "en", "ru"), [
    ({"price": "45.505"}, "more than two decimals", "больше двух знаков после запятой"),
    ({"price": "-1.00"}, "negative", "отрицательная"),
    ({"price": -1.0}, "negative", "отрицательная"),
    ({"price": "99999999999999.99"}, "must be 0..9999999999 kopecks", "от 0 до 9999999999 копеек"),
    ({"price": "abc"}, "not an amount", "не сумма"),
    ({"price": "1e5"}, "not an amount", "не сумма"),
    ({"price": "10", "discount": "0.001"}, "more than two decimals", "больше двух знаков"),
    ({"price": "10", "quantity": "-2"}, "must be more than 0", "должно быть больше 0"),
    ({"price": "10", "quantity": "two"}, "not a number", "не число"),
    ({"price": "10", "name": "х" * 200}, "at most 128 characters, got 200", "не длиннее 128 символов, получено 200"),
    ({"price": "10", "name": ""}, "must not be empty", "не может быть пустым"),
    ({"price": "10", "product_code": "xyz"}, "hexadecimal", "шестнадцатеричными"),
], ids=["3 decimals", "negative string", "negative number", "too big", "letters", "exponent", "discount",
        "negative quantity", "quantity in words", "long name", "empty name", "product code"])
def test_bad_receipt_files_on_the_command_line_name_the_field_and_limit_in_both_languages(
        tmp_path: Path, item: dict[str, Any], en: str, ru: str) -> None:
    field = "items[0]." + next(key for key in ("name", "discount", "quantity", "product_code") if key in item) \
        if set(item) - {"price"} else "items[0].price"
    english, russian = _sell(tmp_path, item, "en"), _sell(tmp_path, item, "ru")
    assert field in english and en in english, english
    assert field in russian and ru in russian, russian
    assert not re.search(r"[a-z]{4,} [a-z]{4,}", russian.split(field, 1)[1]), russian  # no English sentence


@pytest.mark.parametrize("value", ["45.555", "-1.00", "999999999999.99"])
def test_an_amount_as_a_string_gets_the_message_of_the_same_number(tmp_path: Path, value: str) -> None:
    for lang in ("en", "ru"):
        as_text = _sell(tmp_path, {"price": value}, lang).replace(f"'{value}'", value)
        as_number = _sell(tmp_path, {"price": json.loads(value)}, lang).replace(str(float(value)), value)
        assert as_text == as_number


@pytest.mark.parametrize(("parse", "data", "field", "words"), [
    (receipt_from_json, {"items": [{"name": "x"}], "payments": PAY}, "items[0].price", ["required", "обязательное"]),
    (receipt_from_json, {"items": [], "payments": PAY}, "items", ["at least 1", "не меньше 1"]),
    (receipt_from_json, {"items": [{"name": 5, "price": "1"}], "payments": PAY}, "items[0].name",
     ["must be text", "строкой"]),
    (receipt_from_json, {"items": [{"name": "x", "price": "1"}], "payments": PAY, "colour": 1}, "receipt",
     ["unknown field", "'colour'", "неизвестные поля"]),
    (registration_from_json, {"inn": "123"}, "inn", ["10 or 12 digits", "10 или 12 цифр"]),
    (correction_from_json, {"basis": {"date": "02.03.2026", "number": "1"}, "payments": PAY}, "basis.date",
     ["YYYY-MM-DD", "ГГГГ-ММ-ДД"]),
])
def test_schema_errors_are_translated(parse: Any, data: Any, field: str, words: list[str]) -> None:
    if parse is registration_from_json:
        data = {**json.loads((ROOT / "examples" / "registration.json").read_text(encoding="utf-8")), **data}
    with pytest.raises(InvalidReceipt) as caught:
        parse(data)
    error = caught.value
    text = f"{error} {error.message_ru}"
    assert error.field == field and all(word in text for word in words), text
    assert not RAW.search(text) and re.search("[а-я]", error.message_ru), text


def test_a_number_past_float_precision_is_read_exactly(tmp_path: Path) -> None:
    """99999999999999.99 as a JSON number is not rounded to the nearest float (…99.98 or 100000000000000.0):
    the limit message shows the kopecks as written."""
    path = tmp_path / "receipt.json"
    path.write_text('{"items": [{"name": "Хлеб", "price": 99999999999999.99}], '
                    '"payments": [{"type": "cash", "amount": "1.00"}]}', encoding="utf-8")
    for lang, words in (("en", "got 9999999999999999"), ("ru", "получено 9999999999999999")):
        result = _kkt("--lang", lang, "sell", str(path))
        assert result.returncode == 2 and words in result.stderr, result.stderr


def test_a_device_error_in_russian_keeps_its_code() -> None:
    """A refusal by the register reads the same in both languages: family, code, command, the vendor's text."""
    path = ROOT / "examples" / "receipt.json"
    english = _kkt("--lang", "en", "sell", str(path)).stderr.strip().splitlines()[-1]
    russian = _kkt("--lang", "ru", "sell", str(path)).stderr.strip().splitlines()[-1]
    assert "atol error 0xA8 on 92" in english, english  # the throwaway emulator is not registered
    assert "ошибка atol 0xA8 на команде 92" in russian and "ККТ не фискализирована" in russian, russian


@pytest.mark.parametrize(("lang", "words"), [("en", "needs a ФН-1.1М"), ("ru", "нужен ФН-1.1М")])
def test_an_ffd_12_registration_refused_by_an_ffd_105_fn_says_why(lang: str, words: str) -> None:
    """The register's refusal is only «invalid command»; the CLI adds what most likely caused it and the fix."""
    path = ROOT / "examples" / "registration-ffd12.json"
    refused = _kkt("--lang", lang, "--device", "emu://atol", "register", str(path))
    assert refused.returncode != 0 and words in refused.stderr and "--ffd 1.2" in refused.stderr, refused.stderr
    accepted = _kkt("--lang", lang, "--device", "emu://atol?ffd=1.2", "register", str(path))
    assert accepted.returncode == 0 and "ФН-1.1М" not in accepted.stderr, accepted.stderr
