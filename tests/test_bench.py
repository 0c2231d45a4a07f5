"""Smoke tests of ``python -m logspace bench`` (logspace._bench).

They run every case on tiny inputs and check the shape of the report: rows,
columns, positive finite times, the lines for missing peers. Speed is never
asserted here; the command's table reports it.
"""

from __future__ import annotations

import dataclasses
import importlib.util
import math
import sys

import pytest

from logspace import _bench, _conversions
from logspace.__main__ import main


def _bench_compiled():
    from logspace import _kernels

    return _kernels._MAXPLUS is not None


# Cases (first column) and how many rows each has in the tiny configuration.
EXPECTED_ROWS = {
    "logsumexp, 1-D": 1,
    "logsumexp, axis=0": 1,
    "logsumexp, axis=1": 1,
    "logaddexp": 1,
    "LogArray a * b": 2,
    "LogArray a + b": 2,
    "LogArray a.sum()": 2,
    "logmatmulexp": 2,  # against np.matmul and against the broadcast formulation
    "LogArray @": 1,
    "logmatmulexp, batch": 1,
    "logmatmulexp, N(0, 300): exact fallback": 1,
    "logmatmulexp, N(0, 300)": 1,  # against the broadcast formulation
    "HMM forward, LogArray": 2,
    # K = 2, 10, 100, each against hmmlearn scaling and log
    "chain.likelihood": 6,
    "chain.posteriors": 6,
    "chain.viterbi": 6,
    "chain.likelihood, numpy fallback": 3,  # against the LogArray loop
    "LogFloat x * y, per op": 1,
    "LogFloat x + y, per op": 1,
    "LogFloat float(x), first call": 1,
    "LogFloat hash(x), first call": 1,
    "LogFloat repr(x), first call": 1,
    "LogFloat str(x), first call": 1,
    "LogFloat('1' * 10**6)": 1,
    "LogFloat('1e' + '9' * 10**6)": 1,
    "LogFloat(10**(10**6))": 1,
    # maxmatmul at two sizes (the numpy fallback's row only where the C extension is built)
    "maxmatmul (compiled)": 2,
    "maxmatmul, argmax (compiled)": 2,
    "maxmatmul, argmax (numpy fallback)": 2,
    "HMM step (alpha @ A) * B[:, o], LogArray": 2,  # K = 2 and the tiny configuration's 4
    "np.einsum ij,jk,kl,lm->im": 1,
    # the compiled path (where logspace._c_convert is built and on) and the numpy fallback
    "LogArray(values)": 2 if _conversions._c is not None else 1,
    "LogArray.to_numpy()": 2 if _conversions._c is not None else 1,
    "repr(LogArray), numpy's summary": 1,
    "LogArray(decimal strings)": 1,
}
# The torch and JAX rows, where those libraries are installed.
for _lib, _suffix in (("torch", "torch"), ("jax", "jax (jit)")):
    if importlib.util.find_spec(_lib) is not None:
        EXPECTED_ROWS[f"logsumexp, 1-D, {_suffix}"] = 1
        EXPECTED_ROWS[f"logmatmulexp, {_suffix}"] = 1
        EXPECTED_ROWS[f"chain.likelihood, {_suffix}"] = 1
        EXPECTED_ROWS[f"chain.likelihood + gradient, {_suffix}"] = 1
if not _bench_compiled():
    del EXPECTED_ROWS["maxmatmul (compiled)"], EXPECTED_ROWS["maxmatmul, argmax (compiled)"]
    EXPECTED_ROWS["maxmatmul (numpy fallback)"] = 2


def tiny(**changes):
    return dataclasses.replace(_bench.tiny_config(), **changes)


def table_rows(text):
    """The body rows of the markdown table, split into stripped cells."""
    lines = [line for line in text.splitlines() if line.startswith("| ")]
    header, body = lines[0], lines[1:]
    return [cell.strip() for cell in header.strip("|").split("|")], [
        [cell.strip() for cell in line.strip("|").split("|")] for line in body
    ]


@pytest.fixture(scope="module")
def report():
    return _bench.run(config=_bench.tiny_config())


def test_every_case_has_its_rows(report):
    counts: dict[str, int] = {}
    for row in report.rows:
        counts[row.case] = counts.get(row.case, 0) + 1
    assert counts == EXPECTED_ROWS
    assert report.skipped == []


def test_times_are_positive_and_finite(report):
    for row in report.rows:
        assert math.isfinite(row.seconds) and row.seconds > 0, row
        assert math.isfinite(row.peer_seconds) and row.peer_seconds > 0, row


def test_table_has_the_columns_and_a_cell_per_column(report):
    text = _bench.format_report(report)
    header, body = table_rows(text)
    assert header == list(_bench.COLUMNS)
    assert len(body) == len(report.rows)
    met = header.index("met")
    for cells in body:
        assert len(cells) == len(header)
        assert cells[met] == "yes" or cells[met].startswith("NO") or cells[met] == "(report)"
    assert text.startswith("- Command: `logspace._bench.run(config=...)`")
    assert "- Machine: " in text and "numpy " in text


def test_conditions_and_targets():
    faster, slower = _bench.Target("faster", 3), _bench.Target("slower", 1.2)
    assert faster.met(3.0) and not faster.met(2.9)
    assert slower.met(1 / 1.2) and slower.met(5.0) and not slower.met(1 / 1.3)
    assert str(faster) == ">= 3x faster" and str(slower) == "<= 1.2x slower"
    row = _bench.Row("c", "1", 1.0, "p", 4.0, faster, checks={"memory": False})
    assert row.speedup == 4.0 and row.met is False
    assert _bench._met_cell(row) == "NO (memory)"
    assert _bench.Row("c", "1", 1.0, "p", 4.0, None).met is None


def test_peak_extra_bytes_sees_numpy_buffers():
    import numpy as np

    assert _bench.peak_extra_bytes(lambda: np.ones(100_000)) >= 800_000


def test_missing_peers_are_skipped_with_a_line(monkeypatch):
    # A None entry in sys.modules makes the import raise ImportError.
    for module in ("scipy.special", "hmmlearn", "hmmlearn.hmm"):
        monkeypatch.setitem(sys.modules, module, None)
    report = _bench.run(config=tiny(lse_2d=(4, 8)))
    text = _bench.format_report(report)
    assert any(line.startswith("- scipy is not installed") for line in text.splitlines())
    assert any(line.startswith("- hmmlearn is not installed") for line in text.splitlines())
    assert "logspace-numbers[bench]" in report.skipped[0]
    peers = {row.peer for row in report.rows}
    assert not any("scipy" in p or "hmmlearn" in p for p in peers)
    assert {row.case for row in report.rows} >= {"logaddexp", "LogArray a * b", "LogFloat x + y, per op"}


def test_command_line(monkeypatch, capsys):
    monkeypatch.setattr(_bench, "QUICK", _bench.tiny_config())
    assert main(["bench", "--quick"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("- Command: `python -m logspace bench --quick`\n")
    header, body = table_rows(out)
    assert header == list(_bench.COLUMNS) and body
