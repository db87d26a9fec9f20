"""``kkt scale …``: goods files in the three formats, the progress bar, and the commands on emulated scales."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from kkt_drivers.errors import ConfigurationError, InvalidParameter
from kkt_drivers.scale_cli import ProgressBar, load_goods, main
from kkt_drivers.scale_device import Goods

EXPECTED = [Goods(1, "Сыр Российский", 45000, code=2001, shelf_life_days=30),
            Goods(2, "Колбаса «Докторская»", 59990, code=2002, shelf_life_days=15)]


def test_json_goods(tmp_path: Path) -> None:
    path = tmp_path / "goods.json"
    path.write_text(json.dumps({"goods": [
        {"plu": 1, "name": "Сыр Российский", "price": "450.00", "code": 2001, "shelf_life": 30},
        {"PLU": "2", "Name": "Колбаса «Докторская»", "Price": 599.9, "Code": "2002", "shelf_life_days": 15},
    ]}, ensure_ascii=False), encoding="utf-8")
    assert load_goods(str(path)) == EXPECTED


def test_csv_goods_with_semicolons_and_a_decimal_comma(tmp_path: Path) -> None:
    path = tmp_path / "goods.csv"
    path.write_text("PLU;Code;Name;Price;ShelfLife\n1;2001;Сыр Российский;450,00;30\n"
                    "2;2002;Колбаса «Докторская»;599.90;15\n", encoding="utf-8")
    assert load_goods(str(path)) == EXPECTED


def test_the_xml_1c_writes_for_label_scales(tmp_path: Path) -> None:
    path = tmp_path / "goods.xml"
    path.write_text('<?xml version="1.0" encoding="UTF-8"?>\n<Table>\n'
                    ' <Record PLU="1" Code="2001" Name="Сыр Российский" Price="450" Description="" ShelfLife="30"/>\n'
                    ' <Record PLU="2" Code="2002" Name="Колбаса «Докторская»" Price="599.90" Description=""'
                    ' ShelfLife="15"/>\n</Table>\n', encoding="utf-8")
    assert load_goods(str(path)) == EXPECTED


@pytest.mark.parametrize(("content", "error", "fragment"), [
    ('[{"plu": 1, "name": "Хлеб"}]', InvalidParameter, "goods #1: no price"),
    ('[{"plu": 1, "name": "Хлеб", "price": "45.555"}]', InvalidParameter, "at most two decimals"),
    ('[{"plu": "x", "name": "Хлеб", "price": "1"}]', InvalidParameter, "plu 'x' is not a whole number"),
    ('{"goods": 5}', ConfigurationError, "expected a list of goods"),
    ("[1, 2", ConfigurationError, "not JSON"),
])
def test_bad_files_say_what_is_wrong(tmp_path: Path, content: str, error: type[Exception], fragment: str) -> None:
    path = tmp_path / "goods.json"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(error, match=fragment):
        load_goods(str(path))


def test_the_progress_bar_on_a_pipe_prints_every_tenth() -> None:
    out = io.StringIO()
    bar = ProgressBar("upload", out)
    for done in range(1, 101):
        bar(done, 100)
    lines = out.getvalue().splitlines()
    assert lines == [f"upload: {n}/100 PLU ({n}%)" for n in range(10, 101, 10)]


def test_the_progress_bar_on_a_terminal_redraws_in_place() -> None:
    class Tty(io.StringIO):
        def isatty(self) -> bool:
            return True

    out = Tty()
    bar = ProgressBar("upload", out)
    bar(1, 4)
    bar(4, 4)
    text = out.getvalue()
    assert text.startswith("\rupload [#######.......................] 1/4 PLU  25%")
    assert "\rupload [" + "#" * 30 + "] 4/4 PLU 100%" in text and text.endswith("\n")


def test_weigh_upload_and_read_on_emulated_scales(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--device", "emu://massak", "--json", "scale", "weigh"]) == 0
    assert json.loads(capsys.readouterr().out)["value"] == "0.000"
    goods = tmp_path / "goods.json"
    goods.write_text(json.dumps([{"plu": n, "name": f"Товар {n}", "price": "10.00"} for n in range(1, 31)]),
                     encoding="utf-8")
    url = "emu://caslp?name=cli-test"
    state = ["--state-dir", str(tmp_path)]
    assert main(["--device", url, "scale", "upload", str(goods), "--no-progress", *state]) == 0
    assert capsys.readouterr().out.strip() == "upload: sent 30 of 30 goods (0 unchanged)"
    assert main(["--device", url, "scale", "upload", str(goods), *state]) == 0
    out = capsys.readouterr()
    assert out.out.strip() == "upload: sent 0 of 30 goods (30 unchanged)" and out.err == ""
    assert main(["--device", url, "--json", "scale", "read", "12", *state]) == 0
    assert json.loads(capsys.readouterr().out)["name"] == "Товар 12"


def test_bad_goods_exit_2_and_name_the_item(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    goods = tmp_path / "goods.json"
    goods.write_text(json.dumps([{"plu": 1, "name": "Хлеб", "price": "1.00"},
                                 {"plu": 5000, "name": "Сыр", "price": "1.00"}]), encoding="utf-8")
    assert main(["--device", "emu://caslp", "--lang", "en", "scale", "upload", str(goods)]) == 2
    assert "goods #2 (PLU 5000, 'Сыр'): plu 5000 is outside the scale's range 1..3999" in capsys.readouterr().err


def test_a_scale_command_on_a_register_says_it_is_no_scale(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--device", "emu://atol", "--lang", "en", "scale", "weigh"]) == 2
    assert "atol devices are not scales" in capsys.readouterr().err


def test_errors_as_json_with_the_exit_code_of_kkt(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--device", "emu://massak", "--json", "scale", "read", "1"]) == 2  # no goods memory
    error = json.loads(capsys.readouterr().out)["error"]
    assert error["type"] == "ConfigurationError" and error["exit_code"] == 2 and "plu_write" in error["message"]

