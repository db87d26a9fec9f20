"""The pytest plugin's scale fixtures: ``scale_url`` covers the scale families among the run's targets only."""

from __future__ import annotations

import pytest

pytest_plugins = ["pytester"]

SAMPLE = """
from decimal import Decimal

import pytest

def test_weight(scale, scale_emulator):
    scale_emulator.op("set_weight", value="0.25", settle=0)
    assert scale.wait_stable(timeout=2).value == Decimal("0.250")

@pytest.mark.requires("plu_write")
def test_label_only(scale):
    pass

@pytest.mark.family("massak")
def test_massak_only(scale_url):
    assert "massak" in scale_url
"""


def test_scale_targets_and_their_markers(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_scales=SAMPLE)
    result = pytester.runpytest("-p", "no:cacheprovider", "-o", "addopts=", "-v", "-rs",
                                "--emu-families=atol,massak,caslp", "--emu-attachments=inprocess,tcp")
    result.stdout.fnmatch_lines(["*test_weight?massak-inprocess?*PASSED*", "*test_weight?caslp-tcp?*PASSED*",
                                 "*massak devices have no plu_write (NotSupported)*"])
    assert "atol" not in "".join(line for line in result.outlines if "test_weight[" in line)
    assert result.parseoutcomes() == {"passed": 8, "skipped": 4}


def test_no_scale_among_the_targets_runs_no_scale_test(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_scales=SAMPLE)
    result = pytester.runpytest("-p", "no:cacheprovider", "-o", "addopts=", "--emu-families=atol")
    assert result.parseoutcomes() == {"skipped": 3}
