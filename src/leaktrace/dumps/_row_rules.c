/* The common case of three per-row rules of a dump's facts scan, over a whole Arrow string column.
 *
 * Why native: in SQL the ID packing, the mobile's normal form and the
 * address province cost ~0.2 CPU-s each per 10^6 rows, together half of
 * the facts scan beyond parsing. Nearly every row of a real dump takes
 * the same path through each rule (an 18-character ID, an 11-digit
 * mobile, an address starting with a Chinese province name), and that path
 * is a few byte tests. So each function here answers only that path and
 * returns -1 for anything else; the SQL twin (`analysis_sql.facts_sql`)
 * keeps the whole rule and runs it on the -1 rows alone. Tests pin the
 * kernels to the SQL on random input (tests/dumps/test_row_kernels.py).
 *
 * Each takes (data, offsets, first, n, wide, validity, vbit) for values
 * i in [0, n): data[off[first+i] : off[first+i+1]] (int32 offsets, or int64
 * when wide), NULL where the validity bitmap (empty bytes: none) has bit
 * vbit+i clear. Offsets are checked against the data: a bad one raises.
 *
 * id_pack(..., check) -> n int64: an 18-byte value of 17 ASCII digits and
 *   a digit or 'X' -> body * 32 + 2 * (index of its last character in
 *   `check`); else -1.
 * mobile(...) -> n int64: an 11-byte value of ASCII digits starting '1' ->
 *   its number; else -1.
 * province(..., groups) -> n int32: a value starting with an ASCII
 *   character 0x21-0x7E -> 0; starting with a CJK ideograph (U+4E00..9FFF)
 *   -> the code of the group whose 2-character lead it starts with, when it
 *   starts with that group's form, else 0; anything else -> -1. `groups`:
 *   records of 16 bytes: uint32 lead (code point 1 << 16 | code point 2),
 *   uint8 form length in bytes (<= 10), uint8 code, 10 bytes of form.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdint.h>
#include <string.h>

#define GROUP_BYTES 16

typedef struct {
    Py_buffer data, off, valid;
    Py_ssize_t first, n, vbit;
    int wide;
} column;

static void release(column *c) {
    PyBuffer_Release(&c->data);
    PyBuffer_Release(&c->off);
    PyBuffer_Release(&c->valid);
}

/* Checks the offsets once, so the loops read without bounds tests. 0 on success (else an exception is set). */
static int check(column *c) {
    Py_ssize_t width = c->wide ? 8 : 4;
    if (c->first < 0 || c->n < 0 || c->vbit < 0 || (c->first + c->n + 1) * width > c->off.len) {
        PyErr_SetString(PyExc_ValueError, "offsets buffer too short");
        return -1;
    }
    if (c->valid.len && (c->vbit + c->n + 7) / 8 > c->valid.len) {
        PyErr_SetString(PyExc_ValueError, "validity bitmap too short");
        return -1;
    }
    int64_t prev = -1;
    for (Py_ssize_t i = 0; i <= c->n; i++) {
        int64_t o = c->wide ? ((const int64_t *)c->off.buf)[c->first + i] : ((const int32_t *)c->off.buf)[c->first + i];
        if (o < 0 || o > c->data.len || o < prev) {
            PyErr_SetString(PyExc_ValueError, "an offset lies outside the data");
            return -1;
        }
        prev = o;
    }
    return 0;
}

/* Value i, or NULL (len -1) where the bitmap says so. */
static inline const unsigned char *value(const column *c, Py_ssize_t i, Py_ssize_t *len) {
    if (c->valid.len) {
        Py_ssize_t b = c->vbit + i;
        if (!(((const unsigned char *)c->valid.buf)[b >> 3] & (1u << (b & 7)))) {
            *len = -1;
            return NULL;
        }
    }
    int64_t a, z;
    if (c->wide) {
        a = ((const int64_t *)c->off.buf)[c->first + i];
        z = ((const int64_t *)c->off.buf)[c->first + i + 1];
    } else {
        a = ((const int32_t *)c->off.buf)[c->first + i];
        z = ((const int32_t *)c->off.buf)[c->first + i + 1];
    }
    *len = (Py_ssize_t)(z - a);
    return (const unsigned char *)c->data.buf + a;
}

static int parse_column(PyObject *args, column *c, const char *extra_fmt, void *extra) {
    memset(c, 0, sizeof *c);
    char fmt[32];
    snprintf(fmt, sizeof fmt, "y*y*nnpy*n%s", extra_fmt);
    if (!PyArg_ParseTuple(args, fmt, &c->data, &c->off, &c->first, &c->n, &c->wide, &c->valid, &c->vbit, extra))
        return -1;
    if (check(c) < 0) {
        release(c);
        if (extra_fmt[0])
            PyBuffer_Release((Py_buffer *)extra);
        return -1;
    }
    return 0;
}

static inline int digits(const unsigned char *s, Py_ssize_t k, int64_t *v) {
    int64_t x = 0;
    for (Py_ssize_t j = 0; j < k; j++) {
        unsigned d = (unsigned)s[j] - '0';
        if (d > 9)
            return 0;
        x = x * 10 + d;
    }
    *v = x;
    return 1;
}

static PyObject *id_pack(PyObject *self, PyObject *args) {
    column c;
    Py_buffer chk;
    if (parse_column(args, &c, "y*", &chk) < 0)
        return NULL;
    PyObject *out = NULL;
    if (chk.len != 11) {
        PyErr_SetString(PyExc_ValueError, "check characters: 11 expected");
        goto done;
    }
    int8_t index[256];
    memset(index, -1, sizeof index);
    for (int j = 0; j < 11; j++)
        index[((const unsigned char *)chk.buf)[j]] = (int8_t)j;
    out = PyBytes_FromStringAndSize(NULL, c.n * 8);
    if (out == NULL)
        goto done;
    int64_t *w = (int64_t *)PyBytes_AS_STRING(out);
    Py_BEGIN_ALLOW_THREADS
    for (Py_ssize_t i = 0; i < c.n; i++) {
        Py_ssize_t len;
        const unsigned char *s = value(&c, i, &len);
        int64_t body, r = -1;
        if (len == 18 && digits(s, 17, &body)) {
            unsigned char last = s[17];
            if ((last >= '0' && last <= '9') || last == 'X') {
                int8_t k = index[last];
                if (k >= 0)
                    r = body * 32 + 2 * k;
            }
        }
        w[i] = r;
    }
    Py_END_ALLOW_THREADS
done:
    release(&c);
    PyBuffer_Release(&chk);
    return out;
}

static PyObject *mobile(PyObject *self, PyObject *args) {
    column c;
    if (parse_column(args, &c, "", NULL) < 0)
        return NULL;
    PyObject *out = PyBytes_FromStringAndSize(NULL, c.n * 8);
    if (out != NULL) {
        int64_t *w = (int64_t *)PyBytes_AS_STRING(out);
        Py_BEGIN_ALLOW_THREADS
        for (Py_ssize_t i = 0; i < c.n; i++) {
            Py_ssize_t len;
            const unsigned char *s = value(&c, i, &len);
            int64_t v;
            w[i] = (len == 11 && s[0] == '1' && digits(s, 11, &v)) ? v : -1;
        }
        Py_END_ALLOW_THREADS
    }
    release(&c);
    return out;
}

/* The code point of a 3-byte UTF-8 character at s (the caller checked 3 bytes are there), or 0 when it is not one. */
static inline uint32_t cp3(const unsigned char *s) {
    if ((s[0] & 0xF0) != 0xE0 || (s[1] & 0xC0) != 0x80 || (s[2] & 0xC0) != 0x80)
        return 0;
    return ((uint32_t)(s[0] & 0x0F) << 12) | ((uint32_t)(s[1] & 0x3F) << 6) | (s[2] & 0x3F);
}

static PyObject *province(PyObject *self, PyObject *args) {
    column c;
    Py_buffer g;
    if (parse_column(args, &c, "y*", &g) < 0)
        return NULL;
    PyObject *out = NULL;
    if (g.len % GROUP_BYTES) {
        PyErr_SetString(PyExc_ValueError, "groups: 16-byte records expected");
        goto done;
    }
    out = PyBytes_FromStringAndSize(NULL, c.n * 4);
    if (out == NULL)
        goto done;
    int32_t *w = (int32_t *)PyBytes_AS_STRING(out);
    const unsigned char *gs = (const unsigned char *)g.buf;
    Py_ssize_t ng = g.len / GROUP_BYTES;
    Py_BEGIN_ALLOW_THREADS
    for (Py_ssize_t i = 0; i < c.n; i++) {
        Py_ssize_t len;
        const unsigned char *s = value(&c, i, &len);
        int32_t r = -1;
        if (len > 0 && s[0] >= 0x21 && s[0] <= 0x7E) {
            r = 0;
        } else if (len >= 3) {
            uint32_t a = cp3(s);
            if (a >= 0x4E00 && a <= 0x9FFF) {
                r = 0;
                uint32_t b = len >= 6 ? cp3(s + 3) : 0;
                uint32_t lead = a << 16 | b;
                for (Py_ssize_t k = 0; b && k < ng; k++) {
                    const unsigned char *e = gs + k * GROUP_BYTES;
                    uint32_t key;
                    memcpy(&key, e, 4);
                    if (key != lead)
                        continue;
                    if (e[4] <= len && memcmp(s, e + 6, e[4]) == 0)
                        r = e[5];
                    break;
                }
            }
        }
        w[i] = r;
    }
    Py_END_ALLOW_THREADS
done:
    release(&c);
    PyBuffer_Release(&g);
    return out;
}

static PyMethodDef METHODS[] = {
    {"id_pack", id_pack, METH_VARARGS, "Packed 18-character IDs, -1 elsewhere (int64 bytes)."},
    {"mobile", mobile, METH_VARARGS, "11-digit mobiles starting 1 as numbers, -1 elsewhere (int64 bytes)."},
    {"province", province, METH_VARARGS, "Province code of an address's lead, 0 none, -1 ask SQL (int32 bytes)."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef MODULE = {PyModuleDef_HEAD_INIT, "_row_rules", NULL, -1, METHODS};

PyMODINIT_FUNC PyInit__row_rules(void) { return PyModule_Create(&MODULE); }
