/* Max-plus matrix product on contiguous float64 buffers: the compiled path
 * of logspace.maxmatmul (logspace/_kernels.py), whose numpy version is the
 * fallback and the test oracle.
 *
 * product(a, b, a_offsets, b_offsets, out, argmax_or_None, threads)
 *   a: (Ba, n, k), b: (Bb, k, p), out: (B, n, p) C-contiguous float64;
 *   a_offsets, b_offsets: (B,) intp, the element offset of each batch
 *   entry's matrix in a and b (broadcast batches repeat an offset);
 *   argmax: (B, n, p) intp or None; threads: at most this many threads
 *   share the rows (1: the calling thread alone).
 * out[t, i, j] = max over l of a[t, i, l] + b[t, l, j], argmax the lowest l
 * reaching it. Entries with a nan term may come out wrong here: the Python
 * layer overwrites every entry that has one (nan propagates there).
 *
 * Every entry sees its terms in increasing l: the running maximum m takes
 * a term v unless m > v (x86's maxpd(m, v) is exactly m > v ? m : v), as
 * numpy's maximum(m, v) does (on a tie, the sign of a zero is the later
 * term's), and the argmax moves only when v > m (the first k reaching the
 * maximum, as numpy's argmax). So the result does not depend on the
 * blocking, the vector width or the number of threads: it is bit for bit the
 * numpy fallback's, which reduces over k in order.
 *
 * Layout of the work: tasks of ROW_GROUP rows of one batch entry, which the
 * threads take in turn until none is left. Within a task, l runs in blocks of
 * K_BLOCK (fewer for very wide b, so that a packed block holds at most
 * PACKED_LIMIT doubles; a block of b stays in cache for the whole row group); within a
 * block, a register tile of MR rows by NR columns keeps its running maxima
 * (and argmax) in vector registers over every l of the block (AVX2), or,
 * without AVX2 and for the columns and rows left over, the loops run
 * i, l, j with j innermost, contiguous in b and out.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#define NPY_NO_DEPRECATED_API NPY_1_7_API_VERSION
#include <numpy/arrayobject.h>
#include <math.h>
#include <string.h>

#if !defined(_WIN32)
#include <pthread.h>
#define HAVE_THREADS 1
#endif

#if defined(__GNUC__) && defined(__x86_64__)
#include <immintrin.h>
#define HAVE_AVX2_KERNEL 1
static int use_avx2 = 0;
#endif

#define ROW_GROUP 32
#define K_BLOCK 128
#define MIN_K_BLOCK 8
#define PACKED_LIMIT (1 << 18) /* doubles (2 MiB) of b packed per thread, unless b is wider than 2**15 */
#define PANEL 8 /* columns of b in one packed panel */
#define MAX_THREADS 64

typedef struct {
    const double *a, *b;
    double *out;
    npy_intp *arg;
    const npy_intp *a_offsets, *b_offsets;
    npy_intp n, k, p;
    npy_intp *next_task, tasks;    /* shared by the workers: the next task not yet taken, and their number */
    double *scratch;               /* ROW_GROUP * p doubles: the argmax as doubles (exact below 2**53) */
    npy_intp k_block;              /* rows of b in one block */
    double *panels;                /* k_block * p doubles: a block of b, packed (AVX2 path), or NULL */
} work;

/* The portable loops, for the rows [i0, i1) and columns [j0, p) of one block
 * of l. ``o`` and ``g`` point at row i0 of the output and of the argmax (g
 * NULL without it). */
static void block_rows(const double *a, const double *b, double *o, double *g, npy_intp i0, npy_intp i1,
                       npy_intp j0, npy_intp l0, npy_intp l1, npy_intp k, npy_intp p, int first)
{
    for (npy_intp i = i0; i < i1; i++) {
        double *restrict oi = o + (i - i0) * p;
        double *restrict gi = g != NULL ? g + (i - i0) * p : NULL;
        if (first) {
            for (npy_intp j = j0; j < p; j++) oi[j] = -INFINITY;
            if (gi != NULL)
                for (npy_intp j = j0; j < p; j++) gi[j] = 0.0;
        }
        for (npy_intp l = l0; l < l1; l++) {
            const double ail = a[i * k + l];
            const double *restrict row = b + l * p;
            if (gi == NULL) {
                for (npy_intp j = j0; j < p; j++) {
                    const double v = ail + row[j];
                    oi[j] = oi[j] > v ? oi[j] : v;
                }
            } else {
                const double index = (double)l;
                for (npy_intp j = j0; j < p; j++) {
                    const double v = ail + row[j];
                    const double current = oi[j];
                    oi[j] = current > v ? current : v;
                    gi[j] = v > current ? index : gi[j];
                }
            }
        }
    }
}

#ifdef HAVE_AVX2_KERNEL
/* Rows i .. i+3 (``o`` at row i), every full panel of 8 columns, l in
 * [l0, l1); ``panels`` is that block of b packed panel by panel (see
 * pack_panels), so each panel is read as one contiguous stream. Returns the
 * first column not done (the rest go to block_rows). */
__attribute__((target("avx2"))) static npy_intp tile_values(const double *a, const double *panels, double *o,
                                                             npy_intp i, npy_intp l0, npy_intp l1, npy_intp k,
                                                             npy_intp p, int first)
{
    npy_intp j = 0;
    const double *a0 = a + i * k, *a1 = a0 + k, *a2 = a1 + k, *a3 = a2 + k;
    double *o0 = o, *o1 = o + p, *o2 = o1 + p, *o3 = o2 + p;
    for (; j + PANEL <= p; j += PANEL) {
        __m256d m00, m01, m10, m11, m20, m21, m30, m31;
        if (first) {
            m00 = m01 = m10 = m11 = m20 = m21 = m30 = m31 = _mm256_set1_pd(-INFINITY);
        } else {
            m00 = _mm256_loadu_pd(o0 + j), m01 = _mm256_loadu_pd(o0 + j + 4);
            m10 = _mm256_loadu_pd(o1 + j), m11 = _mm256_loadu_pd(o1 + j + 4);
            m20 = _mm256_loadu_pd(o2 + j), m21 = _mm256_loadu_pd(o2 + j + 4);
            m30 = _mm256_loadu_pd(o3 + j), m31 = _mm256_loadu_pd(o3 + j + 4);
        }
        const double *row = panels + (j / PANEL) * (l1 - l0) * PANEL;
        for (npy_intp l = l0; l < l1; l++, row += PANEL) {
            const __m256d b0 = _mm256_loadu_pd(row), b1 = _mm256_loadu_pd(row + 4);
            __m256d x = _mm256_broadcast_sd(a0 + l);
            m00 = _mm256_max_pd(m00, _mm256_add_pd(x, b0)); /* m > v ? m : v */
            m01 = _mm256_max_pd(m01, _mm256_add_pd(x, b1));
            x = _mm256_broadcast_sd(a1 + l);
            m10 = _mm256_max_pd(m10, _mm256_add_pd(x, b0));
            m11 = _mm256_max_pd(m11, _mm256_add_pd(x, b1));
            x = _mm256_broadcast_sd(a2 + l);
            m20 = _mm256_max_pd(m20, _mm256_add_pd(x, b0));
            m21 = _mm256_max_pd(m21, _mm256_add_pd(x, b1));
            x = _mm256_broadcast_sd(a3 + l);
            m30 = _mm256_max_pd(m30, _mm256_add_pd(x, b0));
            m31 = _mm256_max_pd(m31, _mm256_add_pd(x, b1));
        }
        _mm256_storeu_pd(o0 + j, m00), _mm256_storeu_pd(o0 + j + 4, m01);
        _mm256_storeu_pd(o1 + j, m10), _mm256_storeu_pd(o1 + j + 4, m11);
        _mm256_storeu_pd(o2 + j, m20), _mm256_storeu_pd(o2 + j + 4, m21);
        _mm256_storeu_pd(o3 + j, m30), _mm256_storeu_pd(o3 + j + 4, m31);
    }
    return j;
}

/* The same with the argmax (``g`` at row i of the scratch), in half panels
 * of 4 columns: four maxima and four indices stay in registers. */
__attribute__((target("avx2"))) static npy_intp tile_argmax(const double *a, const double *panels, double *o, double *g,
                                                             npy_intp i, npy_intp l0, npy_intp l1, npy_intp k,
                                                             npy_intp p, int first)
{
    npy_intp j = 0;
    const double *a0 = a + i * k, *a1 = a0 + k, *a2 = a1 + k, *a3 = a2 + k;
    double *o0 = o, *o1 = o + p, *o2 = o1 + p, *o3 = o2 + p;
    double *g0 = g, *g1 = g + p, *g2 = g1 + p, *g3 = g2 + p;
    const __m256d one = _mm256_set1_pd(1.0);
    const npy_intp packed = p / PANEL * PANEL;
    for (; j + 4 <= packed; j += 4) {
        __m256d m0, m1, m2, m3, i0, i1, i2, i3;
        if (first) {
            m0 = m1 = m2 = m3 = _mm256_set1_pd(-INFINITY);
            i0 = i1 = i2 = i3 = _mm256_setzero_pd();
        } else {
            m0 = _mm256_loadu_pd(o0 + j), m1 = _mm256_loadu_pd(o1 + j);
            m2 = _mm256_loadu_pd(o2 + j), m3 = _mm256_loadu_pd(o3 + j);
            i0 = _mm256_loadu_pd(g0 + j), i1 = _mm256_loadu_pd(g1 + j);
            i2 = _mm256_loadu_pd(g2 + j), i3 = _mm256_loadu_pd(g3 + j);
        }
        __m256d index = _mm256_set1_pd((double)l0);
        const double *row = panels + (j / PANEL) * (l1 - l0) * PANEL + j % PANEL;
        for (npy_intp l = l0; l < l1; l++, row += PANEL) {
            const __m256d b0 = _mm256_loadu_pd(row);
            __m256d v = _mm256_add_pd(_mm256_broadcast_sd(a0 + l), b0);
            __m256d greater = _mm256_cmp_pd(v, m0, _CMP_GT_OQ);
            m0 = _mm256_max_pd(m0, v), i0 = _mm256_blendv_pd(i0, index, greater);
            v = _mm256_add_pd(_mm256_broadcast_sd(a1 + l), b0);
            greater = _mm256_cmp_pd(v, m1, _CMP_GT_OQ);
            m1 = _mm256_max_pd(m1, v), i1 = _mm256_blendv_pd(i1, index, greater);
            v = _mm256_add_pd(_mm256_broadcast_sd(a2 + l), b0);
            greater = _mm256_cmp_pd(v, m2, _CMP_GT_OQ);
            m2 = _mm256_max_pd(m2, v), i2 = _mm256_blendv_pd(i2, index, greater);
            v = _mm256_add_pd(_mm256_broadcast_sd(a3 + l), b0);
            greater = _mm256_cmp_pd(v, m3, _CMP_GT_OQ);
            m3 = _mm256_max_pd(m3, v), i3 = _mm256_blendv_pd(i3, index, greater);
            index = _mm256_add_pd(index, one);
        }
        _mm256_storeu_pd(o0 + j, m0), _mm256_storeu_pd(o1 + j, m1);
        _mm256_storeu_pd(o2 + j, m2), _mm256_storeu_pd(o3 + j, m3);
        _mm256_storeu_pd(g0 + j, i0), _mm256_storeu_pd(g1 + j, i1);
        _mm256_storeu_pd(g2 + j, i2), _mm256_storeu_pd(g3 + j, i3);
    }
    return j;
}
#endif

/* Rows [l0, l1) of b, panel by panel: panel q holds columns q*PANEL ..
 * q*PANEL + PANEL-1 of each row in turn. Rows of b lie p doubles apart, a
 * stride at which a block of them would compete for the same cache sets. */
static void pack_panels(const double *b, double *panels, npy_intp l0, npy_intp l1, npy_intp p)
{
    for (npy_intp q = 0; q < p / PANEL; q++) {
        double *to = panels + q * (l1 - l0) * PANEL;
        for (npy_intp l = l0; l < l1; l++, to += PANEL) memcpy(to, b + l * p + q * PANEL, PANEL * sizeof(double));
    }
}

/* One task: rows [i0, i1) of batch entry t. */
static void run_task(const work *w, npy_intp t, npy_intp i0, npy_intp i1)
{
    const npy_intp n = w->n, k = w->k, p = w->p;
    const double *a = w->a + w->a_offsets[t], *b = w->b + w->b_offsets[t];
    double *o = w->out + (t * n + i0) * p;
    double *g = w->arg != NULL ? w->scratch : NULL;
    const npy_intp k_block = w->k_block;
    for (npy_intp l0 = 0; l0 < k; l0 += k_block) {
        const npy_intp l1 = l0 + k_block < k ? l0 + k_block : k;
        const int first = l0 == 0;
        npy_intp i = i0;
#ifdef HAVE_AVX2_KERNEL
        if (w->panels != NULL && i1 - i0 >= 4) {
            pack_panels(b, w->panels, l0, l1, p);
            for (; i + 4 <= i1; i += 4) {
                double *oi = o + (i - i0) * p, *gi = g != NULL ? g + (i - i0) * p : NULL;
                const npy_intp done = gi != NULL ? tile_argmax(a, w->panels, oi, gi, i, l0, l1, k, p, first)
                                                 : tile_values(a, w->panels, oi, i, l0, l1, k, p, first);
                block_rows(a, b, oi, gi, i, i + 4, done, l0, l1, k, p, first);
            }
        }
#endif
        block_rows(a, b, o + (i - i0) * p, g != NULL ? g + (i - i0) * p : NULL, i, i1, 0, l0, l1, k, p, first);
    }
    if (g != NULL) {
        npy_intp *arg = w->arg + (t * n + i0) * p;
        for (npy_intp x = 0; x < (i1 - i0) * p; x++) arg[x] = (npy_intp)g[x];
    }
}

/* Takes tasks until none is left: a thread that gets less of a CPU (another
 * process, or a BLAS thread still spinning after its product) takes fewer of
 * them. Which thread runs a task does not change what it writes. */
static void *run_tasks(void *argument)
{
    const work *w = (const work *)argument;
    const npy_intp groups = (w->n + ROW_GROUP - 1) / ROW_GROUP;
    for (;;) {
#ifdef HAVE_THREADS
        const npy_intp task = __atomic_fetch_add(w->next_task, 1, __ATOMIC_RELAXED);
#else
        const npy_intp task = (*w->next_task)++;
#endif
        if (task >= w->tasks) break;
        const npy_intp t = task / groups, i0 = (task % groups) * ROW_GROUP;
        run_task(w, t, i0, i0 + ROW_GROUP < w->n ? i0 + ROW_GROUP : w->n);
    }
    return NULL;
}

/* Runs every task on up to ``threads`` threads (the caller's among them);
 * returns 0, or -1 when out of memory. A thread that cannot be started
 * leaves its tasks to the others. */
static int run_all(work *proto, npy_intp batch, int threads)
{
    npy_intp next_task = 0;
    const npy_intp tasks = batch * ((proto->n + ROW_GROUP - 1) / ROW_GROUP);
    if (threads > tasks) threads = (int)tasks;
    if (threads < 1) threads = 1;
    if (threads > MAX_THREADS) threads = MAX_THREADS;
    work workers[MAX_THREADS];
    /* Per thread: the argmax scratch (with the argmax) and the packed panels. */
    const size_t scratch_size = proto->arg != NULL ? ROW_GROUP * (size_t)proto->p : 0;
    npy_intp k_block = K_BLOCK;
    while (k_block > MIN_K_BLOCK && k_block * proto->p > PACKED_LIMIT) k_block /= 2;
    int packed = 0; /* the register tiles run: AVX2, and a tile of 4 rows and 8 columns fits */
#ifdef HAVE_AVX2_KERNEL
    packed = use_avx2 && proto->n >= 4 && proto->p >= PANEL;
#endif
    const size_t panels_size = packed ? (size_t)k_block * (size_t)proto->p : 0;
    const size_t per_thread = scratch_size + panels_size;
    double *memory = per_thread > 0 ? (double *)malloc((size_t)threads * per_thread * sizeof(double)) : NULL;
    if (per_thread > 0 && memory == NULL) return -1;
    for (int x = 0; x < threads; x++) {
        workers[x] = *proto;
        workers[x].next_task = &next_task;
        workers[x].tasks = tasks;
        workers[x].k_block = k_block;
        workers[x].scratch = scratch_size > 0 ? memory + (size_t)x * per_thread : NULL;
        workers[x].panels = panels_size > 0 ? memory + (size_t)x * per_thread + scratch_size : NULL;
    }
#ifdef HAVE_THREADS
    pthread_t ids[MAX_THREADS];
    int started[MAX_THREADS] = {0};
    for (int x = 1; x < threads; x++) started[x] = pthread_create(&ids[x], NULL, run_tasks, &workers[x]) == 0;
    run_tasks(&workers[0]);
    for (int x = 1; x < threads; x++)
        if (started[x]) pthread_join(ids[x], NULL);
#else
    run_tasks(&workers[0]);
#endif
    free(memory);
    return 0;
}

static int check(PyArrayObject *array, int type, int ndim, const char *name)
{
    if (PyArray_TYPE(array) != type || PyArray_NDIM(array) != ndim || !PyArray_IS_C_CONTIGUOUS(array)) {
        PyErr_Format(PyExc_ValueError, "_c_maxplus.product: %s must be a C-contiguous %d-d array of the expected dtype",
                     name, ndim);
        return 0;
    }
    return 1;
}

static PyObject *product(PyObject *self, PyObject *args)
{
    PyArrayObject *a, *b, *a_offsets, *b_offsets, *out;
    PyObject *arg_object;
    int threads;
    if (!PyArg_ParseTuple(args, "O!O!O!O!O!Oi", &PyArray_Type, &a, &PyArray_Type, &b, &PyArray_Type, &a_offsets,
                          &PyArray_Type, &b_offsets, &PyArray_Type, &out, &arg_object, &threads))
        return NULL;
    if (!check(a, NPY_DOUBLE, 3, "a") || !check(b, NPY_DOUBLE, 3, "b") || !check(out, NPY_DOUBLE, 3, "out") ||
        !check(a_offsets, NPY_INTP, 1, "a_offsets") || !check(b_offsets, NPY_INTP, 1, "b_offsets"))
        return NULL;
    PyArrayObject *arg = NULL;
    if (arg_object != Py_None) {
        if (!PyArray_Check(arg_object)) {
            PyErr_SetString(PyExc_TypeError, "_c_maxplus.product: argmax must be an ndarray or None");
            return NULL;
        }
        arg = (PyArrayObject *)arg_object;
        if (!check(arg, NPY_INTP, 3, "argmax")) return NULL;
    }
    const npy_intp batch = PyArray_DIM(out, 0), n = PyArray_DIM(out, 1), p = PyArray_DIM(out, 2);
    const npy_intp k = PyArray_DIM(a, 2);
    if (PyArray_DIM(a, 1) != n || PyArray_DIM(b, 1) != k || PyArray_DIM(b, 2) != p ||
        PyArray_DIM(a_offsets, 0) != batch || PyArray_DIM(b_offsets, 0) != batch ||
        (arg != NULL && (PyArray_DIM(arg, 0) != batch || PyArray_DIM(arg, 1) != n || PyArray_DIM(arg, 2) != p))) {
        PyErr_SetString(PyExc_ValueError, "_c_maxplus.product: inconsistent shapes");
        return NULL;
    }
    const npy_intp a_size = PyArray_SIZE(a), b_size = PyArray_SIZE(b);
    const npy_intp *ao = (const npy_intp *)PyArray_DATA(a_offsets);
    const npy_intp *bo = (const npy_intp *)PyArray_DATA(b_offsets);
    for (npy_intp t = 0; t < batch; t++) {
        if (ao[t] < 0 || ao[t] + n * k > a_size || bo[t] < 0 || bo[t] + k * p > b_size) {
            PyErr_SetString(PyExc_ValueError, "_c_maxplus.product: batch offset out of range");
            return NULL;
        }
    }
    if (batch == 0 || n == 0 || p == 0) Py_RETURN_NONE;
    if (k == 0) {
        PyErr_SetString(PyExc_ValueError, "_c_maxplus.product: the contracted dimension is 0");
        return NULL;
    }
    work proto = {
        .a = (const double *)PyArray_DATA(a),
        .b = (const double *)PyArray_DATA(b),
        .out = (double *)PyArray_DATA(out),
        .arg = arg != NULL ? (npy_intp *)PyArray_DATA(arg) : NULL,
        .a_offsets = ao,
        .b_offsets = bo,
        .n = n,
        .k = k,
        .p = p,
    };
    int status;
    Py_BEGIN_ALLOW_THREADS
    status = run_all(&proto, batch, threads);
    Py_END_ALLOW_THREADS
    if (status != 0) return PyErr_NoMemory();
    Py_RETURN_NONE;
}

static PyMethodDef methods[] = {
    {"product", product, METH_VARARGS, "Max-plus product of batches of contiguous float64 matrices (see the source)."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "_c_maxplus", "Compiled max-plus matrix product.", -1, methods};

PyMODINIT_FUNC PyInit__c_maxplus(void)
{
    import_array();
#ifdef HAVE_AVX2_KERNEL
    __builtin_cpu_init();
    use_avx2 = __builtin_cpu_supports("avx2");
#endif
    return PyModule_Create(&module);
}
