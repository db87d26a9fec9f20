"""The shipped pytest plugin: backends, --device, markers and their skips."""

from __future__ import annotations

import pytest

pytest_plugins = ["pytester"]

SAMPLE = """
import pytest

def test_any(device_url):
    assert device_url

@pytest.mark.hardware
def test_hw(device_url):
    pass

@pytest.mark.emulator_only
def test_emu(device_url):
    pass

@pytest.mark.irreversible
def test_irrev(device_url):
    pass
"""

#: the plugin runs under the project's own addopts otherwise; these tests pin one family
ATOL_ONLY = ("-p", "no:cacheprovider", "-o", "addopts=--emu-families=atol")


def _outcomes(pytester: pytest.Pytester, *args: str) -> dict[str, int]:
    pytester.makepyfile(test_sample=SAMPLE)
    result = pytester.runpytest(*ATOL_ONLY, *args)
    return result.parseoutcomes()


def test_default_is_one_in_process_emulator(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_sample=SAMPLE)
    result = pytester.runpytest(*ATOL_ONLY, "-v")
    result.stdout.fnmatch_lines(["*test_any?atol-v3-inprocess?*PASSED*"])
    assert result.parseoutcomes() == {"passed": 3, "skipped": 1}  # hardware is skipped on an emulator


def test_all_attachments_and_transports_multiply_the_tests(pytester: pytest.Pytester) -> None:
    outcomes = _outcomes(pytester, "--emu-attachments=inprocess,pty,tcp", "--emu-transports=v2,v3")
    assert outcomes == {"passed": 18, "skipped": 6}


def test_real_device_skips_emulator_only_and_irreversible(pytester: pytest.Pytester) -> None:
    outcomes = _outcomes(pytester, "--device", "atol+tcp://192.0.2.1:5555")
    assert outcomes == {"passed": 2, "skipped": 2}  # any + hardware run; emulator_only, irreversible skip


def test_allow_irreversible_lets_irreversible_run_on_a_real_device(pytester: pytest.Pytester) -> None:
    outcomes = _outcomes(pytester, "--device", "atol+tcp://192.0.2.1:5555", "--allow-irreversible")
    assert outcomes == {"passed": 3, "skipped": 1}


def test_kkt_device_environment_variable_selects_the_device(pytester: pytest.Pytester,
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KKT_DEVICE", "atol:///dev/ttyUSB7")
    pytester.makepyfile(test_sample=SAMPLE)
    result = pytester.runpytest(*ATOL_ONLY, "-v")
    result.stdout.fnmatch_lines(["*test_any?atol:///dev/ttyUSB7?*PASSED*"])


def test_bad_attachment_name_is_a_usage_error(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_sample=SAMPLE)
    result = pytester.runpytest(*ATOL_ONLY, "--emu-attachments=serial")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*unknown*serial*"])


def test_kkt_driver_fixture_gives_a_fresh_emulated_device(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_fresh="""
import pytest
from kkt_drivers.drivers.atol import AtolMode

@pytest.mark.parametrize("round", [1, 2])
def test_mode_starts_in_select(kkt_driver, kkt_emulator, round):
    assert kkt_driver.status().mode.mode is AtolMode.SELECT
    kkt_driver.enter_mode(AtolMode.PROGRAMMING, 30)
""")
    result = pytester.runpytest(*ATOL_ONLY, "--emu-attachments=inprocess,tcp")
    assert result.parseoutcomes() == {"passed": 4}


FAMILY_SAMPLE = """
import pytest

@pytest.mark.family("atol")
def test_atol_only(device_url):
    pass

@pytest.mark.family("someone-else")
def test_other_family(device_url):
    pass

@pytest.mark.requires("receipt", "cash")
def test_has_receipts(device_url):
    pass

@pytest.mark.requires("kkt_server")
def test_needs_a_kkt_server(device_url):
    pass
"""


def test_family_and_requires_markers_skip_with_the_reason(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_families=FAMILY_SAMPLE)
    result = pytester.runpytest(*ATOL_ONLY, "-rs")
    assert result.parseoutcomes() == {"passed": 2, "skipped": 2}
    result.stdout.fnmatch_lines(["*speaks the someone-else protocol; atol has its own*",
                                 "*atol devices have no kkt_server (NotSupported)*"])


def test_emu_families_chooses_families_and_refuses_unknown_ones(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_sample=SAMPLE)
    result = pytester.runpytest(*ATOL_ONLY, "--emu-families=atol", "-v")
    result.stdout.fnmatch_lines(["*test_any?atol-v3-inprocess?*PASSED*"])
    bad = pytester.runpytest(*ATOL_ONLY, "--emu-families=nosuch")
    assert bad.ret == pytest.ExitCode.USAGE_ERROR
    bad.stderr.fnmatch_lines(["*--emu-families: unknown*nosuch*known: *atol*"])


def test_a_bad_device_url_is_a_usage_error_naming_the_owner(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_sample=SAMPLE)
    result = pytester.runpytest(*ATOL_ONLY, "--device",
                                "atol+tcp://192.0.2.1:5555?baudrate=9600")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*'baudrate' is an option of serial, *connections, not of atol+tcp:// URLs*"])


def test_the_driver_service_json_is_never_a_pty_target(pytester: pytest.Pytester) -> None:
    """Меркурий's driver service is reached over TCP or HTTP only: its pty pair is left out, the others stay."""
    pytester.makepyfile(test_sample="def test_any(device_url):\n    assert device_url\n")
    result = pytester.runpytest("-p", "no:cacheprovider", "-o", "addopts=--emu-families=mercury "
                                "--emu-attachments=inprocess,pty,tcp --emu-transports=msk,json", "--collect-only", "-q")
    ids = result.stdout.str()
    assert "mercury-json-tcp" in ids and "mercury-json-inprocess" in ids and "mercury-msk-pty" in ids, ids
    assert "mercury-json-pty" not in ids, ids
