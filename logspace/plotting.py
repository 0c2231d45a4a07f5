"""Plot LogArrays with matplotlib: values far below float range on a log10 axis.

Importing logspace never imports matplotlib; this module does, and
:func:`setup` (an explicit call, as pint's and astropy's unit support are
switched on) registers a matplotlib units converter for
:class:`~logspace.LogArray` and :class:`~logspace.LogFloat`. After it,
``ax.plot(a)`` and ``ax.plot(t, a)`` draw a LogArray as what it is: the axis
it lands on plots ``log10`` of its values, computed from the stored logs (so
1e-5000 is drawn at -5000, never as 0), and labels its ticks as powers of
ten (``10^{-5000}``).

- Zeros (log10 = -inf) and nans are left out of the line, as matplotlib
  leaves out nans.
- Negative values raise: they have no place on a log axis (plot ``abs(a)``
  or ``-a`` instead).
- LogFloats convert the same way (``ax.axhline(LogFloat('1e-300'))``).
- A plain number on such an axis is read as a log10, not as a value:
  ``ax.axhline(0.5)`` draws a line at 10^0.5, and ``ax.set_ylim(-6000, 0)``
  shows 1e-6000 to 1. Pass LogFloats to place values
  (``ax.axhline(LogFloat(0.5))``).

matplotlib hands an object with a ``to_numpy()`` method to the units
machinery only after calling that method (``matplotlib.cbook._unpack_to_numpy``),
which for a LogArray gives the linear values, 0 below float range. :func:`setup`
therefore also makes that step pass LogArrays through unchanged;
:func:`teardown` undoes both.

Examples
--------
>>> import matplotlib
>>> matplotlib.use("Agg")
>>> import matplotlib.pyplot as plt
>>> from logspace import LogArray
>>> from logspace import plotting
>>> plotting.setup()
>>> fig, ax = plt.subplots()
>>> line, = ax.plot(LogArray(["1e-5000", "1e-2500", "1"]))
>>> line.get_ydata(orig=False).tolist()  # what is drawn: log10 of the values
[-5000.0, -2500.0, 0.0]
>>> plt.close(fig)
>>> plotting.teardown()
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from numpy.typing import NDArray

try:
    import matplotlib.cbook as _cbook
    import matplotlib.ticker as _ticker
    import matplotlib.units as _units
except ImportError as error:  # pragma: no cover - exercised only without matplotlib
    raise ImportError(
        "logspace.plotting needs matplotlib, which is not installed: "
        "pip install 'logspace-numbers[docs]' (or pip install matplotlib) installs it."
    ) from error

from logspace._array import LogArray
from logspace._scalar import LogFloat

__all__ = ["LogConverter", "power_of_ten_label", "setup", "teardown", "to_log10"]

_LN10 = math.log(10.0)

# matplotlib's own unpacking step, kept to restore and to delegate to.
_original_unpack: Any = None


def to_log10(value: Any) -> Any:
    """log10 of a LogArray's or LogFloat's values, as matplotlib draws them.

    Parameters
    ----------
    value : LogArray or LogFloat
        The values to draw.

    Returns
    -------
    ndarray of float or float
        ``log10`` of each value, from the stored logs; nan for zeros and nans
        (matplotlib leaves those out of a line).

    Raises
    ------
    ValueError
        When a value is negative.

    Examples
    --------
    >>> from logspace import LogArray, LogFloat
    >>> to_log10(LogArray(["1e-5000", "0", "100"])).tolist()
    [-5000.0, nan, 2.0]
    >>> to_log10(LogFloat("1e-300"))
    -300.0
    """
    if isinstance(value, LogFloat):
        if value < 0:
            raise ValueError(f"cannot draw the negative value {value!r} on a log axis; draw its absolute value")
        log10 = value.log10()
        return log10 if log10 != -math.inf else math.nan
    log = np.asarray(value.log, dtype=np.float64)
    if value.signed and bool(np.any(np.asarray(value.sign) < 0)):
        raise ValueError(
            "cannot draw negative values on a log axis: draw abs(a) (or -a), or the positive and negative parts apart"
        )
    with np.errstate(invalid="ignore"):
        out: NDArray[np.float64] = np.where(log == -np.inf, np.nan, log / _LN10)
    return out


def power_of_ten_label(exponent: float, position: int | None = None) -> str:
    """The tick label of a log10 axis: ``$10^{-5000}$``.

    Parameters
    ----------
    exponent : float
        The tick's position on the axis, a log10.
    position : int, optional
        The tick's index (matplotlib's FuncFormatter passes it; unused).

    Returns
    -------
    str
        Mathtext for ten to that power; an exponent that is not whole is
        written with up to 4 significant digits.

    Examples
    --------
    >>> power_of_ten_label(-5000.0)
    '$10^{-5000}$'
    >>> power_of_ten_label(0.5)
    '$10^{0.5}$'
    """
    if float(exponent).is_integer():
        return f"$10^{{{int(exponent)}}}$"
    return f"$10^{{{exponent:.4g}}}$"


class LogConverter(_units.ConversionInterface):
    """The matplotlib units converter of LogArray and LogFloat (registered by :func:`setup`).

    Examples
    --------
    >>> from logspace import LogArray
    >>> LogConverter.convert(LogArray(["1e-5000", "1e-2500", "1"]), None, None).tolist()
    [-5000.0, -2500.0, 0.0]
    """

    @staticmethod
    def convert(value: Any, unit: Any, axis: Any) -> Any:
        """Values to axis coordinates: log10 of LogArrays and LogFloats, other values unchanged.

        Parameters
        ----------
        value : LogArray, LogFloat, a sequence holding them, or what matplotlib draws natively
            The values to place on the axis.
        unit : None
            Unused (a LogArray has no units).
        axis : matplotlib.axis.Axis
            The axis drawn on (unused).

        Returns
        -------
        ndarray of float, float, or ``value`` unchanged
            See :func:`to_log10`; in a sequence, each LogFloat is converted
            and each plain number kept (read as a log10).

        Examples
        --------
        >>> from logspace import LogFloat
        >>> LogConverter.convert(LogFloat("1e-400"), None, None), LogConverter.convert(0.5, None, None)
        (-400.0, 0.5)
        """
        if isinstance(value, (LogArray, LogFloat)):
            return to_log10(value)
        if isinstance(value, (list, tuple, np.ndarray)):  # e.g. axhline's [y, y]: convert the LogFloats in it
            elements = np.asarray(value, dtype=object)
            if any(isinstance(v, (LogArray, LogFloat)) for v in elements.flat):
                return np.frompyfunc(LogConverter.convert, 3, 1)(elements, unit, axis).astype(np.float64)
        return value

    @staticmethod
    def axisinfo(unit: Any, axis: Any) -> _units.AxisInfo:
        """Ticks at whole powers of ten, labelled as such.

        Parameters
        ----------
        unit : None
            Unused.
        axis : matplotlib.axis.Axis
            The axis to describe (unused).

        Returns
        -------
        matplotlib.units.AxisInfo
            A locator of whole log10 values and :func:`power_of_ten_label`.

        Examples
        --------
        >>> LogConverter.axisinfo(None, None).majfmt(-300.0, 0)
        '$10^{-300}$'
        """
        locator = _ticker.MaxNLocator(nbins="auto", steps=[1, 2, 2.5, 5, 10], integer=True)
        return _units.AxisInfo(majloc=locator, majfmt=_ticker.FuncFormatter(power_of_ten_label))

    @staticmethod
    def default_units(x: Any, axis: Any) -> None:
        """LogArrays have no units.

        Parameters
        ----------
        x : LogArray or LogFloat
            The values drawn.
        axis : matplotlib.axis.Axis
            The axis drawn on.

        Returns
        -------
        None

        Examples
        --------
        >>> LogConverter.default_units(None, None) is None
        True
        """
        return None


def _unpack_keeping_logarrays(x: Any) -> Any:
    """matplotlib's ``_unpack_to_numpy``, except that a LogArray stays a LogArray."""
    if isinstance(x, LogArray):
        return x
    return _original_unpack(x)


def setup() -> None:
    """Let matplotlib draw LogArrays and LogFloats on log10 axes.

    Registers :class:`LogConverter` for both types and makes matplotlib's
    ``to_numpy()`` unpacking step pass LogArrays through. Calling it again
    does nothing more.

    Returns
    -------
    None

    Examples
    --------
    >>> import matplotlib.units
    >>> from logspace import LogArray
    >>> setup()
    >>> isinstance(matplotlib.units.registry[LogArray], LogConverter)
    True
    >>> teardown()
    """
    global _original_unpack
    converter = LogConverter()
    _units.registry[LogArray] = converter
    _units.registry[LogFloat] = converter
    if _original_unpack is None and hasattr(_cbook, "_unpack_to_numpy"):
        _original_unpack = _cbook._unpack_to_numpy
        _cbook._unpack_to_numpy = _unpack_keeping_logarrays


def teardown() -> None:
    """Undo :func:`setup`: matplotlib draws LogArrays as their linear values again.

    Returns
    -------
    None

    Examples
    --------
    >>> import matplotlib.units
    >>> from logspace import LogArray
    >>> setup()
    >>> teardown()
    >>> LogArray in matplotlib.units.registry
    False
    """
    global _original_unpack
    for cls in (LogArray, LogFloat):
        _units.registry.pop(cls, None)
    if _original_unpack is not None:
        _cbook._unpack_to_numpy = _original_unpack
        _original_unpack = None
