/* Max-plus matrix product on contiguous float64 buffers: the compiled path
 * of logspace.maxmatmul (logspace/_kernels.py), whose numpy version is the
 * fallback and the test oracle.
 *
 * product(a, b, a_offsets, b_offsets, out, argmax_or_None)
 *   a: (Ba, n, k), b: (Bb, k, p), out: (B, n, p) C-contiguous float64;
 *   a_offsets, b_offsets: (B,) intp, the element offset of each batch
 *   entry's matrix in a and b (broadcast batches repeat an offset);
 *   argmax: (B, n, p) intp or None.
 * out[t, i, j] = max over l of a[t, i, l] + b[t, l, j], argmax the lowest l
 * reaching it (strict > keeps the first). nan terms are ignored here: the
 * Python layer overwrites every entry that has one (nan propagates there).
 * The loops run i, l, j with j innermost, contiguous in b and out, in
 * blocks of rows of a and of l so that a block of b stays in cache.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#define NPY_NO_DEPRECATED_API NPY_1_7_API_VERSION
#include <numpy/arrayobject.h>
#include <math.h>

#define ROW_BLOCK 32
#define K_BLOCK 128

/* On x86-64 Linux with GCC, the loops are also compiled for AVX2 (four
 * doubles a vector instead of SSE2's two) and the loader picks the variant
 * the CPU supports; elsewhere the portable build is the only one. */
#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__) && defined(__linux__)
#define VARIANTS __attribute__((target_clones("avx2", "default")))
#else
#define VARIANTS
#endif

VARIANTS static void product_values(const double *a, const double *b, double *out, npy_intp n, npy_intp k, npy_intp p)
{
    for (npy_intp x = 0; x < n * p; x++) out[x] = -INFINITY;
    for (npy_intp i0 = 0; i0 < n; i0 += ROW_BLOCK) {
        npy_intp i1 = i0 + ROW_BLOCK < n ? i0 + ROW_BLOCK : n;
        for (npy_intp l0 = 0; l0 < k; l0 += K_BLOCK) {
            npy_intp l1 = l0 + K_BLOCK < k ? l0 + K_BLOCK : k;
            for (npy_intp i = i0; i < i1; i++) {
                double *restrict o = out + i * p;
                for (npy_intp l = l0; l < l1; l++) {
                    const double ail = a[i * k + l];
                    const double *restrict row = b + l * p;
                    for (npy_intp j = 0; j < p; j++) {
                        const double v = ail + row[j];
                        o[j] = v > o[j] ? v : o[j];
                    }
                }
            }
        }
    }
}

/* The argmax is tracked as a double (exact below 2**53) in ``scratch``: all
 * lanes are then doubles and the loop vectorizes with plain SSE2 blends. */
VARIANTS static void product_with_argmax(const double *a, const double *b, double *out, npy_intp *arg, double *scratch,
                                npy_intp n, npy_intp k, npy_intp p)
{
    for (npy_intp x = 0; x < n * p; x++) {
        out[x] = -INFINITY;
        scratch[x] = 0.0;
    }
    for (npy_intp i0 = 0; i0 < n; i0 += ROW_BLOCK) {
        npy_intp i1 = i0 + ROW_BLOCK < n ? i0 + ROW_BLOCK : n;
        for (npy_intp l0 = 0; l0 < k; l0 += K_BLOCK) {
            npy_intp l1 = l0 + K_BLOCK < k ? l0 + K_BLOCK : k;
            for (npy_intp i = i0; i < i1; i++) {
                double *restrict o = out + i * p;
                double *restrict g = scratch + i * p;
                for (npy_intp l = l0; l < l1; l++) {
                    const double ail = a[i * k + l];
                    const double index = (double)l;
                    const double *restrict row = b + l * p;
                    for (npy_intp j = 0; j < p; j++) {
                        const double v = ail + row[j];
                        const double current = o[j];
                        o[j] = v > current ? v : current;
                        g[j] = v > current ? index : g[j];
                    }
                }
            }
        }
    }
    for (npy_intp x = 0; x < n * p; x++) arg[x] = (npy_intp)scratch[x];
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
    if (!PyArg_ParseTuple(args, "O!O!O!O!O!O", &PyArray_Type, &a, &PyArray_Type, &b, &PyArray_Type, &a_offsets,
                          &PyArray_Type, &b_offsets, &PyArray_Type, &out, &arg_object))
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
    const double *a_data = (const double *)PyArray_DATA(a);
    const double *b_data = (const double *)PyArray_DATA(b);
    double *out_data = (double *)PyArray_DATA(out);
    npy_intp *arg_data = arg != NULL ? (npy_intp *)PyArray_DATA(arg) : NULL;
    double *scratch = NULL;
    if (arg_data != NULL && n * p > 0) {
        scratch = (double *)PyMem_RawMalloc((size_t)(n * p) * sizeof(double));
        if (scratch == NULL) return PyErr_NoMemory();
    }
    Py_BEGIN_ALLOW_THREADS
    for (npy_intp t = 0; t < batch; t++) {
        if (arg_data != NULL)
            product_with_argmax(a_data + ao[t], b_data + bo[t], out_data + t * n * p, arg_data + t * n * p, scratch,
                                n, k, p);
        else
            product_values(a_data + ao[t], b_data + bo[t], out_data + t * n * p, n, k, p);
    }
    Py_END_ALLOW_THREADS
    PyMem_RawFree(scratch);
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
    return PyModule_Create(&module);
}
