"""numpydoc validation of logspace's public API (run by .ci/run).

Checks every name of ``logspace.__all__`` (and the IPython extension hooks
``logspace.load_ipython_extension``/``unload_ipython_extension``), every
public method and property of LogFloat and LogArray, and the public
functions and classes of ``logspace.testing``, ``logspace.chain`` and
``logspace.plotting`` where those modules exist, with
:func:`numpydoc.validate.validate`. It fails on the findings of
:data:`FAILING_CODES`: no docstring (GL08), parameters missing from or
unknown to the docstring (PR01, PR02), no Returns section although the
function returns something (RT01), no example (EX01).

Findings in the modules of :data:`REPORT_ONLY` are printed but do not fail
the check while their docstrings are being rewritten; ``--strict`` (or
emptying that set) makes them fail too.

Usage (numpydoc comes with the ``docs`` extra)::

    python tools/check_docstrings.py [--strict]
"""

from __future__ import annotations

import argparse
import importlib
import inspect
import sys
from collections.abc import Iterator
from pathlib import Path

# Check this checkout's logspace, as the tests do (python puts tools/ first on sys.path).
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

FAILING_CODES = ("GL08", "PR01", "PR02", "RT01", "EX01")

# The fail-on-error switch: findings in these modules are reported, not
# failed. Empty it (or pass --strict) once their docstrings are complete.
REPORT_ONLY: set[str] = set()

OPTIONAL_MODULES = ("logspace.testing", "logspace.chain", "logspace.plotting")


def _public_members(cls: type) -> Iterator[str]:
    """Public methods and properties defined by ``cls`` or its logspace bases (not object's)."""
    for name, _ in inspect.getmembers(cls):
        if name.startswith("_"):
            continue
        owner = next(base for base in cls.__mro__ if name in vars(base))
        if owner.__module__.startswith("logspace"):
            yield name


def public_api() -> list[str]:
    """Dotted names of the public API, as numpydoc.validate takes them.

    >>> names = public_api()
    >>> "logspace.LogFloat" in names and "logspace.LogArray.sum" in names
    True
    """
    import logspace

    names = [f"logspace.{name}" for name in logspace.__all__ if name != "__version__"]
    names += ["logspace.load_ipython_extension", "logspace.unload_ipython_extension"]
    for cls in (logspace.LogFloat, logspace.LogArray):
        names += [f"logspace.{cls.__name__}.{member}" for member in _public_members(cls)]
    for module_name in OPTIONAL_MODULES:
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as error:
            if error.name == module_name:  # not written (yet): nothing to check
                continue
            raise
        public = getattr(module, "__all__", [n for n in vars(module) if not n.startswith("_")])
        for name in public:
            obj = getattr(module, name)
            if not (inspect.isroutine(obj) or inspect.isclass(obj)):  # constants have no numpydoc sections
                continue
            names.append(f"{module_name}.{name}")
            if inspect.isclass(obj) and obj.__module__ == module_name:
                names += [f"{module_name}.{name}.{member}" for member in _public_members(obj)]
    return names


def defining_module(name: str) -> str:
    """The module that defines the object named ``name`` (where its docstring lives).

    >>> defining_module("logspace.LogFloat.log10"), defining_module("logspace.plotting.setup")
    ('logspace._scalar', 'logspace.plotting')
    """
    module_name, _, rest = name.partition(".")
    obj: object = importlib.import_module(module_name)
    owner = getattr(obj, "__name__", module_name)
    for part in rest.split("."):
        obj = inspect.getattr_static(obj, part) if inspect.isclass(obj) else getattr(obj, part)
        if isinstance(obj, (classmethod, staticmethod)):
            obj = obj.__func__
        if isinstance(obj, property):
            obj = obj.fget
        owner = getattr(obj, "__module__", None) or owner
    return owner


def findings(names: list[str]) -> list[tuple[str, str, str, str]]:
    """(module, name, code, message) for each failing code numpydoc reports.

    >>> findings(["logspace.plotting.setup"])
    []
    """
    from numpydoc.validate import validate

    out = []
    for name in names:
        for code, message in validate(name)["errors"]:
            if code in FAILING_CODES:
                out.append((defining_module(name), name, code, message))
    return out


def main(argv: list[str] | None = None) -> int:
    """Print the findings; exit 1 if any is outside :data:`REPORT_ONLY` (all with ``--strict``).

    >>> main(["--only", "logspace.plotting"])  # doctest: +ELLIPSIS
    numpydoc: 0 failing, 0 reported only (GL08, PR01, PR02, RT01, EX01) over ... names
    0
    """
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--strict", action="store_true", help="fail on the report-only modules too")
    parser.add_argument("--only", metavar="MODULE", help="check only the names of this module (prefix)")
    args = parser.parse_args(argv)
    names = public_api()
    if args.only:
        names = [n for n in names if n == args.only or n.startswith(args.only + ".")]
    report_only = set() if args.strict else REPORT_ONLY
    failing, reported = [], []
    for module, name, code, message in findings(names):
        (reported if module in report_only else failing).append(f"{code} {name}: {message} [{module}]")
    for line in reported:
        print(f"report only: {line}")
    for line in failing:
        print(f"FAIL: {line}")
    print(
        f"numpydoc: {len(failing)} failing, {len(reported)} reported only ({', '.join(FAILING_CODES)})"
        f" over {len(names)} names"
    )
    return 1 if failing else 0


if __name__ == "__main__":
    sys.exit(main())
