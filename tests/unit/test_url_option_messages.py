"""A URL option with a bad number is a ConfigurationError naming the option and what it takes, in English and
Russian, for every numeric option of every family and connection (never Python's ``invalid literal for int()``).
"""

from __future__ import annotations

import os
import re
import subprocess
import sys

import pytest

from kkt_drivers import ConfigurationError
from kkt_drivers.families import family_names, get_family
from kkt_drivers.transport import make_transport
from kkt_drivers.url import resolve_device_url

#: (option, a bad value, the limit the message must name in both languages) for each family's numeric option
FAMILY_NUMBERS = {
    "atol": [("password", "abc", "4"), ("password", "12345", "4")],
    "shtrih": [("password", "x", "8"), ("password", "123456789", "8"), ("baudcode", "x", "0…9"),
               ("baudcode", "10", "921600")],
    "shtrihprint": [("plu_max", "x", "65535"), ("plu_max", "0", "65535"), ("password", "ab12", "4")],
    "caslp": [("lognum", "x", "127"), ("lognum", "128", "127"), ("plu_max", "1.5", "4294967295")],
}
PYTHON_TEXT = re.compile(r"invalid literal|could not convert|base 10")


def _check(error: ConfigurationError, option: str, takes: str) -> None:
    english, russian = str(error), error.message_ru
    assert option in english and takes in english, english
    assert option in russian and takes in russian and re.search("[а-я]{4}", russian), russian
    assert not PYTHON_TEXT.search(english + russian)


@pytest.mark.parametrize(("family", "option", "value", "takes"),
                         [(f, *case) for f, cases in FAMILY_NUMBERS.items() for case in cases])
def test_a_family_number_option_names_itself_and_its_range(family: str, option: str, value: str,
                                                           takes: str) -> None:
    with pytest.raises(ConfigurationError) as caught:
        resolve_device_url(f"{family}:///dev/ttyNOPE?{option}={value}")
    _check(caught.value, option, takes)


def test_the_table_covers_every_family_option_that_is_a_number() -> None:
    numeric = {(name, key) for name in family_names() for key, text in get_family(name).options.items()
               if re.search(r"digit|number|\d\s*(…|\.\.)\s*\d", text) and key != "digits"}
    covered = {(family, option) for family, cases in FAMILY_NUMBERS.items() for option, _, _ in cases}
    assert numeric <= covered, numeric - covered


@pytest.mark.parametrize("family", family_names())
@pytest.mark.parametrize(("option", "value", "takes"), [
    ("baudrate", "abc", "4000000"), ("baudrate", "9600.5", "115200"), ("baudrate", "0", "4000000"),
    ("timeout", "abc", "0.05"), ("timeout", "-1", "0.05"), ("timeout", "nan", "0.05"),
])
def test_connection_number_options_name_themselves_for_every_family(family: str, option: str, value: str,
                                                                   takes: str) -> None:
    resolved = resolve_device_url(f"{family}:///dev/ttyNOPE?{option}={value}")
    with pytest.raises(ConfigurationError) as caught:
        make_transport(resolved)
    _check(caught.value, option, takes)


def test_a_tcp_port_that_is_no_number() -> None:
    with pytest.raises(ConfigurationError) as caught:
        make_transport(resolve_device_url("atol+tcp://10.0.0.5:abc"))
    _check(caught.value, "abc", "65535")


@pytest.mark.parametrize("lang", ["en", "ru"])
def test_the_command_line_says_what_baudrate_takes(lang: str) -> None:
    env = {key: value for key, value in os.environ.items() if key != "KKT_DEVICE"}
    result = subprocess.run([sys.executable, "-m", "kkt_drivers.cli", "--lang", lang, "--device",
                             "atol:///dev/ttyNOPE?baudrate=abc", "status"], capture_output=True, text=True,
                            timeout=60, env=env)
    assert result.returncode == 2 and "Traceback" not in result.stderr, result.stderr
    assert "baudrate" in result.stderr and "115200" in result.stderr and not PYTHON_TEXT.search(result.stderr)
    assert ("целое число" if lang == "ru" else "whole number") in result.stderr


@pytest.mark.parametrize(("url", "option", "takes"), [("emu://atol?ffd=2.0", "ffd", "1.2"),
                                                      ("emu://atol?tz=abc", "tz", "+03:00")])
def test_emulator_options_say_what_they_take_in_both_languages(url: str, option: str, takes: str) -> None:
    from kkt_drivers import connect

    with pytest.raises(ConfigurationError) as caught:
        connect(url)
    _check(caught.value, option, takes)
