"""tools/check_docstrings.py, the numpydoc validation that .ci/run runs over the public API."""

from __future__ import annotations

import importlib.util
import sys
import types
from pathlib import Path

import pytest

pytest.importorskip("numpydoc")
ROOT = Path(__file__).resolve().parents[1]
spec = importlib.util.spec_from_file_location("check_docstrings", ROOT / "tools" / "check_docstrings.py")
assert spec is not None and spec.loader is not None
check = importlib.util.module_from_spec(spec)
spec.loader.exec_module(check)


def test_public_api_covers_all_names_methods_and_optional_modules():
    import logspace

    names = check.public_api()
    assert {f"logspace.{n}" for n in logspace.__all__ if n != "__version__"} <= set(names)
    assert {"logspace.LogFloat.log10", "logspace.LogArray.normalize", "logspace.LogArray.shape"} <= set(names)
    assert "logspace.plotting.setup" in names and "logspace.plotting.LogConverter.convert" in names
    assert "logspace.testing.ulp" in names
    assert not any(name.split(".")[-1].startswith("_") for name in names)


def test_the_interface_modules_pass_strictly():
    names = [n for n in check.public_api() if n.startswith("logspace.plotting") or "ipython_extension" in n]
    assert check.findings(names) == []


@pytest.fixture
def bad_module(monkeypatch):
    module = types.ModuleType("logspace_bad_docstrings")

    def undocumented(x):
        return x

    def half_documented(x, y):
        """Add two numbers.

        Parameters
        ----------
        x : int
            The first.
        z : int
            Not a parameter.
        """
        return x + y

    undocumented.__module__ = half_documented.__module__ = module.__name__
    module.undocumented, module.half_documented = undocumented, half_documented
    monkeypatch.setitem(sys.modules, module.__name__, module)
    return module.__name__


def test_findings_report_each_failing_code(bad_module):
    found = {
        (name.split(".")[-1], code)
        for _, name, code, _ in check.findings([f"{bad_module}.undocumented", f"{bad_module}.half_documented"])
    }
    assert found == {
        ("undocumented", "GL08"),
        ("half_documented", "PR01"),
        ("half_documented", "PR02"),
        ("half_documented", "RT01"),
        ("half_documented", "EX01"),
    }


def test_report_only_modules_do_not_fail_unless_strict(bad_module, monkeypatch, capsys):
    monkeypatch.setattr(check, "public_api", lambda: [f"{bad_module}.undocumented"])
    assert check.main([]) == 1
    monkeypatch.setattr(check, "REPORT_ONLY", {bad_module})
    assert check.main([]) == 0
    assert check.main(["--strict"]) == 1
    assert "report only: GL08" in capsys.readouterr().out
