"""``python -m logspace``: an interactive console, and the report commands.

With no arguments it opens a console with LogFloat, LogArray and the kernels
imported (IPython when it is installed and stdin is a terminal, else Python's
own with tab completion), where float literals beyond float range such as
``1e-5000`` are read as exact LogFloats. Subcommands print the accuracy
table (``accuracy``) and the benchmark against the peers (``bench``).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence


def run_console() -> int:
    """The interactive console (see :mod:`logspace._console`); piped input works too."""
    from logspace import _console

    return _console.run()


def run_accuracy(args: argparse.Namespace) -> int:
    from logspace import _report

    if args.plot:  # fail before the table's seconds of work, not after
        missing = _report.plot_unavailable()
        if missing is not None:
            print(f"python -m logspace accuracy: error: {missing}", file=sys.stderr)
            return 1
    print(_report.accuracy_table(seed=args.seed))
    if args.plot:
        _report.plot_dynamic_range(args.plot, seed=args.seed)
        print(f"\nWrote the error-against-dynamic-range plot to {args.plot}")
    return 0


def run_bench(args: argparse.Namespace) -> int:
    from logspace import _bench

    return _bench.main(quick=args.quick, seed=args.seed)


def version_line() -> str:
    """``logspace <version> (<path of each compiled module>)``; ``LOGSPACE_PURE_PYTHON=1`` turns them off.

    >>> version_line().startswith("logspace ")
    True
    """
    import logspace
    from logspace import _native

    return f"logspace {logspace.__version__} ({_native.summary()})"


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m logspace",
        description="Log-domain numbers. Without a subcommand: an interactive console.",
    )
    parser.add_argument(
        "--version",
        action="store_true",
        help="print the version and which path each compiled module takes (compiled or numpy fallback)",
    )
    commands = parser.add_subparsers(dest="command", metavar="{accuracy,bench}")
    accuracy = commands.add_parser("accuracy", help="print the ulp-error table of the kernels against mpmath")
    accuracy.add_argument("--seed", type=int, default=0, help="seed of the random inputs (default 0)")
    accuracy.add_argument(
        "--plot", metavar="PNG", help="also draw log-sum-exp error against dynamic range to PNG (needs matplotlib)"
    )
    accuracy.set_defaults(run=run_accuracy)
    bench = commands.add_parser("bench", help="time logspace against numpy, scipy and hmmlearn side by side")
    bench.add_argument("--quick", action="store_true", help="smaller sizes and fewer repeats (under a minute)")
    bench.add_argument("--seed", type=int, default=0, help="seed of the random inputs (default 0)")
    bench.set_defaults(run=run_bench)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.version:
        print(version_line())
        return 0
    if args.command is None:
        return run_console()
    return int(args.run(args))


if __name__ == "__main__":
    sys.exit(main())
