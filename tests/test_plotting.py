"""logspace.plotting: LogArrays drawn as log10 of their values, with power-of-ten ticks."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import mpmath
import numpy as np
import pytest

from logspace import LogArray, LogFloat, UnderflowWarning

matplotlib = pytest.importorskip("matplotlib")
matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import matplotlib.units  # noqa: E402

from logspace import plotting  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
DECIMALS = ["1e-5000", "3.7e-4321", "2.5e-1000", "1e-400", "0.001", "0.5", "1"]
POWER_OF_TEN = re.compile(r"^\$10\^\{(-?\d+)\}\$$")


@pytest.fixture
def ax():
    plotting.setup()
    fig, ax = plt.subplots()
    yield ax
    plt.close(fig)
    plotting.teardown()


def true_log10(decimal: str) -> float:
    with mpmath.workdps(40):
        return float(mpmath.log10(mpmath.mpf(decimal)))


def test_plotted_data_are_the_log10_of_the_values(ax):
    (line,) = ax.plot(LogArray(DECIMALS))
    drawn = line.get_ydata(orig=False)
    np.testing.assert_allclose(drawn, [true_log10(d) for d in DECIMALS], rtol=4e-16, atol=1e-15)
    assert line.get_xdata(orig=False).tolist() == list(range(len(DECIMALS)))


def test_plot_against_x_and_tick_labels_read_as_powers_of_ten(ax):
    t = np.linspace(0.0, 1.0, len(DECIMALS))
    (line,) = ax.plot(t, LogArray(DECIMALS))
    assert line.get_xdata(orig=False).tolist() == t.tolist()
    ax.figure.canvas.draw()
    low, high = ax.get_ylim()
    shown = [
        (tick, label.get_text()) for tick, label in zip(ax.get_yticks(), ax.get_yticklabels()) if low <= tick <= high
    ]
    assert len(shown) >= 3
    for tick, text in shown:
        match = POWER_OF_TEN.match(text)
        assert match, f"tick label {text!r} is not a power of ten"
        assert int(match.group(1)) == tick
    assert low <= -5000 and high >= 0  # the whole range is on the axis, nothing drawn as 0


def test_zeros_are_left_out_of_the_line(ax):
    (line,) = ax.plot(LogArray(["1e-5000", "0", "0.5"]))
    drawn = line.get_ydata(orig=False)
    assert np.isnan(drawn[1]) and np.isfinite(drawn[[0, 2]]).all()


def test_negative_values_raise(ax):
    with pytest.raises(matplotlib.units.ConversionError) as raised:
        ax.plot(LogArray(["-1e-5000", "1"]))
    assert "negative" in str(raised.value.__cause__)


def test_two_dimensional_arrays_draw_one_line_per_column(ax):
    a = LogArray([["1e-5000", "1e-10"], ["1e-6000", "1e-20"]])
    lines = ax.plot(a)
    assert [line.get_ydata(orig=False).tolist() for line in lines] == [[-5000.0, -6000.0], [-10.0, -20.0]]


def test_logfloats_are_placed_by_value_and_plain_numbers_read_as_log10(ax):
    ax.plot(LogArray(["1e-5000", "1"]))
    by_value = ax.axhline(LogFloat("1e-3000"))
    plain = ax.axhline(0.5)  # the documented pitfall: 0.5 on this axis means 10**0.5
    assert by_value.get_ydata(orig=False).tolist() == [-3000.0, -3000.0]
    assert plain.get_ydata(orig=False).tolist() == [0.5, 0.5]


def test_without_setup_matplotlib_draws_linear_values_and_warns_of_the_zeros():
    fig, ax = plt.subplots()
    try:
        with pytest.warns(UnderflowWarning, match="below float range"):  # np.asarray says so
            (line,) = ax.plot(LogArray(["1e-5000", "0.5"]))
        assert line.get_ydata(orig=False).tolist() == [0.0, 0.5]  # what setup() is for
    finally:
        plt.close(fig)


def test_importing_logspace_imports_no_matplotlib():
    code = "import sys, logspace; print(any(m.split('.')[0] == 'matplotlib' for m in sys.modules))"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, cwd=ROOT)
    assert result.stdout.strip() == "False", result.stderr


def test_figure_script_of_the_docs_runs(tmp_path):
    out = tmp_path / "hmm_forward.png"
    result = subprocess.run(
        [sys.executable, str(ROOT / "docs" / "hmm_forward.py"), str(out), "--T", "1000"],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    assert result.returncode == 0, result.stderr
    assert out.read_bytes().startswith(b"\x89PNG")
