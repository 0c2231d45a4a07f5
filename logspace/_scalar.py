"""LogFloat: the scalar of logspace, a real number stored as log|x| and a sign.

A LogFloat is the number ``sign * e**log`` for a float64 ``log``, so
1e-5000 and 10**300000 are ordinary values. Arithmetic calls the scalar
kernels of :mod:`logspace._kernels_scalar`; parsing and printing are
:mod:`logspace._text`. This module adds the Python number protocol with one
rule for plain numbers (each stands for its LogFloat), conversions that give
the number the repr shows, and :func:`fsum` and :func:`isclose`. It imports
nothing from the array layer: numpy ufuncs beside arrays go to the handler
that layer registers with :func:`register_array_ufunc`.
"""

from __future__ import annotations

import math
import numbers
import operator
from collections.abc import Iterable
from decimal import Decimal
from fractions import Fraction
from typing import Any

import numpy as np
from mpmath import libmp

from logspace import _text
from logspace._conversions import log_sign_of_float as _log_of_float
from logspace._kernels_scalar import logaddexp, logsubexp_accurate, logsumexp

__all__ = ["LogFloat", "fsum", "isclose", "register_array_ufunc"]

_INF = math.inf
_FLOAT64_DTYPE = np.dtype(np.float64)
_NAN = math.nan
_LN2 = math.log(2.0)
_LN10 = math.log(10.0)
_new = object.__new__
_getattr = getattr
_mlog = math.log
_RN = libmp.round_nearest
# Decimal's largest exponent (decimal.MAX_EMAX on 64-bit builds) as a log.
_DECIMAL_MAX_LOG = 999_999_999_999_999_999 * _LN10
# int(), math.floor() etc. refuse results of more than a million digits.
_MAX_INT_DIGITS = 1_000_000
_MAX_INT_LOG = _MAX_INT_DIGITS * _LN10
# Ints below this in magnitude are exact as floats, whose log is log_cr's.
_EXACT_INT = 1 << 53


class LogFloat:
    """A real number stored as the natural log of its magnitude and a sign.

    ``LogFloat(x)`` holds ``log = log|x|`` (a float64) and ``sign`` (-1, 0 or
    1) and stands exactly for ``sign * e**log``. Products, quotients and
    powers are sums and products of logs, so values far outside float range,
    such as 1e-5000 or 10**300000, neither underflow nor overflow.

    Parameters
    ----------
    value : int, float, Fraction, Decimal, str, numpy scalar, mpmath.mpf or LogFloat, optional
        The number (default 0). Ints of any size, Fractions, Decimals and
        decimal strings such as ``'1e-5000'`` or ``'-2.5e+300000'`` are read
        exactly: the stored log is the correctly rounded log of the exact
        input. Strings also accept ``'inf'``, ``'-inf'`` and ``'nan'``.

    Attributes
    ----------
    log : float
        The natural log of the magnitude: -inf for zero, inf for infinities,
        nan for nan. Read-only.
    sign : int
        -1, 0 (zero only) or 1 (also for nan). Read-only.

    Raises
    ------
    ValueError
        For a string that is not a number (the message names the string).
    TypeError
        For a sequence or array (use ``LogArray``), a complex number, or any
        other non-number.

    See Also
    --------
    LogArray : arrays of log-domain numbers.
    fsum : accurate sum of many LogFloats.
    isclose : the comparison to use in place of ``==``.

    Notes
    -----
    **Representation.** There is one zero (``log = -inf``, ``sign = 0``;
    ``LogFloat(-0.0)`` is that zero), infinities have ``log = inf`` and
    ``sign = +-1``, and nan has ``log = nan`` and ``sign = 1``. Instances are
    immutable and hashable, pickle and copy, and ``bool(x)`` is False only
    for zero. ``LogFloat.from_log(log, sign)`` builds one from a log.

    **The plain-number rule.** A plain number v (int, float, bool,
    Fraction, Decimal, numpy real scalar or 0-d array) on either side of
    ``+ - * / **`` or of a comparison stands for ``LogFloat(v)``: its
    correctly rounded log and its sign. The operation is then the one
    between two LogFloats, bit for bit in either order, and always in
    float64 logs (``np.float32(0.5) * LogFloat(0.25)`` is ``LogFloat(0.125)``;
    numpy ufuncs on scalars follow the same rule). So ``LogFloat(v) == v``
    for every finite v, and near cancellation the rounded log shows:
    ``LogFloat(0.5) - 0.5`` is 0. An exponent is used at its value, as by
    ``math.pow``. An ndarray, a ``LogArray`` or anything else with
    ``__array_ufunc__`` on the other side is left to that side
    (``NotImplemented``), and the result is a LogArray.

    **Errors follow math, not numpy.** LogFloat raises where the :mod:`math`
    module does: ``LogFloat(-4).sqrt()`` is ValueError, ``x / 0`` and
    ``0 ** -1`` are ZeroDivisionError, ``x ** y`` whose log overflows is
    OverflowError, as are ``float(x)`` beyond float range and ``int(inf)``.
    Operators that IEEE floats answer quietly answer the same way: ``0 * inf``
    and ``inf - inf`` are nan, ``x * y`` whose log overflows is inf or 0, nan
    propagates. ``LogArray`` follows numpy instead (nan or inf, reported
    through ``np.errstate``).

    ============================  =======================================
    operation                     special values
    ============================  =======================================
    ``x + y``, ``x - y``          ``inf - inf`` is nan; ``x + 0`` is x
    ``x * y``                     ``0 * inf`` is nan; sign rule as floats
    ``x / y``                     ``x / 0`` raises (``0 / 0`` too);
                                  ``inf / inf`` is nan; ``x / inf`` is 0
    ``x ** y``                    as ``math.pow``: ``x ** 0`` and ``1 ** y``
                                  are 1 (nan too); negative ``x`` needs an
                                  integer ``y`` (else ValueError)
    ``x.sqrt()``, ``log10``,      ValueError for x < 0; of zero: 0 and -inf
    ``log2``
    ============================  =======================================

    **Accuracy,** in ulps of the stored log, against the exact values of the
    LogFloat operands (``sign * e**log``; a plain number enters as its
    LogFloat, whose log is correctly rounded): ``*``, ``/`` and ``**``, and
    ``x ** r`` for a real r, are within 1 ulp of the result's log; ``+`` of
    same-signed numbers within 1 ulp of max(|log|, 1), ``-`` within 2. The bound of ``-`` holds near
    cancellation too: for x close to y the difference of the logs is exact
    and ``log1mexp`` keeps its relative accuracy, so the (much smaller) log
    of x - y is within 2 ulps; and where that log itself cancels (x - y near
    1 while x is far from it, as 100 - 99) the kernel redoes the sum with
    mpmath. ``sqrt`` is one rounding of ``log / 2``, ``log10`` and ``log2``
    one rounding of an 80-bit quotient.
    Python's ``sum()`` folds ``+`` one term at a time and loses accuracy as
    the number of terms grows; :func:`fsum` does not.

    **Equality, order and hashing.** Between LogFloats ``==`` compares log
    and sign and ``<`` orders the values; a plain number compares as its
    LogFloat. As several floats round to one LogFloat, equality with plain
    numbers is not transitive: ``LogFloat(3) == 3.0`` and
    ``LogFloat(3) == 3.0000000000000004`` although the floats differ. Use
    :func:`logspace.isclose` to compare with a tolerance. ``hash(x)`` is
    ``hash(float(x))`` where that float reads back as x, else the hash of
    the exact decimal the repr shows: ``hash(LogFloat(2)) == hash(2)``.

    **Conversions give the number the repr shows.** ``repr`` is a float
    literal where that float reads back and no decimal is shorter
    (``LogFloat(0.1)``), else the shortest decimal that reads back
    (``LogFloat('1e-5000')``), else (more than 40 digits, or an exponent of
    more than 15 digits) ``LogFloat.from_log(...)``. ``float(x)`` is the
    shortest decimal of at most 12 digits that reads back, as a float, else
    the correctly rounded ``e**log`` (see ``logspace._text.float_of_log``);
    ``int``, ``round``, ``math.floor``/``ceil``/``trunc`` round the decimal
    the repr shows. ``format`` with a precision and ``to_mpmath`` give the
    stored value ``e**log``.

    **Functions of the math module** (``math.isclose``, ``math.log``,
    ``math.isfinite``) see only ``float(x)``, which is 0.0 or OverflowError
    outside float range; use the methods (``x.log``, ``x.log10()``,
    ``x.isfinite()``) and :func:`logspace.isclose` instead.

    Examples
    --------
    Floats underflow where LogFloats do not:

    >>> 0.1 ** 400
    0.0
    >>> print(LogFloat("0.1") ** 400)
    1e-400
    >>> format(LogFloat(0.1) ** 400, ".3e")
    '1.000e-400'
    >>> LogFloat("1e-5000") * LogFloat("3e-5000")
    LogFloat('3e-10000')
    >>> LogFloat(10**5000).log
    11512.925464970229
    >>> LogFloat(-2.5).sign, LogFloat(0).log
    (-1, -inf)
    >>> LogFloat(0.5) == 0.5, LogFloat(2) == 2, LogFloat(0.1) * 3 == 0.3
    (True, True, False)
    >>> float(LogFloat(3)), int(LogFloat(1000)), LogFloat(0.1), LogFloat("0.1")
    (3.0, 1000, LogFloat(0.1), LogFloat('0.1'))
    """

    # _float and _hash cache float(x) and hash(x), computed on first use
    # (unset until then: instances are built with object.__new__).
    __slots__ = ("_float", "_hash", "_log", "_sign")
    _log: float
    _sign: int

    _float: float
    _hash: int

    # ------------------------------------------------------------------
    # construction

    def __new__(cls, value: Any = 0) -> LogFloat:
        t = type(value)
        if t is LogFloat and cls is LogFloat:
            return value
        if t is float:
            log, sign = _log_of_float(value)
        elif t is int:
            log, sign = _text.log_of_int(value)
        elif t is str:
            log, sign = _text.parse_decimal(value)
        else:
            log, sign = _log_of_other(value)
        res = _new(cls)
        res._log = log
        res._sign = sign
        return res

    @classmethod
    def from_log(cls, log: Any, sign: int = 1) -> LogFloat:
        """The number ``sign * e**log``, from its natural log.

        Parameters
        ----------
        log : float
            Natural log of the magnitude (anything ``float()`` takes but a
            string). -inf gives zero, inf an infinity, nan a nan.
        sign : {1, -1, 0}, optional
            Sign of the number; 0 only with ``log = -inf`` (zero).

        Returns
        -------
        LogFloat

        Raises
        ------
        ValueError
            For a sign other than -1, 0, 1, or sign 0 with a log other than -inf.
        TypeError
            For a string or bytes log (``LogFloat(text)`` reads decimals).

        Examples
        --------
        >>> LogFloat.from_log(-11512.925464970229)
        LogFloat('1e-5000')
        >>> LogFloat.from_log(0.0, sign=-1)
        LogFloat(-1.0)
        >>> LogFloat.from_log(1e-300)  # within 1e-300 of 1: no short decimal
        LogFloat.from_log(1e-300)
        """
        if isinstance(log, (str, bytes)):
            raise TypeError("LogFloat.from_log takes the log as a number; use LogFloat(text) for strings")
        log = float(log)
        if sign != 1:
            if sign != -1 and sign != 0:
                raise ValueError(f"LogFloat.from_log: sign must be -1, 0 or 1, not {sign!r}")
            if sign == 0 and log != -_INF and log == log:
                raise ValueError(f"LogFloat.from_log: sign 0 is zero, whose log is -inf, not {log!r}")
        res = _new(cls)
        if log != log:
            res._log, res._sign = _NAN, 1
        elif log == -_INF:
            res._log, res._sign = -_INF, 0
        else:
            res._log, res._sign = log + 0.0, (1 if sign == 1 else -1)  # -0.0 -> 0.0
        return res

    @property
    def log(self) -> float:
        """Natural log of |x|: -inf for zero, inf for infinities, nan for nan.

        A float64, read-only. The value is ``sign * e**log``; build a
        LogFloat from a log with :meth:`from_log`.

        Examples
        --------
        >>> LogFloat("1e-5000").log
        -11512.925464970229
        >>> LogFloat(-3).log, LogFloat(0).log, LogFloat("inf").log
        (1.0986122886681098, -inf, inf)
        >>> LogFloat.from_log(LogFloat(0.5).log) == 0.5
        True
        """
        return self._log

    @property
    def sign(self) -> int:
        """-1, 0 (zero) or 1 (positive numbers, +inf and nan).

        An int, read-only.

        Examples
        --------
        >>> LogFloat(-2.5).sign, LogFloat(0).sign, LogFloat("1e-5000").sign
        (-1, 0, 1)
        >>> LogFloat("-inf").sign, LogFloat("nan").sign
        (-1, 1)
        """
        return self._sign

    def __logspace_log_sign__(self) -> tuple[float, int | None]:
        """(log, sign or None): how the kernels read a LogFloat, as a LogArray.

        The sign is None for a number that is not negative, so that
        ``logsumexp(LogFloat(x))`` and ``logaddexp(x, y)`` work on the stored
        logs, never on linear values that may underflow.

        Examples
        --------
        >>> import logspace
        >>> x = LogFloat("1e-5000")
        >>> x.__logspace_log_sign__()
        (-11512.925464970229, None)
        >>> bool(logspace.logaddexp(x, x) == (x + x).log)
        True
        """
        return self._log, (self._sign if self._sign < 0 else None)

    # ------------------------------------------------------------------
    # numpy interoperability

    # A LogFloat is a 0-d float64 number, as np.float64 is: with
    # __array_function__ beside them, duck-array libraries (xarray) keep it as
    # the 0-d result of a full reduction instead of boxing it in an object array.

    @property
    def ndim(self) -> int:
        """0: a LogFloat is a 0-d number, as ``np.float64``.

        Examples
        --------
        >>> LogFloat("1e-5000").ndim
        0
        """
        return 0

    @property
    def shape(self) -> tuple[int, ...]:
        """``()``: the shape of a 0-d number.

        Examples
        --------
        >>> LogFloat(2).shape
        ()
        """
        return ()

    @property
    def size(self) -> int:
        """1: one number.

        Examples
        --------
        >>> LogFloat(2).size
        1
        """
        return 1

    @property
    def dtype(self) -> np.dtype[Any]:
        """float64: the dtype of the stored log.

        Examples
        --------
        >>> LogFloat(2).dtype
        dtype('float64')
        """
        return _FLOAT64_DTYPE

    @property
    def real(self) -> LogFloat:
        """The number itself (a LogFloat is real), as ``float.real``.

        Examples
        --------
        >>> LogFloat("-1e-5000").real
        LogFloat('-1e-5000')
        """
        return self

    @property
    def imag(self) -> LogFloat:
        """Zero, as ``float.imag``.

        Examples
        --------
        >>> LogFloat("1e-5000").imag
        LogFloat(0.0)
        """
        return _ZERO

    def item(self) -> LogFloat:
        """The LogFloat itself, as ``LogArray.item()`` of a 0-d array gives it.

        Returns
        -------
        LogFloat
            ``self``: converting to a Python float would lose values beyond float range.

        Examples
        --------
        >>> x = LogFloat("1e-5000")
        >>> x.item() is x
        True
        """
        return self

    # x[()] does not make a LogFloat iterable: no iteration through __getitem__
    # (np.iterable(x) is False, as for a float).
    __iter__ = None

    def __getitem__(self, key: Any) -> LogFloat:
        """``x[()]`` and ``x[...]`` are x, as for a 0-d array; a scalar has no other index."""
        if key == () or key is Ellipsis:
            return self
        raise TypeError(f"LogFloat is a scalar: it takes only the empty index x[()], not {key!r}")

    def __array__(self, dtype: Any = None, copy: bool | None = None) -> Any:
        """A 0-d object array holding the LogFloat: no trip through linear values.

        ``np.asarray(x, dtype=float)`` gives ``float(x)``, as for any number.
        """
        out = np.empty((), dtype=object)
        out[()] = self
        return out if dtype is None else out.astype(dtype)

    def __array_function__(self, func: Any, types: Any, args: Any, kwargs: Any) -> Any:
        """numpy functions on a LogFloat: LogArray operands decide, else numpy's own implementation.

        A call with a LogArray among its arguments is the LogArray's (which
        takes a LogFloat as a 0-d operand); with LogFloats and ndarrays only,
        numpy's implementation runs as for any Python object, so
        ``np.sum(LogFloat(x))`` is still ``LogFloat(x)``. The method makes a
        LogFloat a 0-d duck array for xarray (see ``ndim``, ``shape``, ``dtype``).

        Examples
        --------
        >>> import numpy as np
        >>> np.sum(LogFloat("1e-5000")), np.ndim(LogFloat(2.0))
        (LogFloat('1e-5000'), 0)
        """
        if not all(issubclass(t, (LogFloat, np.ndarray)) for t in types):
            return NotImplemented
        return func._implementation(*args, **kwargs)

    def __array_ufunc__(self, ufunc: Any, method: str, *inputs: Any, **kwargs: Any) -> Any:
        """numpy ufuncs on a LogFloat: the scalar rule for scalars, else the array side.

        When every input is a scalar (LogFloat, Python or numpy number, 0-d
        array), the arithmetic and comparison ufuncs and ``maximum``/``minimum``
        compute as the operators do, in float64 logs, and give a LogFloat (or a
        numpy bool): ``np.float32(0.5) * LogFloat(0.25)`` is ``LogFloat(0.125)``
        as in the other order. Everything else (arrays, other ufuncs, ``out=``)
        goes to the handler that the array layer registers with
        :func:`register_array_ufunc`, and acts as on a 0-d LogArray.
        """
        if method == "__call__" and not kwargs and len(inputs) == 2:
            op = _SCALAR_UFUNCS.get(ufunc)
            if op is not None:
                base = _scalar_operand(inputs[0])
                if base is not None:
                    other = inputs[1]
                    if ufunc is np.power or ufunc is np.float_power:
                        if _scalar_operand(other) is not None:
                            # the exponent is used at its value, as by ``**``
                            return base ** (other[()] if isinstance(other, np.ndarray) else other)
                    else:
                        right = _scalar_operand(other)
                        if right is not None:
                            return op(base, right)
        handler = _array_ufunc_handler
        if handler is None:
            return NotImplemented
        return handler(ufunc, method, inputs, kwargs)

    # ------------------------------------------------------------------
    # arithmetic: the fast paths test ``type(other) is LogFloat`` first and
    # build results with object.__new__; everything else is in _arith_*.

    def __mul__(self, other: Any) -> LogFloat:
        if type(other) is LogFloat:
            r = self._log + other._log
            if r - r == 0.0:  # finite
                res = _new(LogFloat)
                res._log = r
                res._sign = self._sign * other._sign
                return res
            return _make(r, self._sign * other._sign)
        return _arith_mul(self, other, 0)

    def __rmul__(self, other: Any) -> LogFloat:
        return _arith_mul(self, other, 0)

    def __truediv__(self, other: Any) -> LogFloat:
        if type(other) is LogFloat:
            r = self._log - other._log
            if r - r == 0.0:
                res = _new(LogFloat)
                res._log = r
                res._sign = self._sign * other._sign
                return res
            if other._sign == 0:
                raise ZeroDivisionError("LogFloat division by zero")
            return _make(r, self._sign * other._sign)
        return _arith_mul(self, other, 1)

    def __rtruediv__(self, other: Any) -> LogFloat:
        return _arith_mul(self, other, 2)

    def __add__(self, other: Any) -> LogFloat:
        if type(other) is LogFloat:
            s = self._sign
            if s == other._sign:
                res = _new(LogFloat)
                res._log = logaddexp(self._log, other._log)
                res._sign = s
                return res
            return _add_signed(self._log, s, other._log, other._sign)
        return _arith_add(self, other, 1, 1)

    def __radd__(self, other: Any) -> LogFloat:
        return _arith_add(self, other, 1, 1)

    def __sub__(self, other: Any) -> LogFloat:
        if type(other) is LogFloat:
            s = self._sign
            t = -other._sign
            if s == t:
                return _make(logaddexp(self._log, other._log), s)  # _make: nan has sign 1
            return _add_signed(self._log, s, other._log, t)
        return _arith_add(self, other, 1, -1)

    def __rsub__(self, other: Any) -> LogFloat:
        return _arith_add(self, other, -1, 1)

    def __pow__(self, other: Any, modulo: Any = None) -> LogFloat:
        if modulo is not None:
            raise TypeError("pow() 3rd argument not allowed unless all arguments are integers")
        if type(other) is LogFloat or isinstance(other, LogFloat):
            return _pow_logfloat(self._log, self._sign, other._log, other._sign)
        exponent = _real(other)
        if exponent is None:
            return NotImplemented
        return _pow_real(self._log, self._sign, exponent)

    def __rpow__(self, other: Any, modulo: Any = None) -> LogFloat:
        if modulo is not None:
            raise TypeError("pow() 3rd argument not allowed unless all arguments are integers")
        if _real(other) is None:
            return NotImplemented
        base = LogFloat(other)
        return _pow_logfloat(base._log, base._sign, self._log, self._sign)

    def __neg__(self) -> LogFloat:
        s = self._sign
        if s == 0 or self._log != self._log:
            return self
        res = _new(LogFloat)
        res._log = self._log
        res._sign = -s
        return res

    def __pos__(self) -> LogFloat:
        return self

    def __abs__(self) -> LogFloat:
        if self._sign >= 0:
            return self
        res = _new(LogFloat)
        res._log = self._log
        res._sign = 1
        return res

    def sqrt(self) -> LogFloat:
        """Square root, as ``math.sqrt``: ValueError for negative numbers.

        The log of the result is one rounding of ``log / 2``.

        Returns
        -------
        LogFloat
            The non-negative square root; zero for zero, inf for +inf, nan
            for nan.

        Raises
        ------
        ValueError
            For x < 0 (-inf included).

        Examples
        --------
        >>> LogFloat(4).sqrt(), LogFloat(0).sqrt()
        (LogFloat(2.0), LogFloat(0.0))
        >>> LogFloat("1e-5000").sqrt()
        LogFloat('1e-2500')
        >>> LogFloat(-4).sqrt()
        Traceback (most recent call last):
        ...
        ValueError: LogFloat.sqrt: math domain error (x < 0)
        """
        if self._sign < 0:
            raise ValueError("LogFloat.sqrt: math domain error (x < 0)")
        return _make(self._log * 0.5, self._sign)

    def log10(self) -> float:
        """Base-10 log as a float (-inf for zero; ValueError for x < 0).

        The natural log is the attribute :attr:`log`. This is one rounding of
        an 80-bit quotient ``log / ln 10`` of the stored log, so it is finite
        for every finite LogFloat, far outside float range too.

        Returns
        -------
        float
            The base-10 log: -inf for zero, inf for +inf, nan for nan.

        Raises
        ------
        ValueError
            For x < 0, as ``math.log10``.

        Examples
        --------
        >>> LogFloat("1e-5000").log10()
        -5000.0
        >>> LogFloat(1000).log10(), LogFloat(0).log10()
        (3.0, -inf)
        >>> LogFloat(-1).log10()
        Traceback (most recent call last):
        ...
        ValueError: LogFloat.log10: math domain error (x < 0)
        """
        if self._sign < 0:
            raise ValueError("LogFloat.log10: math domain error (x < 0)")
        return _divide_by_constant(self._log, libmp.mpf_ln10)

    def log2(self) -> float:
        """Base-2 log as a float (-inf for zero; ValueError for x < 0).

        One rounding of an 80-bit quotient ``log / ln 2`` of the stored log,
        which is itself rounded: ``LogFloat(8).log2()`` is 3 within an ulp,
        not exactly 3.

        Returns
        -------
        float
            The base-2 log: -inf for zero, inf for +inf, nan for nan.

        Raises
        ------
        ValueError
            For x < 0, as ``math.log2``.

        Examples
        --------
        >>> LogFloat(Fraction(1, 2**3000)).log2()
        -3000.0
        >>> LogFloat(8).log2(), LogFloat(0).log2()
        (2.9999999999999996, -inf)
        """
        if self._sign < 0:
            raise ValueError("LogFloat.log2: math domain error (x < 0)")
        return _divide_by_constant(self._log, libmp.mpf_ln2)

    def isnan(self) -> bool:
        """True for nan, as ``math.isnan``.

        Returns
        -------
        bool
            Whether x is nan.

        Examples
        --------
        >>> LogFloat("nan").isnan(), LogFloat("inf").isnan(), LogFloat(0).isnan()
        (True, False, False)
        >>> (LogFloat("inf") - LogFloat("inf")).isnan()
        True
        """
        return self._log != self._log

    def isinf(self) -> bool:
        """True for +-inf, as ``math.isinf`` (1e400 is finite here).

        Returns
        -------
        bool
            Whether x is inf or -inf.

        Examples
        --------
        >>> LogFloat("inf").isinf(), LogFloat("-inf").isinf(), LogFloat("nan").isinf()
        (True, True, False)
        >>> LogFloat("1e400").isinf(), LogFloat(1e300) * 1e300 == LogFloat("1e600")
        (False, True)
        """
        return self._log == _INF

    def isfinite(self) -> bool:
        """True unless inf or nan, as ``math.isfinite`` (1e400 is finite here).

        Returns
        -------
        bool
            Whether x is neither an infinity nor nan; zero is finite.

        Examples
        --------
        >>> LogFloat("1e400").isfinite(), LogFloat("-1e-5000").isfinite(), LogFloat(0).isfinite()
        (True, True, True)
        >>> LogFloat("inf").isfinite(), LogFloat("-inf").isfinite(), LogFloat("nan").isfinite()
        (False, False, False)
        """
        return self._log < _INF

    # ------------------------------------------------------------------
    # comparison and hashing: exact

    def __eq__(self, other: object) -> bool:
        if type(other) is LogFloat:
            return self._log == other._log and self._sign == other._sign
        c = _compare(self, other)
        if c is NotImplemented:
            return NotImplemented
        return c == 0

    def __ne__(self, other: object) -> bool:
        if type(other) is LogFloat:
            return not (self._log == other._log and self._sign == other._sign)
        c = _compare(self, other)
        if c is NotImplemented:
            return NotImplemented
        return c != 0

    def __lt__(self, other: Any) -> bool:
        if type(other) is LogFloat and self._sign == 1 == other._sign:
            return self._log < other._log
        c = _compare(self, other)
        if c is NotImplemented:
            return NotImplemented
        return c is not None and c < 0

    def __le__(self, other: Any) -> bool:
        if type(other) is LogFloat and self._sign == 1 == other._sign:
            return self._log <= other._log
        c = _compare(self, other)
        if c is NotImplemented:
            return NotImplemented
        return c is not None and c <= 0

    def __gt__(self, other: Any) -> bool:
        if type(other) is LogFloat and self._sign == 1 == other._sign:
            return self._log > other._log
        c = _compare(self, other)
        if c is NotImplemented:
            return NotImplemented
        return c is not None and c > 0

    def __ge__(self, other: Any) -> bool:
        if type(other) is LogFloat and self._sign == 1 == other._sign:
            return self._log >= other._log
        c = _compare(self, other)
        if c is NotImplemented:
            return NotImplemented
        return c is not None and c >= 0

    def __hash__(self) -> int:
        h = _getattr(self, "_hash", None)  # unset slot: None, cheaper than try/except
        if h is not None:
            return h
        h = _hash_of(self)
        self._hash = h
        return h

    def __bool__(self) -> bool:
        return self._sign != 0

    # ------------------------------------------------------------------
    # conversion

    def __float__(self) -> float:
        f = _getattr(self, "_float", None)
        if f is not None:
            return f
        f = _text.float_of_log(self._log, self._sign)  # OverflowError beyond float range
        self._float = f
        return f

    def __int__(self) -> int:
        return _integral(self, "trunc")

    def __trunc__(self) -> int:
        return _integral(self, "trunc")

    def __floor__(self) -> int:
        return _integral(self, "floor")

    def __ceil__(self) -> int:
        return _integral(self, "ceil")

    def __round__(self, ndigits: int | None = None) -> Any:
        """``round(x)``: the nearest int; ``round(x, n)``: a LogFloat.

        Both round the decimal the repr shows, half to even as for floats:
        ``round(x, n)`` is that decimal rounded to a multiple of 10**-n, as a
        LogFloat (correctly rounded log). inf and nan are returned unchanged
        by ``round(x, n)``.

        Examples
        --------
        >>> round(LogFloat("2.71828")), round(LogFloat("2.71828"), 2)
        (3, LogFloat(2.72))
        >>> round(LogFloat("2.5")), round(LogFloat("1e-5000"), 3)
        (2, LogFloat(0.0))
        """
        if ndigits is None:
            return _integral(self, "round")
        return _round_to(self, operator.index(ndigits))

    def to_mpmath(self) -> Any:
        """The value as an ``mpmath.mpf`` at mpmath's working precision.

        ``mpmath.mpf(x)`` gives the same (mpmath calls ``x._mpmath_``).

        Returns
        -------
        mpmath.mpf
            The stored value ``sign * e**log``, rounded to mpmath's working
            precision (``mpmath.mp.prec``); unlike the decimal the repr
            shows, it carries the rounding error of the stored log. Zero,
            infinities and nan give ``mpf('0.0')``, ``mpf('+inf')`` or
            ``mpf('-inf')``, and ``mpf('nan')``.

        Examples
        --------
        >>> LogFloat(0.5).to_mpmath(), LogFloat(-3).to_mpmath()  # e**log(3), log rounded
        (mpf('0.5'), mpf('-3.0000000000000004'))
        >>> import mpmath
        >>> mpmath.mpf(LogFloat("-1e-5000"))  # the stored value, 4e-13 from -1e-5000
        mpf('-9.9999999999956129e-5001')
        """
        import mpmath

        return mpmath.mpf(self)

    def _mpmath_(self, prec: int, rounding: str) -> Any:
        import mpmath

        s, log = self._sign, self._log
        if s == 0:
            return mpmath.mpf(0)
        if log != log:
            return mpmath.mpf("nan")
        if log == _INF:
            return mpmath.mpf("inf") if s > 0 else mpmath.mpf("-inf")
        value = libmp.mpf_exp(libmp.from_float(log), prec, rounding)
        return mpmath.mpf(libmp.mpf_neg(value) if s < 0 else value)

    def to_decimal(self) -> Decimal:
        """The shortest decimal that reads back as ``x``, as in ``repr(x)``.

        ``LogFloat(x.to_decimal()) == x`` always: where ``repr`` writes
        ``from_log`` for a value near +-1, this is the long decimal that
        reads back (up to about 330 digits).

        Returns
        -------
        decimal.Decimal
            The exact decimal, built without rounding (the decimal context
            is not used); ``Decimal('NaN')`` for nan and
            ``Decimal('Infinity')``/``Decimal('-Infinity')`` for infinities.

        Raises
        ------
        OverflowError
            Beyond Decimal's exponent range (``|log|`` above about 2.3e18).

        Examples
        --------
        >>> LogFloat("2.5e-300000").to_decimal()
        Decimal('2.5E-300000')
        >>> LogFloat("0.1").to_decimal(), LogFloat(0.1).to_decimal()  # the float 0.1 is above 0.1
        (Decimal('0.1'), Decimal('0.10000000000000002'))
        >>> LogFloat("-inf").to_decimal(), LogFloat("nan").to_decimal()
        (Decimal('-Infinity'), Decimal('NaN'))
        """
        log, sign = self._log, self._sign
        if log != log:
            return Decimal("NaN")
        if log == _INF:
            return Decimal("-Infinity" if sign < 0 else "Infinity")
        if log == -_INF:  # zero: its log is -inf, which the range check below would refuse
            return Decimal(0)
        if abs(log) > _DECIMAL_MAX_LOG:
            raise OverflowError(
                "LogFloat.to_decimal: the decimal exponent is beyond Decimal's range "
                f"(|log| = {abs(log):.3g} > {_DECIMAL_MAX_LOG:.3g}); use x.log"
            )
        m, q = _text.exact_decimal(log, sign)
        try:
            return Decimal(f"{m}E{q}")  # exact: the constructor ignores the context
        except ArithmeticError as exc:  # decimal.InvalidOperation: exponent out of range
            raise OverflowError(f"LogFloat.to_decimal: exponent {q} is beyond Decimal's range") from exc

    def to_fraction(self) -> Fraction:
        """:meth:`to_decimal` as a Fraction: ``LogFloat(x.to_fraction()) == x``.

        Returns
        -------
        fractions.Fraction
            The exact value of the decimal the repr shows (the shortest that
            reads back), in lowest terms.

        Raises
        ------
        ValueError
            For nan, as ``float.as_integer_ratio``.
        OverflowError
            For infinities (as ``float.as_integer_ratio``), and where the
            numerator or denominator would have more than a million decimal
            digits (``|log|`` above about 2.3e6).

        Examples
        --------
        >>> LogFloat("1.25e-5").to_fraction()
        Fraction(1, 80000)
        >>> LogFloat(0.1).to_fraction(), LogFloat(-0.75).to_fraction()
        (Fraction(5000000000000001, 50000000000000000), Fraction(-3, 4))
        >>> LogFloat("1e-5000").to_fraction().denominator == 10**5000
        True
        >>> LogFloat(0).to_fraction()
        Fraction(0, 1)
        """
        log = self._log
        if log != log:
            raise ValueError("cannot convert NaN to integer ratio")
        if log == _INF:
            raise OverflowError("cannot convert Infinity to integer ratio")
        if log == -_INF:
            return Fraction(0)
        if abs(log) > _MAX_INT_LOG:
            raise OverflowError("LogFloat too large or small for a Fraction (more than a million digits)")
        return Fraction(self.to_decimal())

    # ------------------------------------------------------------------
    # text

    def __repr__(self) -> str:
        log, sign = self._log, self._sign
        if sign == 0:
            return "LogFloat(0.0)"
        arg = _text.format_repr_argument(log, sign)
        literal = _float_literal(self, arg)
        if literal is not None:
            return f"LogFloat({literal})"
        if arg is not None:
            return f"LogFloat({arg!r})"
        if sign < 0:
            return f"LogFloat.from_log({log!r}, sign=-1)"
        return f"LogFloat.from_log({log!r})"

    def __str__(self) -> str:
        # The shortest decimal that reads back as a string: LogFloat(str(x))
        # is x. (repr may show a float literal instead: LogFloat(0.1).)
        return _text.format_str(self._log, self._sign)

    def __format__(self, spec: str) -> str:
        return _text.format_spec(self._log, self._sign, spec)

    def _repr_pretty_(self, p: Any, cycle: bool) -> None:
        p.text(_text.format_pretty(self._log, self._sign))

    def _repr_latex_(self) -> str:
        r"""LaTeX for notebooks: ``$1.5 \times 10^{-5000}$``."""
        return "$" + _text.format_latex(self._log, self._sign) + "$"

    def _repr_html_(self) -> str:
        return _text.format_html(self._log, self._sign)

    # ------------------------------------------------------------------
    # pickling and copying

    def __reduce__(self) -> tuple[Any, tuple[float, int]]:
        return (LogFloat.from_log, (self._log, self._sign))

    def __copy__(self) -> LogFloat:
        return self

    def __deepcopy__(self, memo: Any) -> LogFloat:
        return self


# ---------------------------------------------------------------------------
# results and operands


def _float_literal(x: LogFloat, shortest: str | None) -> str | None:
    """repr(float(x)) where that float reads back as x and is no longer than the decimal ``shortest``."""
    log, sign = x._log, x._sign
    if log < 709.8:
        try:
            f = float(x)
        except OverflowError:  # just above the largest float
            return None
        if f != 0.0 and _log_of_float(f) == (log, sign):
            text = repr(f)
            if shortest is None or _significant_digits(text) <= _significant_digits(shortest):
                return text
    return None


def _significant_digits(float_repr: str) -> int:
    """Significant digits of a float's repr: 3 for '0.125', 1 for '3.0' and '1e-05'."""
    mantissa = float_repr.lstrip("-").partition("e")[0].replace(".", "")
    return len(mantissa.strip("0"))


def _make(log: float, sign: int) -> LogFloat:
    """A LogFloat from a raw result, special values made canonical."""
    res = _new(LogFloat)
    if log != log:
        res._log, res._sign = _NAN, 1
    elif log == -_INF or sign == 0:
        res._log, res._sign = -_INF, 0
    else:
        res._log, res._sign = log + 0.0, sign  # + 0.0: a log of -0.0 becomes 0.0
    return res


def _plain(y: Any) -> tuple[float, int] | None:
    """(log, sign) of LogFloat(y) for a plain number y; None where it cannot mix.

    The plain-number rule: a number on either side of an operator stands
    for ``LogFloat(y)``, its correctly rounded log and its sign.
    """
    t = type(y)
    if t is float:
        return _log_of_float(y)
    if t is int:
        if -_EXACT_INT < y < _EXACT_INT:
            return _log_of_float(float(y))  # exact conversion
        return _text.log_of_int(y)
    r = _real(y)
    if r is None:
        return None
    if type(r) is float or type(r) is int:
        return _plain(r)
    v = LogFloat(r)
    return v._log, v._sign


def _real(y: Any) -> int | float | Fraction | Decimal | None:
    """An exact Python int, float, Fraction or Decimal for ``y``, or None."""
    t = type(y)
    if t is float or t is int or t is Fraction or t is Decimal:
        return y
    if isinstance(y, np.generic):
        if isinstance(y, (np.integer, np.bool_)):
            return int(y)
        if isinstance(y, np.floating):
            if y.dtype.itemsize <= 8 or not np.isfinite(y):
                return float(y)
            return Fraction(*y.as_integer_ratio())  # long double
        return None
    if isinstance(y, LogFloat):
        return None
    if isinstance(y, int):
        return int(y)
    if isinstance(y, float):
        return float(y)
    if isinstance(y, Decimal):
        return Decimal(y)  # a subclass becomes a plain Decimal, which the callers expect
    if isinstance(y, numbers.Rational):
        return Fraction(int(y.numerator), int(y.denominator))
    if hasattr(y, "_mpf_") and type(y).__module__.startswith("mpmath"):
        return _real_of_mpf(y)
    return None


def _real_of_mpf(y: Any) -> float | Fraction | None:
    """An mpf exactly; None beyond 2**(+-4M), which mpmath then handles itself."""
    sign, man, exp, _ = y._mpf_
    if not man:  # zero, inf, nan
        return float(y)
    if abs(exp) > 1 << 22:
        return None
    man = -int(man) if sign else int(man)
    return Fraction(man << exp) if exp >= 0 else Fraction(man, 1 << -exp)


def _is_complex(value: Any) -> bool:
    return isinstance(value, (complex, np.complexfloating)) or (
        isinstance(value, numbers.Complex) and not isinstance(value, numbers.Real)
    ) or hasattr(value, "_mpc_")


def _log_of_other(value: Any) -> tuple[float, int]:
    """(log, sign) of a constructor argument other than float, int and str."""
    if isinstance(value, LogFloat):
        return value._log, value._sign
    if isinstance(value, str):
        return _text.parse_decimal(str(value))
    if _is_complex(value):
        raise TypeError(
            f"LogFloat() cannot hold the complex number {value!r}: it stores log|x| of a real x"
        )
    if isinstance(value, Decimal):
        if value.is_snan():
            raise ValueError(f"cannot convert signaling NaN to LogFloat: {value!r}")
        if value.is_nan():
            return _NAN, 1
        return _text.parse_decimal(str(value))
    if hasattr(value, "_mpf_") and type(value).__module__.startswith("mpmath"):
        return _log_of_mpf(value)
    r = _real(value)
    if r is not None:
        if type(r) is float:
            return _log_of_float(r)
        if type(r) is int:
            return _text.log_of_int(r)
        return _text.log_of_fraction(r.numerator, r.denominator)  # type: ignore[union-attr]
    if isinstance(value, np.ndarray) and value.ndim == 0:
        return _log_of_other(value[()])
    if isinstance(value, (np.ndarray, list, tuple, range, set, frozenset, dict)) or hasattr(
        value, "__array_ufunc__"
    ) or (hasattr(value, "__iter__") and not isinstance(value, (bytes, bytearray))):
        raise TypeError(
            f"LogFloat() takes a single number, not a {type(value).__name__}; "
            "use LogArray for sequences and arrays"
        )
    if hasattr(type(value), "__index__"):
        return _text.log_of_int(operator.index(value))
    raise TypeError(
        "LogFloat() argument must be a real number, a decimal string or a LogFloat, "
        f"not {type(value).__name__!r}"
    )


def _log_of_mpf(value: Any) -> tuple[float, int]:
    sign, man, exp, _ = value._mpf_
    r = _real_of_mpf(value)
    if type(r) is float:
        return _log_of_float(r)
    if r is not None:
        return _text.log_of_fraction(r.numerator, r.denominator)  # type: ignore[union-attr]
    # An exponent beyond 2**(4M): log|x| = log(man) + exp*log(2), at 128 bits.
    wp = 128 + int(exp).bit_length()
    log = libmp.mpf_add(
        libmp.mpf_log(libmp.from_int(int(man)), wp, _RN),
        libmp.mpf_mul(libmp.from_int(int(exp)), libmp.mpf_ln2(wp), wp, _RN),
        wp,
        _RN,
    )
    return libmp.to_float(log, rnd=_RN), (-1 if sign else 1)


def _divide_by_constant(log: float, constant: Any) -> float:
    """log / c for c = ln 10 or ln 2, rounded once from 80 bits (log / fl(c) is 1.2 ulp off at worst)."""
    if log - log != 0.0:  # inf, -inf, nan
        return log
    return libmp.to_float(libmp.mpf_div(libmp.from_float(log), constant(80), 80, _RN), rnd=_RN)


# ---------------------------------------------------------------------------
# arithmetic slow paths


def _arith_mul(x: LogFloat, y: Any, op: int) -> Any:
    """x * y (op 0), x / y (op 1) or y / x (op 2) for y not exactly LogFloat.

    A plain y stands for LogFloat(y), so the result is bit for bit that of
    the LogFloat operation, in either order.
    """
    if isinstance(y, LogFloat):
        b, t = y._log, y._sign
    else:
        p = _plain(y)
        if p is None:
            return NotImplemented
        b, t = p
    a, s = x._log, x._sign
    if op == 0:
        r = a + b
    elif op == 1:
        if t == 0:
            raise ZeroDivisionError("LogFloat division by zero")
        r = a - b
    else:
        if s == 0:
            raise ZeroDivisionError("LogFloat division by zero")
        r = b - a
    return _make(r, s * t)


def _arith_add(x: LogFloat, y: Any, sx: int, sy: int) -> Any:
    """sx*x + sy*y for y not exactly LogFloat (sx, sy are +-1); y stands for LogFloat(y)."""
    if isinstance(y, LogFloat):
        b, t = y._log, y._sign * sy
    else:
        p = _plain(y)
        if p is None:
            return NotImplemented
        b, t = p[0], p[1] * sy
    s = x._sign * sx
    if s == t:
        return _make(logaddexp(x._log, b), s)
    return _add_signed(x._log, s, b, t)


def _add_signed(a: float, s: int, b: float, t: int) -> LogFloat:
    """(s e**a) + (t e**b) for s != t."""
    if t == 0:
        return _make(a, s)
    if s == 0:
        return _make(b, t)
    if a > b:  # a finite difference, or inf - finite
        res = _new(LogFloat)
        res._log = logsubexp_accurate(a, b)
        res._sign = s
        return res
    if b > a:
        res = _new(LogFloat)
        res._log = logsubexp_accurate(b, a)
        res._sign = t
        return res
    if a == b and a != _INF:
        return _make(-_INF, 0)  # x - x is exactly 0
    return _make(_NAN, 1)  # inf - inf, or a nan


_ONE = LogFloat.from_log(0.0)
_ZERO = LogFloat.from_log(-_INF, 0)


def _pow_real(a: float, s: int, y: int | float | Fraction | Decimal) -> LogFloat:
    """(s e**a) ** y for an exact real y, with math.pow's special cases."""
    if type(y) is Decimal:
        y = _decimal_exponent(y)
    if y == 0:
        return _ONE
    if a == 0.0 and s == 1:
        return _ONE  # 1 ** y, y nan included
    if a != a or y != y:
        return _make(_NAN, 1)
    if y == _INF or y == -_INF:
        if a == 0.0:
            return _ONE  # (-1) ** +-inf
        grows = (a > 0.0) == (y > 0)
        return _make(_INF if grows else -_INF, 1)
    if s == 0:
        if y < 0:
            raise ZeroDivisionError("0.0 cannot be raised to a negative power")
        return _make(-_INF, 0)
    if type(y) is float:
        integral = y.is_integer()
    elif type(y) is int:
        integral = True
    else:
        integral = y.denominator == 1  # type: ignore[union-attr]
    if s < 0:
        if not integral:
            raise ValueError("LogFloat ** y: math domain error (negative base, non-integer exponent)")
        s = -1 if int(y) % 2 else 1
    if a == _INF:
        return _make(_INF if y > 0 else -_INF, s)
    if type(y) is float or (type(y) is int and -(1 << 53) <= y <= 1 << 53):
        r = a * y  # one rounding (an int of up to 53 bits is exact as a float)
    else:
        try:
            r = float(Fraction(a) * Fraction(y))  # correctly rounded
        except OverflowError:
            r = _INF if (a > 0) == (y > 0) else -_INF
    if r == _INF:
        raise OverflowError("LogFloat ** y: math range error (the log overflows)")
    return _make(r, s)


def _decimal_exponent(y: Decimal) -> float | Fraction:
    """A Decimal exponent as an exact Fraction, or a float where that is the same."""
    if not y.is_finite():
        if y.is_snan():
            raise ValueError(f"cannot use signaling NaN as an exponent: {y!r}")
        return float(y)
    if y.is_zero():
        return 0.0
    if y.adjusted() > 1100:
        return _INF if y > 0 else -_INF  # |a * y| overflows unless a == 0 (1 ** y)
    if y.adjusted() < -1100:
        # |a * y| < 1e-790 rounds to 0: the power is +-1; not an integer.
        return Fraction(1, 10**1101) if y > 0 else Fraction(-1, 10**1101)
    return Fraction(y)


def _pow_logfloat(a: float, s: int, b: float, t: int) -> LogFloat:
    """(s e**a) ** (t e**b): the exponent is an integer only when it is 0 or +-1."""
    if t == 0:
        return _ONE
    if a == 0.0 and s == 1:
        return _ONE
    if a != a or b != b:
        return _make(_NAN, 1)
    if b == _INF:
        return _pow_real(a, s, t * _INF)
    if s == 0:
        if t < 0:
            raise ZeroDivisionError("0.0 cannot be raised to a negative power")
        return _make(-_INF, 0)
    if s < 0:
        if b != 0.0:
            raise ValueError(
                "LogFloat ** LogFloat: math domain error (negative base; a LogFloat exponent "
                "is an integer only when it is 0 or +-1: use x ** float(y) or x ** round(y))"
            )
        # y = +-1: odd
    if a == _INF:
        return _make(_INF if t > 0 else -_INF, s)
    if b == 0.0:
        return _make(a * t, s)
    if _mlog(abs(a)) + b > 710.0:  # |a| e**b surely beyond float range
        if (a > 0.0) == (t > 0):
            raise OverflowError("LogFloat ** y: math range error (the log overflows)")
        return _make(-_INF, 0)  # e**-huge underflows to 0, as float ** does
    prec = 80
    prod = libmp.mpf_mul(libmp.from_float(a), libmp.mpf_exp(libmp.from_float(b), prec, _RN), prec, _RN)
    r = libmp.to_float(prod, rnd=_RN)
    if r == _INF or r == -_INF:
        if r == _INF and t > 0 or r == -_INF and t < 0:
            raise OverflowError("LogFloat ** y: math range error (the log overflows)")
    return _make(r * t if t < 0 else r, s)


# ---------------------------------------------------------------------------
# comparisons, integer parts, hashing, numpy scalars


def _compare(x: LogFloat, y: Any) -> Any:
    """-1, 0 or 1 as x <, ==, > LogFloat(y); None if unordered; NotImplemented."""
    if isinstance(y, LogFloat):
        b, t = y._log, y._sign
    else:
        p = _plain(y)
        if p is None:
            return NotImplemented
        b, t = p
    a, s = x._log, x._sign
    if a != a or b != b:
        return None
    if s != t:
        return -1 if s < t else 1
    if s == 0 or a == b:
        return 0
    return (-1 if a < b else 1) * s


def _integral(x: LogFloat, mode: str) -> int:
    """trunc, floor, ceil or round (half even) of the decimal the repr shows."""
    log, s = x._log, x._sign
    if s == 0:
        return 0
    if log != log:
        raise ValueError("cannot convert float NaN to integer")
    if log == _INF:
        raise OverflowError("cannot convert float infinity to integer")
    if log > _MAX_INT_LOG:
        raise OverflowError("LogFloat too large to convert to int (more than a million digits)")
    if log < -1.0:
        # below 0.37, and so is every decimal that reads back
        n, rem, den = 0, 1, 2**64
    else:
        m, q = _text.exact_decimal(log, 1)
        if q >= 0:
            n, rem, den = m * 10**q, 0, 1
        else:
            den = 10**-q
            n, rem = divmod(m, den)
    if mode == "round":
        if 2 * rem > den or (2 * rem == den and n % 2):
            n += 1
        return s * n
    if mode == "trunc" or rem == 0:
        return s * n
    if mode == "floor":
        return n if s > 0 else -(n + 1)
    return n + 1 if s > 0 else -n


def _round_to(x: LogFloat, n: int) -> LogFloat:
    """round(x, n): the repr's decimal rounded half-even to a multiple of 10**-n."""
    log, s = x._log, x._sign
    if s == 0 or log != log or log == _INF:
        return x
    if log < -(n + 1) * _LN10 - 1.0:
        return _make(-_INF, 0)  # below a tenth of 10**-n, and so is the decimal
    m, q = _text.exact_decimal(log, 1)
    if q >= -n:
        return x  # already a multiple of 10**-n
    den = 10 ** (-n - q)
    r, rem = divmod(m, den)
    if 2 * rem > den or (2 * rem == den and r % 2):
        r += 1
    if r == 0:
        return _make(-_INF, 0)
    return _make(*_text.log_of_decimal(s * r, -n))


def _hash_of(x: LogFloat) -> int:
    """hash(float(x)) where that float reads back as x, else the hash of the repr's exact decimal."""
    log, s = x._log, x._sign
    if s == 0:
        return 0
    if log != log:
        return object.__hash__(x)  # as float nan: by identity
    if log == _INF:
        return hash(s * _INF)
    if log < 709.8:
        try:
            f = float(x)
        except OverflowError:  # just above the largest float
            f = 0.0
        if f != 0.0 and _log_of_float(f) == (log, s):
            return hash(f)
    m, q = _text.exact_decimal(log, s)
    return _text.decimal_hash(m, q)


def _scalar_operand(v: Any) -> LogFloat | None:
    """A ufunc input as a LogFloat by the plain-number rule; None if not a real scalar."""
    if isinstance(v, LogFloat):
        return v
    if isinstance(v, np.ndarray):
        if v.ndim != 0 or v.dtype.kind not in "biuf":
            return None
        v = v[()]
    p = _plain(v)
    if p is None:
        return None
    return _make(*p)


def _maximum(a: LogFloat, b: LogFloat) -> LogFloat:
    if a._log != a._log:
        return a
    if b._log != b._log:
        return b
    return b if b > a else a


def _minimum(a: LogFloat, b: LogFloat) -> LogFloat:
    if a._log != a._log:
        return a
    if b._log != b._log:
        return b
    return b if b < a else a


def _fmax(a: LogFloat, b: LogFloat) -> LogFloat:
    if b._log != b._log:
        return a
    return b if a._log != a._log else _maximum(a, b)


def _fmin(a: LogFloat, b: LogFloat) -> LogFloat:
    if b._log != b._log:
        return a
    return b if a._log != a._log else _minimum(a, b)


def _as_numpy_bool(compare: Any) -> Any:
    return lambda a, b: np.bool_(compare(a, b))


# ufuncs that LogFloat.__array_ufunc__ computes itself when all inputs are
# scalars (power is special-cased there: its exponent keeps its value)
_SCALAR_UFUNCS: dict[Any, Any] = {
    np.add: operator.add,
    np.subtract: operator.sub,
    np.multiply: operator.mul,
    np.true_divide: operator.truediv,
    np.power: operator.pow,
    np.float_power: operator.pow,
    np.equal: _as_numpy_bool(operator.eq),
    np.not_equal: _as_numpy_bool(operator.ne),
    np.less: _as_numpy_bool(operator.lt),
    np.less_equal: _as_numpy_bool(operator.le),
    np.greater: _as_numpy_bool(operator.gt),
    np.greater_equal: _as_numpy_bool(operator.ge),
    np.maximum: _maximum,
    np.minimum: _minimum,
    np.fmax: _fmax,
    np.fmin: _fmin,
}

_array_ufunc_handler: Any = None


def register_array_ufunc(handler: Any) -> None:
    """Set the function that numpy ufuncs on a LogFloat use beside arrays.

    The array layer (``logspace._numpy_api``) calls this once when it is
    imported, so that this module needs nothing from it: ``LogFloat``
    computes ufuncs on scalars itself and hands everything else to
    ``handler(ufunc, method, inputs, kwargs)``, which treats the LogFloat as
    a 0-d LogArray.

    Parameters
    ----------
    handler : callable
        ``handler(ufunc, method, inputs, kwargs)``, returning the result or
        NotImplemented.

    Examples
    --------
    >>> import logspace  # registers the array layer's handler
    >>> import numpy as np
    >>> np.multiply(np.float32(0.5), LogFloat(0.25))  # scalars: the scalar rule
    LogFloat(0.125)
    >>> np.multiply(np.array([0.5, 2.0]), LogFloat(0.25))  # an array: the handler
    LogArray([0.125, 0.5  ])
    """
    global _array_ufunc_handler
    _array_ufunc_handler = handler


# ---------------------------------------------------------------------------
# fsum and isclose


def _operand(item: Any, name: str) -> tuple[float, int]:
    if type(item) is LogFloat or isinstance(item, LogFloat):
        return item._log, item._sign
    p = _plain(item)
    if p is None:
        raise TypeError(f"{name}: expected LogFloats or real numbers, not {type(item).__name__!r}")
    return p


def fsum(iterable: Iterable[Any]) -> LogFloat:
    """Accurate sum of LogFloats (and plain numbers), as ``math.fsum`` for floats.

    Python's ``sum()`` folds ``+`` over the items one at a time; each step
    rounds the running log, so the error grows with the number of terms.
    ``fsum`` sums the positive and the negative terms each with the exact
    scalar ``logsumexp`` kernel (shift by the maximum, ``math.fsum`` of the
    exponentials), so each part has the accuracy of ``logsumexp``, within
    2 ulps of max(|log|, 1) whatever the number of terms. The two parts are
    then subtracted once, as ``-`` is, when they differ by more than a factor
    e**4; closer parts, whose difference would magnify their rounding, are
    instead summed exactly with mpmath and rounded once (slower, about 10 us
    a term). So the result is within 4 ulps of max(|log|, 1) of the exact sum
    of the terms, cancelling or not, and exactly 0 only if the sum is.

    Parameters
    ----------
    iterable : iterable of LogFloat or real numbers
        Plain numbers enter as in arithmetic, as their LogFloats.

    Returns
    -------
    LogFloat
        The sum; zero for an empty iterable, nan if any term is nan or
        +inf and -inf are both present.

    Examples
    --------
    >>> terms = [LogFloat("1e-400")] * 10_000
    >>> print(sum(terms))  # 10_000 roundings
    9.999999999988e-397
    >>> print(fsum(terms))  # as the one rounding of 1e-400 * 10_000
    9.999999999999e-397
    >>> fsum(terms) == terms[0] * 10_000
    True
    >>> terms = [1, LogFloat("1e20"), LogFloat("-1e20")]
    >>> print(sum(terms), fsum(terms))  # 1 + 1e20 rounds the 1 away
    0.0 1.0
    >>> print(fsum([LogFloat("3e-5000"), LogFloat("-1e-5000")]))
    2e-5000
    """
    pos: list[float] = []
    neg: list[float] = []
    for item in iterable:
        log, sign = _operand(item, "fsum")
        if sign > 0:
            pos.append(log)
        elif sign < 0:
            neg.append(log)
    a = logsumexp(pos)
    if not neg:
        return _make(a, 1)
    b = logsumexp(neg)
    if not pos:
        return _make(b, -1)
    if -4.0 < a - b < 4.0:
        # The parts are within a factor e**4: their subtraction would magnify
        # their rounding errors, so sum the terms exactly instead.
        return _exact_sum(pos, neg)
    return _add_signed(a, 1, b, -1)


def _exact_sum(pos: list[float], neg: list[float]) -> LogFloat:
    """sum(e**p) - sum(e**n) for finite logs, rounded once (Ziv's strategy).

    Terms with the same log cancel exactly; what remains is not zero, as
    exponentials of distinct rationals are linearly independent over the
    rationals (Lindemann-Weierstrass), so the loop ends.
    """
    counts: dict[float, int] = {}
    for log in pos:
        counts[log] = counts.get(log, 0) + 1
    for log in neg:
        counts[log] = counts.get(log, 0) - 1
    terms = [(log, c) for log, c in counts.items() if c]
    if not terms:
        return _make(-_INF, 0)
    top = max(log for log, _ in terms)
    weight = sum(abs(c) for _, c in terms)
    ftop = libmp.from_float(top)
    prec = 128
    while True:
        # Each term and each partial sum is within 2**-prec (relative to the
        # total weight, in units of e**top): the error is below n * weight * 2**(2 - prec).
        total = libmp.fzero
        for log, c in terms:
            shift = libmp.mpf_sub(libmp.from_float(log), ftop, prec, _RN)
            term = libmp.mpf_mul(libmp.from_int(c), libmp.mpf_exp(shift, prec, _RN), prec, _RN)
            total = libmp.mpf_add(total, term, prec, _RN)
        bound = libmp.mpf_shift(libmp.from_int((len(terms) + 4) * weight), 64 - prec)
        if libmp.mpf_cmp(libmp.mpf_abs(total), bound) > 0:
            log = libmp.mpf_add(ftop, libmp.mpf_log(libmp.mpf_abs(total), prec, _RN), prec, _RN)
            return _make(libmp.to_float(log, rnd=_RN), libmp.mpf_sign(total))
        prec *= 2


def isclose(a: Any, b: Any, *, rel_tol: Any = 1e-09, abs_tol: Any = 0.0) -> bool:
    """Whether two numbers are close, as ``math.isclose`` but beyond float range.

    This is the comparison to use for LogFloats with a tolerance: ``==``
    compares logs exactly (``LogFloat(0.1) * 3 == 0.3`` is False), and
    ``math.isclose`` and ``math.log`` see only ``float(x)``, which is 0.0
    below 1e-308 (so every two tiny values look close) and OverflowError
    above 1e308.

    True when ``|a - b| <= max(rel_tol * max(|a|, |b|), abs_tol)``, computed
    in log space: the difference ``a - b`` is formed as LogFloat subtraction
    does and compared by logs. Equal values (infinities included) are close;
    nan is close to nothing.

    Parameters
    ----------
    a, b : LogFloat or real number
        The two numbers; plain numbers enter as their LogFloats, as in
        arithmetic.
    rel_tol : real number or LogFloat, keyword-only
        Relative tolerance, default 1e-09. Must be >= 0.
    abs_tol : real number or LogFloat, keyword-only
        Absolute tolerance, default 0.0. Must be >= 0; may be a LogFloat such
        as ``LogFloat('1e-5000')``.

    Returns
    -------
    bool
        Whether ``a`` and ``b`` are within the tolerance.

    Raises
    ------
    ValueError
        For a negative tolerance.
    TypeError
        For an argument that is neither a LogFloat nor a real number.

    Examples
    --------
    >>> import math
    >>> x, y = LogFloat("1e-5000"), LogFloat("2e-5000")
    >>> math.isclose(x, y)  # both are 0.0 as floats
    True
    >>> isclose(x, y), isclose(x, LogFloat("1.0000000001e-5000"))
    (False, True)
    >>> isclose(LogFloat(0.1) * 3, 0.3)
    True
    """
    la, sa = _operand(a, "isclose")
    lb, sb = _operand(b, "isclose")
    lr, sr = _operand(rel_tol, "isclose")
    lt, st = _operand(abs_tol, "isclose")
    if sr < 0 or st < 0:
        raise ValueError("tolerances must be non-negative")
    if la == lb and sa == sb:
        return True
    if la != la or lb != lb or la == _INF or lb == _INF:
        return False
    if sa == sb:
        big, small = (la, lb) if la > lb else (lb, la)
        diff = logsubexp_accurate(big, small)
    elif sa == 0 or sb == 0:
        diff = lb if sa == 0 else la
    else:
        diff = logaddexp(la, lb)
    return diff <= lr + max(la, lb) or diff <= lt
