/* Compiled recursions of logspace.chain: forward, backward, posteriors, Viterbi.
 *
 * The Python layer (logspace/chain.py) validates and shapes every argument;
 * this file only loops over C-contiguous float64 buffers. Its numpy twin,
 * logspace/_chain_numpy.py, follows the same rules and is the test oracle.
 *
 * A weight source is a linear buffer ("lin", one row per step), optionally
 * the logs it was made from ("log") and a log offset per row ("shift"):
 * value = lin * exp(shift). For plain linear inputs only lin is given.
 *
 * Linear steps: the state vector v is kept scaled, its maximum in [0.5, 1),
 * by exact powers of two (frexp/ldexp), so the log of the scale is an integer
 * count of halvings, summed without a log per step. A step is linear only
 * where no product or sum can leave the normal float range (a bound from the
 * smallest and largest nonzero factors); otherwise the step is exact log-domain
 * arithmetic, and the state stays in logs until its range fits floats again.
 */
#if defined(__GNUC__) && !defined(__clang__)
/* Lets GCC turn the compare-and-select loops into vector code; IEEE results
 * are unchanged (no code here reads floating-point exception flags). */
#pragma GCC optimize("no-trapping-math")
#endif
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#define NPY_NO_DEPRECATED_API NPY_1_7_API_VERSION
#include <numpy/arrayobject.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <float.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

/* A linear step is taken only if every nonzero entry of the result lies in
 * [2^-960, 2^960] and within 2^-960 of the largest one (all normal floats). */
#define SAFE_LO 0x1p-960
#define SAFE_HI 0x1p960
/* A state in logs goes back to linear once every nonzero entry is within
 * e^-600 of its maximum. */
#define BACK_TO_LINEAR (-600.0)

typedef struct {
    const double *lin;   /* rows of `width` entries */
    const double *log;   /* same layout, or NULL: logs are log(lin) */
    const double *shift; /* one per row, or NULL: 0 */
    npy_intp rows;       /* 1 for a shared (broadcast) source */
    npy_intp width;
    double base;         /* a log offset of every row, counted per step (emis only) */
} Source;

typedef struct {
    double min, max; /* smallest nonzero and largest entry of lin */
    int exact;       /* lin represents every value (no underflow, no subnormal) */
} Stats;

typedef struct {
    int K;
    int in_logs; /* v holds logs relative to the offset */
    int dead;    /* every weight is zero from here on */
    double *v;
    double vmin, vmax;
    long long halvings; /* offset = halvings * ln 2 + sum (+ compensation) + nbase * base */
    double sum, comp;
    long long nbase;
    double base;
} State;

static const double LN2 = 0.693147180559945309417232121458176568;

static inline const double *row_lin(const Source *s, npy_intp r) { return s->lin + (s->rows == 1 ? 0 : r) * s->width; }
static inline double row_shift(const Source *s, npy_intp r) {
    return s->shift ? s->shift[s->rows == 1 ? 0 : r] : 0.0;
}
static inline double rel_log(const Source *s, npy_intp r, npy_intp k) {
    npy_intp i = (s->rows == 1 ? 0 : r) * s->width + k;
    if (s->log) return s->log[i] - row_shift(s, r);
    return s->lin[i] > 0 ? log(s->lin[i]) : -INFINITY;
}

static Stats stats_of(const Source *s, npy_intp r) {
    Stats st = {INFINITY, 0.0, 1};
    const double *x = row_lin(s, r);
    const double *lg = s->log ? s->log + (s->rows == 1 ? 0 : r) * s->width : NULL;
    for (npy_intp k = 0; k < s->width; k++) {
        double e = x[k];
        if (e > 0) {
            if (e < st.min) st.min = e;
            if (e > st.max) st.max = e;
            if (e < DBL_MIN) st.exact = 0;
        } else if (lg && lg[k] > -INFINITY) {
            st.exact = 0; /* underflowed when made linear */
        }
    }
    if (st.min == INFINITY) st.min = 1.0; /* all zero: the result is zero, exactly */
    return st;
}

/* Neumaier summation of the log offsets. */
static inline void add_offset(State *st, double x) {
    double t = st->sum + x;
    if (fabs(st->sum) >= fabs(x)) st->comp += (st->sum - t) + x;
    else st->comp += (x - t) + st->sum;
    st->sum = t;
}
static inline double offset(const State *st) {
    return (double)st->halvings * LN2 + (st->sum + st->comp) + (double)st->nbase * st->base;
}

/* Scale v (linear) to a maximum in [0.5, 1); a zero vector kills the chain. */
static void normalise(State *st) {
    int K = st->K, ex;
    double mx = 0.0, mn = INFINITY;
    for (int k = 0; k < K; k++) {
        double x = st->v[k];
        if (x > mx) mx = x;
        if (x > 0 && x < mn) mn = x;
    }
    if (!(mx > 0)) {
        st->dead = 1;
        return;
    }
    frexp(mx, &ex);
    double scale = ldexp(1.0, -ex);
    for (int k = 0; k < K; k++) st->v[k] *= scale;
    st->halvings += ex;
    st->vmin = mn * scale;
    st->vmax = mx * scale;
}

/* After a log step: subtract the maximum into the offset, and go back to
 * linear where every entry fits. */
static void settle_logs(State *st) {
    int K = st->K;
    double mx = -INFINITY, mn = INFINITY;
    for (int k = 0; k < K; k++) {
        if (st->v[k] > mx) mx = st->v[k];
        if (st->v[k] > -INFINITY && st->v[k] < mn) mn = st->v[k];
    }
    if (mx == -INFINITY || isnan(mx)) {
        st->dead = 1;
        return;
    }
    for (int k = 0; k < K; k++) st->v[k] -= mx;
    add_offset(st, mx);
    if (mn - mx >= BACK_TO_LINEAR) {
        for (int k = 0; k < K; k++) st->v[k] = exp(st->v[k]);
        st->in_logs = 0;
        normalise(st);
    } else {
        st->in_logs = 1;
    }
}

static inline double lse(const double *x, int n) {
    double m = -INFINITY, s = 0.0;
    for (int i = 0; i < n; i++)
        if (x[i] > m) m = x[i];
    if (m == -INFINITY) return m;
    for (int i = 0; i < n; i++) s += exp(x[i] - m);
    return m + log(s);
}

/* The linear values, log offset and stats of row r of a source. A source
 * given only as logs (lin NULL) is made linear here, one row at a time:
 * lin = exp(log - max), shift = max. */
typedef struct {
    const double *lin;
    const double *log; /* absolute logs, or NULL */
    double shift;      /* value = lin * exp(shift); rel logs are log - shift */
    double extra;      /* shift - base: what this row adds to the offset beyond the source's base */
    Stats st;
} Row;

/* Row r of emissions given as logs, made linear with its own maximum. */
static void row_from_logs(Row *w, const double *lg, npy_intp n, double base, double *scratch) {
    double m = -INFINITY;
    for (npy_intp k = 0; k < n; k++)
        if (lg[k] > m) m = lg[k];
    Stats st = {INFINITY, 0.0, 1};
    if (m == -INFINITY) {
        for (npy_intp k = 0; k < n; k++) scratch[k] = 0.0;
        m = base;
    } else {
        for (npy_intp k = 0; k < n; k++) {
            double e = exp(lg[k] - m);
            scratch[k] = e;
            if (e > 0 && e < st.min) st.min = e;
            if (e < DBL_MIN && lg[k] > -INFINITY) st.exact = 0;
        }
        st.max = 1.0;
    }
    if (st.min == INFINITY) st.min = 1.0;
    w->lin = scratch;
    w->shift = m;
    w->extra = m - base;
    w->st = st;
}

/* The linear values, log offset and stats of row r of a source. A source
 * given only as logs (lin NULL), or a row of it that underflowed when the
 * Python layer made it linear with the common base, is made linear here with
 * the row's own maximum. */
static Row get_row(const Source *s, npy_intp r, double *scratch) {
    Row w;
    npy_intp i = (s->rows == 1 ? 0 : r) * s->width;
    w.log = s->log ? s->log + i : NULL;
    if (s->lin) {
        w.lin = s->lin + i;
        w.extra = row_shift(s, r);
        w.shift = s->base + w.extra;
        w.st = stats_of(s, r);
        if (w.st.exact || !w.log) return w;
    }
    row_from_logs(&w, w.log, s->width, s->base, scratch);
    return w;
}

static inline double row_rel_log(const Row *w, npy_intp k) {
    if (w->log) return w->log[k] - w->shift;
    return w->lin[k] > 0 ? log(w->lin[k]) : -INFINITY;
}

/* Bounds on the state kept without a pass over it; an exact pass rescales
 * the state once they drift this far. */
#define DRIFT 0x1p-300
#define DRIFT_HI 0x1p300

static void maybe_normalise(State *st) {
    if (st->vmin < DRIFT || st->vmax > DRIFT_HI || st->vmin < st->vmax * DRIFT) normalise(st);
}

/* One step u[j] = post[j] * sum_i pre[i] v[i] M[i, j]: the forward step has
 * post = emissions (pre 0), the backward step pre = emissions and M the
 * transposed transition matrix. */
static void step(State *st, const Source *M, npy_intp mr, Stats ms, const Source *E, npy_intp er, int pre,
                 double *work) {
    int K = st->K;
    if (st->dead) return;
    Row ew = get_row(E, er, work + 3 * K);
    Stats es = ew.st;
    double shift = row_shift(M, mr) + ew.extra;
    st->nbase++;
    if (shift != 0.0) add_offset(st, shift);
    int linear = !st->in_logs && ms.exact && es.exact;
    double lo = 0.0, hi = 0.0;
    if (linear) {
        lo = st->vmin * ms.min * es.min;
        hi = (double)K * st->vmax * ms.max * es.max;
        linear = lo >= SAFE_LO && hi <= SAFE_HI && lo >= hi * SAFE_LO;
    }
    const double *restrict m = row_lin(M, mr);
    const double *restrict e = ew.lin;
    if (linear) {
        double *restrict w = work, *restrict u = work + K;
        for (int i = 0; i < K; i++) w[i] = pre ? st->v[i] * e[i] : st->v[i];
        for (int j = 0; j < K; j++) u[j] = 0.0;
        for (int i = 0; i < K; i++) {
            double wi = w[i];
            if (wi == 0.0) continue;
            const double *restrict mi = m + (npy_intp)i * K;
            for (int j = 0; j < K; j++) u[j] += wi * mi[j];
        }
        if (pre) {
            memcpy(st->v, u, sizeof(double) * K);
        } else {
            for (int j = 0; j < K; j++) st->v[j] = u[j] * e[j];
        }
        /* bounds, not a pass over v; a zero vector stays zero (weight zero) */
        st->vmin = lo;
        st->vmax = hi;
        maybe_normalise(st);
        return;
    }
    double *lw = work, *terms = work + K, *u = work + 2 * K;
    for (int i = 0; i < K; i++) {
        double lv = st->in_logs ? st->v[i] : (st->v[i] > 0 ? log(st->v[i]) : -INFINITY);
        lw[i] = pre ? lv + row_rel_log(&ew, i) : lv;
    }
    for (int j = 0; j < K; j++) {
        for (int i = 0; i < K; i++) terms[i] = lw[i] + rel_log(M, mr, (npy_intp)i * K + j);
        u[j] = lse(terms, K) + (pre ? 0.0 : row_rel_log(&ew, j));
    }
    memcpy(st->v, u, sizeof(double) * K);
    settle_logs(st);
}

#define ALWAYS_INLINE static inline __attribute__((always_inline))

/* The common step, written so that a constant K unrolls it: emissions given
 * linear (lin, maybe with logs, no per-row shift), the state linear, and the
 * step provably in range. Returns 0, having changed nothing, where the
 * general step() must run instead. */
ALWAYS_INLINE int fast_step(int K, State *st, const Source *M, npy_intp mr, Stats ms, const Source *E, npy_intp er,
                            int pre, double *work) {
    if (st->in_logs || st->dead || !ms.exact) return 0;
    npy_intp off = (E->rows == 1 ? 0 : er) * E->width;
    const double *restrict e = E->lin + off;
    const double *lg = E->log ? E->log + off : NULL;
    double emin = INFINITY, emax = 0.0;
    int exact = 1;
    for (int k = 0; k < K; k++) {
        double x = e[k];
        if (x > 0) {
            emin = x < emin ? x : emin;
            emax = x > emax ? x : emax;
            exact &= x >= DBL_MIN;
        } else if (lg) {
            exact &= !(lg[k] > -INFINITY);
        }
    }
    if (!exact) return 0;
    if (emin == INFINITY) emin = 1.0;
    double lo = st->vmin * ms.min * emin, hi = (double)K * st->vmax * ms.max * emax;
    if (!(lo >= SAFE_LO && hi <= SAFE_HI && lo >= hi * SAFE_LO)) return 0;
    double mshift = row_shift(M, mr);
    if (mshift != 0.0) add_offset(st, mshift);
    st->nbase++;
    const double *restrict m = row_lin(M, mr);
    double *restrict u = work;
    double *restrict v = st->v;
    for (int j = 0; j < K; j++) u[j] = 0.0;
    for (int i = 0; i < K; i++) {
        double wi = pre ? v[i] * e[i] : v[i];
        const double *restrict mi = m + (npy_intp)i * K;
        for (int j = 0; j < K; j++) u[j] += wi * mi[j];
    }
    for (int j = 0; j < K; j++) v[j] = pre ? u[j] : u[j] * e[j];
    st->vmin = lo;
    st->vmax = hi;
    maybe_normalise(st);
    return 1;
}

/* Start from v = init * e_0 (forward) or ones (init NULL). */
static void start(State *st, const Source *init, const Source *E, npy_intp er, double *scratch) {
    int K = st->K;
    st->in_logs = 0;
    st->dead = 0;
    st->halvings = 0;
    st->sum = st->comp = 0.0;
    st->nbase = 0;
    if (!init) {
        for (int k = 0; k < K; k++) st->v[k] = 1.0;
        st->vmin = st->vmax = 1.0;
        return;
    }
    Row ew = get_row(E, er, scratch);
    Stats is = stats_of(init, 0), es = ew.st;
    add_offset(st, row_shift(init, 0) + ew.extra);
    st->nbase++;
    const double *a = row_lin(init, 0), *e = ew.lin;
    double lo = is.min * es.min, hi = is.max * es.max;
    if (is.exact && es.exact && lo >= SAFE_LO && hi <= SAFE_HI && lo >= hi * SAFE_LO) {
        for (int k = 0; k < K; k++) st->v[k] = a[k] * e[k];
        normalise(st);
    } else {
        for (int k = 0; k < K; k++) st->v[k] = rel_log(init, 0, k) + row_rel_log(&ew, k);
        settle_logs(st);
    }
}

/* Write the state as output row t: linear (flag 0) or logs (flag 1), plus offset. */
static void emit(const State *st, npy_intp t, double *buf, unsigned char *flag, double *off) {
    int K = st->K;
    if (!buf) return;
    double *row = buf + t * K;
    if (st->dead) {
        for (int k = 0; k < K; k++) row[k] = 0.0;
        flag[t] = 0;
        off[t] = 0.0;
        return;
    }
    memcpy(row, st->v, sizeof(double) * K);
    flag[t] = (unsigned char)st->in_logs;
    off[t] = offset(st);
}

static double total_log(const State *st, double *last) {
    int K = st->K;
    if (st->dead) {
        if (last)
            for (int k = 0; k < K; k++) last[k] = -INFINITY;
        return -INFINITY;
    }
    double o = offset(st), s;
    if (st->in_logs) {
        s = lse(st->v, K);
    } else {
        double acc = 0.0;
        for (int k = 0; k < K; k++) acc += st->v[k];
        s = log(acc);
    }
    if (last)
        for (int k = 0; k < K; k++)
            last[k] = (st->in_logs ? st->v[k] : (st->v[k] > 0 ? log(st->v[k]) : -INFINITY)) + o;
    return s + o;
}

/* -- argument parsing ------------------------------------------------------ */

static int as_buffer(PyObject *obj, const double **data, npy_intp *size, const char *name) {
    if (obj == Py_None) {
        *data = NULL;
        if (size) *size = 0;
        return 1;
    }
    if (!PyArray_Check(obj) || PyArray_TYPE((PyArrayObject *)obj) != NPY_DOUBLE ||
        !PyArray_IS_C_CONTIGUOUS((PyArrayObject *)obj)) {
        PyErr_Format(PyExc_TypeError, "%s: expected a C-contiguous float64 ndarray", name);
        return 0;
    }
    *data = (const double *)PyArray_DATA((PyArrayObject *)obj);
    if (size) *size = PyArray_SIZE((PyArrayObject *)obj);
    return 1;
}

static int writable(PyObject *obj, void **data, int type, npy_intp need, const char *name) {
    if (obj == Py_None) {
        *data = NULL;
        return 1;
    }
    if (!PyArray_Check(obj) || PyArray_TYPE((PyArrayObject *)obj) != type ||
        !PyArray_IS_C_CONTIGUOUS((PyArrayObject *)obj) || !PyArray_ISWRITEABLE((PyArrayObject *)obj) ||
        PyArray_SIZE((PyArrayObject *)obj) != need) {
        PyErr_Format(PyExc_TypeError, "%s: expected a writeable C-contiguous array of %zd entries", name,
                     (Py_ssize_t)need);
        return 0;
    }
    *data = PyArray_DATA((PyArrayObject *)obj);
    return 1;
}

/* A source from (lin, log, shift) and its width. */
static int source(PyObject *lin, PyObject *lg, PyObject *shift, npy_intp width, Source *s, const char *name) {
    npy_intp n = 0, nl = 0, ns = 0;
    const double *p;
    if (!as_buffer(lin, &s->lin, &n, name) || !as_buffer(lg, &s->log, &nl, name) ||
        !as_buffer(shift, &s->shift, &ns, name))
        return 0;
    p = s->lin ? s->lin : s->log;
    if (!s->lin) {
        n = nl;
        if (s->shift) {
            PyErr_Format(PyExc_ValueError, "%s: a source given as logs only has no shifts", name);
            return 0;
        }
    }
    if (!p || width <= 0 || n % width != 0 || n == 0) {
        PyErr_Format(PyExc_ValueError, "%s: size is not a multiple of %zd", name, (Py_ssize_t)width);
        return 0;
    }
    s->width = width;
    s->rows = n / width;
    if ((s->log && nl != n) || (s->shift && ns != s->rows)) {
        PyErr_Format(PyExc_ValueError, "%s: logs or shifts do not match the linear values", name);
        return 0;
    }
    return 1;
}

typedef struct {
    int K;
    npy_intp T;
    Source init, trans, transT, emis;
} Problem;

/* (K, T, init_lin, init_log, init_shift, trans_lin, trans_log, trans_shift,
 *  transT_lin, transT_log, emis_lin, emis_log, emis_shift, emis_base) */
static int parse_problem(PyObject *args, Problem *p, PyObject **rest, int nrest) {
    PyObject *o[14 + 6];
    int n = (int)PyTuple_GET_SIZE(args);
    if (n != 14 + nrest || nrest > 6) {
        PyErr_Format(PyExc_TypeError, "expected %d arguments", 14 + nrest);
        return 0;
    }
    for (int i = 0; i < n; i++) o[i] = PyTuple_GET_ITEM(args, i);
    long K = PyLong_AsLong(o[0]);
    Py_ssize_t T = PyLong_AsSsize_t(o[1]);
    if (PyErr_Occurred()) return 0;
    if (K < 1 || T < 1) {
        PyErr_SetString(PyExc_ValueError, "K and T must be positive");
        return 0;
    }
    p->K = (int)K;
    p->T = T;
    if (!source(o[2], o[3], o[4], K, &p->init, "init") || !source(o[5], o[6], o[7], K * K, &p->trans, "trans") ||
        !source(o[10], o[11], o[12], K, &p->emis, "emis"))
        return 0;
    if (o[8] != Py_None) {
        if (!source(o[8], o[9], o[7], K * K, &p->transT, "transT")) return 0;
    } else {
        p->transT = p->trans;
        p->transT.lin = NULL;
    }
    if (p->emis.rows != T || (p->trans.rows != 1 && p->trans.rows != T - 1 && T > 1)) {
        PyErr_SetString(PyExc_ValueError, "emis or trans rows do not match T");
        return 0;
    }
    p->init.base = p->trans.base = p->transT.base = 0.0;
    p->emis.base = PyFloat_AsDouble(o[13]);
    if (PyErr_Occurred()) return 0;
    for (int i = 0; i < nrest; i++) rest[i] = o[14 + i];
    return 1;
}

typedef struct {
    State st;
    double *mem;
} Run;

static int run_init(Run *r, int K) {
    r->mem = (double *)malloc(sizeof(double) * 4 * (size_t)K);
    if (!r->mem) {
        PyErr_NoMemory();
        return 0;
    }
    r->st.K = K;
    r->st.v = r->mem;
    return 1;
}

ALWAYS_INLINE void forward_loop(int K, const Problem *p, State *st, double *work, double *buf, unsigned char *flag,
                               double *off) {
    Stats ms = stats_of(&p->trans, 0);
    int fast = p->emis.lin && !p->emis.shift;
    for (npy_intp t = 1; t < p->T; t++) {
        if (p->trans.rows > 1) ms = stats_of(&p->trans, t - 1);
        if (!(fast && fast_step(K, st, &p->trans, t - 1, ms, &p->emis, t, 0, work)))
            step(st, &p->trans, t - 1, ms, &p->emis, t, 0, work);
        emit(st, t, buf, flag, off);
    }
}

static void forward_sweep(const Problem *p, State *st, double *work, double *buf, unsigned char *flag, double *off) {
    st->base = p->emis.base;
    start(st, &p->init, &p->emis, 0, work + 3 * p->K);
    emit(st, 0, buf, flag, off);
    /* constant K for the small models, where the loop overhead is the cost */
    switch (p->K) {
    case 2: forward_loop(2, p, st, work, buf, flag, off); break;
    case 3: forward_loop(3, p, st, work, buf, flag, off); break;
    case 4: forward_loop(4, p, st, work, buf, flag, off); break;
    default: forward_loop(p->K, p, st, work, buf, flag, off); break;
    }
}

/* Combine alpha row t (buffers) with the backward state into posterior row t. */
ALWAYS_INLINE void combine(int K, const State *b, const double *arow, int aflag, int adead, double *grow,
                           unsigned char *gflag, double *work) {
    *gflag = 0;
    if (adead || b->dead) {
        for (int k = 0; k < K; k++) grow[k] = 0.0;
        return;
    }
    if (!aflag && !b->in_logs) {
        double amin = INFINITY, s = 0.0;
        for (int k = 0; k < K; k++)
            if (arow[k] > 0 && arow[k] < amin) amin = arow[k];
        if (amin * b->vmin >= SAFE_LO) {
            for (int k = 0; k < K; k++) {
                grow[k] = arow[k] * b->v[k];
                s += grow[k];
            }
            if (s > 0) {
                double inv = 1.0 / s;
                for (int k = 0; k < K; k++) grow[k] *= inv;
            }
            return;
        }
    }
    for (int k = 0; k < K; k++) {
        double la = aflag ? arow[k] : (arow[k] > 0 ? log(arow[k]) : -INFINITY);
        double lb = b->in_logs ? b->v[k] : (b->v[k] > 0 ? log(b->v[k]) : -INFINITY);
        work[k] = la + lb;
    }
    double total = lse(work, K);
    for (int k = 0; k < K; k++) grow[k] = work[k] - total;
    *gflag = 1;
}

ALWAYS_INLINE void backward_loop(int K, const Problem *p, State *st, double *work, double *buf, unsigned char *flag,
                                double *off, const double *abuf, const unsigned char *aflag) {
    Stats ms = stats_of(&p->transT, 0);
    npy_intp T = p->T;
    int fast = p->emis.lin && !p->emis.shift;
    for (npy_intp t = T - 1;; t--) {
        if (t < T - 1) {
            if (p->transT.rows > 1) ms = stats_of(&p->transT, t);
            if (!(fast && fast_step(K, st, &p->transT, t, ms, &p->emis, t + 1, 1, work)))
                step(st, &p->transT, t, ms, &p->emis, t + 1, 1, work);
        }
        if (abuf) {
            int adead = aflag[t] == 0;
            for (int k = 0; adead && k < K; k++)
                if (abuf[t * K + k] != 0.0) adead = 0;
            combine(K, st, abuf + t * K, aflag[t], adead, buf + t * K, flag + t, work + 4 * K);
        } else {
            emit(st, t, buf, flag, off);
        }
        if (t == 0) break;
    }
}

static void backward_sweep(const Problem *p, State *st, double *work, double *buf, unsigned char *flag, double *off,
                           const double *abuf, const unsigned char *aflag, const double *aoff) {
    (void)aoff;
    st->base = p->emis.base;
    start(st, NULL, NULL, 0, NULL);
    switch (p->K) {
    case 2: backward_loop(2, p, st, work, buf, flag, off, abuf, aflag); break;
    case 3: backward_loop(3, p, st, work, buf, flag, off, abuf, aflag); break;
    case 4: backward_loop(4, p, st, work, buf, flag, off, abuf, aflag); break;
    default: backward_loop(p->K, p, st, work, buf, flag, off, abuf, aflag); break;
    }
}

/* forward(problem..., buf, flag, off, last) -> log-likelihood */
static PyObject *py_forward(PyObject *self, PyObject *args) {
    Problem p;
    PyObject *rest[4];
    void *buf, *flag, *off, *last;
    Run r;
    if (!parse_problem(args, &p, rest, 4)) return NULL;
    if (!writable(rest[0], &buf, NPY_DOUBLE, p.T * p.K, "buf") || !writable(rest[1], &flag, NPY_UINT8, p.T, "flag") ||
        !writable(rest[2], &off, NPY_DOUBLE, p.T, "off") || !writable(rest[3], &last, NPY_DOUBLE, p.K, "last"))
        return NULL;
    if (!run_init(&r, p.K)) return NULL;
    double *work = (double *)malloc(sizeof(double) * 5 * (size_t)p.K);
    if (!work) {
        free(r.mem);
        return PyErr_NoMemory();
    }
    double ll;
    Py_BEGIN_ALLOW_THREADS;
    forward_sweep(&p, &r.st, work, (double *)buf, (unsigned char *)flag, (double *)off);
    ll = total_log(&r.st, (double *)last);
    Py_END_ALLOW_THREADS;
    free(work);
    free(r.mem);
    return PyFloat_FromDouble(ll);
}

/* backward(problem..., buf, flag, off) -> log of sum_j init_j e_0j beta_0j */
static PyObject *py_backward(PyObject *self, PyObject *args) {
    Problem p;
    PyObject *rest[3];
    void *buf, *flag, *off;
    Run r;
    if (!parse_problem(args, &p, rest, 3)) return NULL;
    if (!p.transT.lin) {
        PyErr_SetString(PyExc_ValueError, "backward needs the transposed transitions");
        return NULL;
    }
    if (!writable(rest[0], &buf, NPY_DOUBLE, p.T * p.K, "buf") || !writable(rest[1], &flag, NPY_UINT8, p.T, "flag") ||
        !writable(rest[2], &off, NPY_DOUBLE, p.T, "off"))
        return NULL;
    if (!run_init(&r, p.K)) return NULL;
    double *work = (double *)malloc(sizeof(double) * 5 * (size_t)p.K);
    if (!work) {
        free(r.mem);
        return PyErr_NoMemory();
    }
    Py_BEGIN_ALLOW_THREADS;
    backward_sweep(&p, &r.st, work, (double *)buf, (unsigned char *)flag, (double *)off, NULL, NULL, NULL);
    Py_END_ALLOW_THREADS;
    free(work);
    free(r.mem);
    Py_RETURN_NONE;
}

/* posteriors(problem..., abuf, aflag, aoff, gbuf, gflag) -> log-likelihood */
static PyObject *py_posteriors(PyObject *self, PyObject *args) {
    Problem p;
    PyObject *rest[5];
    void *abuf, *aflag, *aoff, *gbuf, *gflag;
    Run r;
    if (!parse_problem(args, &p, rest, 5)) return NULL;
    if (!p.transT.lin) {
        PyErr_SetString(PyExc_ValueError, "posteriors needs the transposed transitions");
        return NULL;
    }
    if (!writable(rest[0], &abuf, NPY_DOUBLE, p.T * p.K, "abuf") ||
        !writable(rest[1], &aflag, NPY_UINT8, p.T, "aflag") || !writable(rest[2], &aoff, NPY_DOUBLE, p.T, "aoff") ||
        !writable(rest[3], &gbuf, NPY_DOUBLE, p.T * p.K, "gbuf") || !writable(rest[4], &gflag, NPY_UINT8, p.T, "gflag"))
        return NULL;
    if (!run_init(&r, p.K)) return NULL;
    double *work = (double *)malloc(sizeof(double) * 5 * (size_t)p.K);
    if (!work) {
        free(r.mem);
        return PyErr_NoMemory();
    }
    double ll;
    Py_BEGIN_ALLOW_THREADS;
    forward_sweep(&p, &r.st, work, (double *)abuf, (unsigned char *)aflag, (double *)aoff);
    ll = total_log(&r.st, NULL);
    backward_sweep(&p, &r.st, work, (double *)gbuf, (unsigned char *)gflag, NULL, (double *)abuf,
                   (unsigned char *)aflag, (double *)aoff);
    Py_END_ALLOW_THREADS;
    free(work);
    free(r.mem);
    return PyFloat_FromDouble(ll);
}

/* viterbi(K, T, init_log, trans_log, emis_log, path, back) -> log weight.
 * Max-plus in logs; delta is shifted by its maximum every step (the shift
 * summed apart) so that the additions stay small and exact ties stay ties.
 * Ties go to the lowest index: the comparison is strict, i ascending. */
#if defined(__GNUC__) && defined(__x86_64__)
#include <immintrin.h>
#define HAVE_AVX2_KERNEL 1
static int use_avx2 = 0; /* set at import from the running CPU */

/* The max-plus columns of viterbi_loop with four lanes (AVX2), for j in
 * blocks of 16 from j0 held in four registers while i runs down the rows;
 * returns where it stopped (the SSE2 and scalar code do the rest). Same
 * comparisons, same results. */
__attribute__((target("avx2"))) static long viterbi_columns_avx2(long K, long width, long j0, const double *a,
                                                                  const double *delta, double *bst, double *from) {
    for (; j0 + 16 <= width; j0 += 16) {
        __m256d b0 = _mm256_set1_pd(-INFINITY), b1 = b0, b2 = b0, b3 = b0;
        __m256d f0 = _mm256_setzero_pd(), f1 = f0, f2 = f0, f3 = f0;
        for (long i = 0; i < K; i++) {
            __m256d d = _mm256_set1_pd(delta[i]), fi = _mm256_set1_pd((double)i);
            const double *ai = a + i * width + j0;
#define LANE4(B, F, Q)                                                  \
    {                                                                   \
        __m256d sc = _mm256_add_pd(d, _mm256_loadu_pd(ai + 4 * (Q)));   \
        __m256d gt = _mm256_cmp_pd(sc, B, _CMP_GT_OQ);                  \
        B = _mm256_blendv_pd(B, sc, gt);                                \
        F = _mm256_blendv_pd(F, fi, gt);                                \
    }
            LANE4(b0, f0, 0) LANE4(b1, f1, 1) LANE4(b2, f2, 2) LANE4(b3, f3, 3)
#undef LANE4
        }
        _mm256_storeu_pd(bst + j0, b0);
        _mm256_storeu_pd(bst + j0 + 4, b1);
        _mm256_storeu_pd(bst + j0 + 8, b2);
        _mm256_storeu_pd(bst + j0 + 12, b3);
        _mm256_storeu_pd(from + j0, f0);
        _mm256_storeu_pd(from + j0 + 4, f1);
        _mm256_storeu_pd(from + j0 + 8, f2);
        _mm256_storeu_pd(from + j0 + 12, f3);
    }
    return j0;
}
#endif

/* The Viterbi recursion; a constant K unrolls it. delta is shifted by its
 * maximum every step (the shifts summed apart, compensated) so that the
 * additions stay small. Returns log weight (-inf: weight zero). */
ALWAYS_INLINE double viterbi_loop(long K, npy_intp T, const double *li, const double *lt, int shared,
                                  const double *le, npy_intp *path, npy_intp *back, double *delta,
                                  const double *padded, long width) {
    double *restrict bst = delta + width, *restrict from = delta + 2 * width;
    double total = 0.0, comp = 0.0;
    for (long j = 0; j < K; j++) delta[j] = li[j] + le[j];
    for (npy_intp t = 0;; t++) {
        double mx = -INFINITY;
        for (long j = 0; j < K; j++) mx = delta[j] > mx ? delta[j] : mx;
        if (mx == -INFINITY || isnan(mx)) {
            /* the weight is zero: every path is a best one; report the lowest indices */
            for (npy_intp s = 0; s < T; s++) path[s] = 0;
            return mx;
        }
        for (long j = 0; j < K; j++) delta[j] -= mx;
        double s = total + mx;
        comp += fabs(total) >= fabs(mx) ? (total - s) + mx : (mx - s) + total;
        total = s;
        if (t == T - 1) break;
        const double *a = lt + (shared ? 0 : t * K * K);
        npy_intp *arg = back + (t + 1) * K;
        /* best[j] = max over i of delta[i] + a[i, j], with the first such i:
         * j in blocks of 8 held in registers while i runs down the rows
         * (SSE2, two lanes a register); the state index is carried as a
         * double so both selects have one width. Strict ">" keeps the lowest i. */
        long j0 = 0;
#ifdef HAVE_AVX2_KERNEL
        if (padded) /* rows padded with -inf to a multiple of 16: every column in 16-blocks */
            j0 = viterbi_columns_avx2(K, width, 0, padded, delta, bst, from);
        else if (use_avx2)
            j0 = viterbi_columns_avx2(K, K, 0, a, delta, bst, from);
#endif
#ifdef __SSE2__
        for (; j0 + 8 <= K; j0 += 8) {
            __m128d b0 = _mm_set1_pd(-INFINITY), b1 = b0, b2 = b0, b3 = b0;
            __m128d f0 = _mm_setzero_pd(), f1 = f0, f2 = f0, f3 = f0;
            for (long i = 0; i < K; i++) {
                __m128d d = _mm_set1_pd(delta[i]), fi = _mm_set1_pd((double)i);
                const double *ai = a + i * K + j0;
#define LANE(B, F, Q)                                                   \
    {                                                                   \
        __m128d sc = _mm_add_pd(d, _mm_loadu_pd(ai + 2 * (Q)));         \
        __m128d gt = _mm_cmpgt_pd(sc, B);                               \
        B = _mm_or_pd(_mm_and_pd(gt, sc), _mm_andnot_pd(gt, B));        \
        F = _mm_or_pd(_mm_and_pd(gt, fi), _mm_andnot_pd(gt, F));        \
    }
                LANE(b0, f0, 0) LANE(b1, f1, 1) LANE(b2, f2, 2) LANE(b3, f3, 3)
#undef LANE
            }
            _mm_storeu_pd(bst + j0, b0);
            _mm_storeu_pd(bst + j0 + 2, b1);
            _mm_storeu_pd(bst + j0 + 4, b2);
            _mm_storeu_pd(bst + j0 + 6, b3);
            _mm_storeu_pd(from + j0, f0);
            _mm_storeu_pd(from + j0 + 2, f1);
            _mm_storeu_pd(from + j0 + 4, f2);
            _mm_storeu_pd(from + j0 + 6, f3);
        }
        for (; j0 + 2 <= K; j0 += 2) {
            __m128d b = _mm_set1_pd(-INFINITY), f = _mm_setzero_pd();
            for (long i = 0; i < K; i++) {
                __m128d sc = _mm_add_pd(_mm_set1_pd(delta[i]), _mm_loadu_pd(a + i * K + j0));
                __m128d gt = _mm_cmpgt_pd(sc, b);
                b = _mm_or_pd(_mm_and_pd(gt, sc), _mm_andnot_pd(gt, b));
                f = _mm_or_pd(_mm_and_pd(gt, _mm_set1_pd((double)i)), _mm_andnot_pd(gt, f));
            }
            _mm_storeu_pd(bst + j0, b);
            _mm_storeu_pd(from + j0, f);
        }
#endif
        for (long j = j0; j < K; j++) {
            bst[j] = -INFINITY;
            from[j] = 0.0;
        }
        for (long i = 0; i < K && j0 < K; i++) {
            double di = delta[i], fi = (double)i;
            const double *ai = a + i * K;
            for (long j = j0; j < K; j++) {
                double sc = di + ai[j];
                if (sc > bst[j]) {
                    bst[j] = sc;
                    from[j] = fi;
                }
            }
        }
        const double *e = le + (t + 1) * K;
        for (long j = 0; j < K; j++) {
            arg[j] = (npy_intp)from[j];
            delta[j] = bst[j] + e[j];
        }
    }
    long k = 0;
    for (long j = 1; j < K; j++)
        if (delta[j] > delta[k]) k = j;
    path[T - 1] = k;
    for (npy_intp t = T - 1; t > 0; t--) path[t - 1] = back[t * K + path[t]];
    return delta[k] + (total + comp);
}

/* viterbi(K, T, init_log, trans_log, emis_log, path, back) -> log weight.
 * Max-plus in logs; ties go to the lowest index, at every step and the end. */
static PyObject *py_viterbi(PyObject *self, PyObject *args) {
    long K;
    Py_ssize_t T;
    PyObject *oi, *ot, *oe, *opath, *oback;
    const double *li, *lt, *le;
    npy_intp ni, nt, ne;
    void *vpath, *vback;
    if (!PyArg_ParseTuple(args, "lnOOOOO", &K, &T, &oi, &ot, &oe, &opath, &oback)) return NULL;
    if (K < 1 || T < 1) {
        PyErr_SetString(PyExc_ValueError, "K and T must be positive");
        return NULL;
    }
    if (!as_buffer(oi, &li, &ni, "init") || !as_buffer(ot, &lt, &nt, "trans") || !as_buffer(oe, &le, &ne, "emis"))
        return NULL;
    if (!li || !lt || !le || ni != K || ne != T * K || (nt != K * K && nt != (T - 1) * K * K)) {
        PyErr_SetString(PyExc_ValueError, "viterbi: sizes do not match");
        return NULL;
    }
    if (!writable(opath, &vpath, NPY_INTP, T, "path") || !writable(oback, &vback, NPY_INTP, T * K, "back"))
        return NULL;
    npy_intp *path = (npy_intp *)vpath, *back = (npy_intp *)vback;
    int shared = nt == K * K;
    long width = K;
    double *padded = NULL;
#ifdef HAVE_AVX2_KERNEL
    /* A shared matrix of more than 4 states, padded once with -inf columns
     * (which never win) to a multiple of 16: all columns then run in the
     * four-register blocks. */
    if (use_avx2 && shared && K > 4) {
        width = (K + 15) / 16 * 16;
        padded = (double *)malloc(sizeof(double) * (size_t)(K * width));
        if (!padded) return PyErr_NoMemory();
        for (long i = 0; i < K; i++)
            for (long j = 0; j < width; j++) padded[i * width + j] = j < K ? lt[i * K + j] : -INFINITY;
    }
#endif
    double *delta = (double *)malloc(sizeof(double) * 3 * (size_t)width);
    if (!delta) {
        free(padded);
        return PyErr_NoMemory();
    }
    double result;
    Py_BEGIN_ALLOW_THREADS;
    switch (K) {
    case 2: result = viterbi_loop(2, T, li, lt, shared, le, path, back, delta, NULL, 2); break;
    case 3: result = viterbi_loop(3, T, li, lt, shared, le, path, back, delta, NULL, 3); break;
    case 4: result = viterbi_loop(4, T, li, lt, shared, le, path, back, delta, NULL, 4); break;
    default: result = viterbi_loop(K, T, li, lt, shared, le, path, back, delta, padded, width); break;
    }
    Py_END_ALLOW_THREADS;
    free(delta);
    free(padded);
    return PyFloat_FromDouble(result);
}

static PyMethodDef methods[] = {
    {"forward", py_forward, METH_VARARGS, "Scaled forward recursion; returns the log-likelihood."},
    {"backward", py_backward, METH_VARARGS, "Scaled backward recursion."},
    {"posteriors", py_posteriors, METH_VARARGS, "Forward, then backward combined into posteriors."},
    {"viterbi", py_viterbi, METH_VARARGS, "Max-plus Viterbi recursion with backtrace."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "_c_chain", "Compiled recursions of logspace.chain.", -1,
                                    methods};

PyMODINIT_FUNC PyInit__c_chain(void) {
    import_array();
#ifdef HAVE_AVX2_KERNEL
    __builtin_cpu_init();
    use_avx2 = __builtin_cpu_supports("avx2");
#endif
    return PyModule_Create(&module);
}
