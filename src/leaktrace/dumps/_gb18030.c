/* GB18030 -> UTF-8 for the dump stream, table-driven, without the GIL.
 *
 * Why native: a GB18030 dump reaches DuckDB through a pipe of UTF-8 (DuckDB
 * reads UTF-8 only, and a seized dump is not copied to disk in clear).
 * iconv in a child process transcodes ~275 MB/s and its output was relayed
 * through Python to the pipe; Python's own codec does ~145 MB/s holding the
 * GIL. Leaked order files are ~70% ASCII, which this loop copies in runs.
 *
 * The tables are not written here: `gb18030_native.tables()` builds them
 * from Python's own codec, so this loop can only ever agree with it (tests
 * pin the two equal on random valid and broken input):
 *   two[(b1 - 0x81) * 191 + (b2 - 0x40)]  code point of the 2-byte sequence b1 b2, 0 = invalid
 *   four[linear]                          code point of a 4-byte sequence of the BMP range (b1 0x81..0x84), 0 = invalid
 * Four-byte sequences with b1 0x90..0xE3 are the supplementary planes by
 * arithmetic (GB 18030: U+10000 at 90 30 81 30, linear beyond).
 *
 * decode(two, four, data, final, out) -> (written, consumed, error_at, newlines, first_nl, last_nl, longest)
 *   out: a writable buffer of at least 2 * len(data) + 8 bytes (reused by
 *   the caller: a fresh megabyte object a chunk cost more in page faults
 *   than the decoding). written: UTF-8 bytes put at its start.
 *   consumed: bytes of `data` decoded; the rest (an incomplete character at
 *   the end when not `final`) is for the next call.
 *   error_at: -1, or the offset of the first invalid sequence (decoding
 *   stops there; consumed == error_at). With `final`, an incomplete
 *   character at the end is an error at its offset.
 *   newlines, first_nl, last_nl (-1 when none), longest: the newline count
 *   of the output, the first and last one's offsets, and the longest line
 *   lying wholly between two of them, so the stream's over-long-line check
 *   needs no second pass over the text in the common case.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdint.h>
#include <string.h>

#define TWO_LEN (126 * 191)
#define FOUR_LEN (4 * 10 * 126 * 10)

static inline unsigned char *put_utf8(unsigned char *w, uint32_t cp) {
    if (cp < 0x80) {
        *w++ = (unsigned char)cp;
    } else if (cp < 0x800) {
        *w++ = (unsigned char)(0xC0 | (cp >> 6));
        *w++ = (unsigned char)(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
        *w++ = (unsigned char)(0xE0 | (cp >> 12));
        *w++ = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
        *w++ = (unsigned char)(0x80 | (cp & 0x3F));
    } else {
        *w++ = (unsigned char)(0xF0 | (cp >> 18));
        *w++ = (unsigned char)(0x80 | ((cp >> 12) & 0x3F));
        *w++ = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
        *w++ = (unsigned char)(0x80 | (cp & 0x3F));
    }
    return w;
}

/* Returns bytes consumed; *err is the offset of an invalid sequence or -1. Output fits 2 * n bytes. */
static Py_ssize_t run(const uint16_t *two, const uint16_t *four, const unsigned char *s, Py_ssize_t n, int final,
                      unsigned char *out, Py_ssize_t *written, Py_ssize_t *err) {
    Py_ssize_t i = 0;
    unsigned char *w = out;
    *err = -1;
    while (i < n) {
        unsigned char b1 = s[i];
        if (b1 < 0x80) {
            /* a run of ASCII, 8 bytes at a time while no high bit is set */
            Py_ssize_t j = i;
            while (j + 8 <= n) {
                uint64_t v;
                memcpy(&v, s + j, 8);
                if (v & 0x8080808080808080ULL)
                    break;
                j += 8;
            }
            while (j < n && s[j] < 0x80)
                j++;
            memcpy(w, s + i, (size_t)(j - i));
            w += j - i;
            i = j;
            continue;
        }
        if (b1 == 0x80 || b1 == 0xFF) {
            *err = i;
            break;
        }
        if (i + 1 >= n) {
            if (final)
                *err = i;
            break;
        }
        unsigned char b2 = s[i + 1];
        if (b2 >= 0x30 && b2 <= 0x39) {
            if (i + 3 >= n) {
                /* incomplete unless the bytes present already rule a 4-byte form out */
                if (i + 2 < n && (s[i + 2] < 0x81 || s[i + 2] == 0xFF)) {
                    *err = i;
                    break;
                }
                if (final)
                    *err = i;
                break;
            }
            unsigned char b3 = s[i + 2], b4 = s[i + 3];
            if (b3 < 0x81 || b3 == 0xFF || b4 < 0x30 || b4 > 0x39) {
                *err = i;
                break;
            }
            uint32_t lin = (uint32_t)(((b1 - 0x81) * 10 + (b2 - 0x30)) * 126 + (b3 - 0x81)) * 10 + (b4 - 0x30);
            uint32_t cp = 0;
            if (lin < FOUR_LEN) {
                cp = four[lin];
            } else if (b1 >= 0x90 && b1 <= 0xE3) {
                uint32_t sup = (uint32_t)(((b1 - 0x90) * 10 + (b2 - 0x30)) * 126 + (b3 - 0x81)) * 10 + (b4 - 0x30);
                cp = 0x10000 + sup;
                if (cp > 0x10FFFF)
                    cp = 0;
            }
            if (cp == 0) {
                *err = i;
                break;
            }
            w = put_utf8(w, cp);
            i += 4;
            continue;
        }
        if (b2 < 0x40 || b2 == 0x7F || b2 == 0xFF) {
            *err = i;
            break;
        }
        uint16_t cp = two[(b1 - 0x81) * 191 + (b2 - 0x40)];
        if (cp == 0) {
            *err = i;
            break;
        }
        w = put_utf8(w, cp);
        i += 2;
    }
    *written = w - out;
    return i;
}

static PyObject *decode(PyObject *self, PyObject *args) {
    Py_buffer two, four, data, out;
    int final;
    if (!PyArg_ParseTuple(args, "y*y*y*pw*", &two, &four, &data, &final, &out))
        return NULL;
    PyObject *res = NULL;
    if (two.len != (Py_ssize_t)(TWO_LEN * sizeof(uint16_t)) || four.len != (Py_ssize_t)(FOUR_LEN * sizeof(uint16_t))) {
        PyErr_SetString(PyExc_ValueError, "gb18030 tables have the wrong size");
        goto done;
    }
    if (data.len > (PY_SSIZE_T_MAX - 8) / 2 || out.len < data.len * 2 + 8) {
        PyErr_SetString(PyExc_ValueError, "output buffer smaller than 2 * len(data) + 8");
        goto done;
    }
    Py_ssize_t consumed, written, err, lines = 0, first = -1, last = -1, longest = 0;
    Py_BEGIN_ALLOW_THREADS
    unsigned char *o = (unsigned char *)out.buf;
    consumed = run((const uint16_t *)two.buf, (const uint16_t *)four.buf, (const unsigned char *)data.buf, data.len,
                   final, o, &written, &err);
    const unsigned char *p = o, *end = o + written;
    while (p < end && (p = memchr(p, '\n', (size_t)(end - p))) != NULL) {
        Py_ssize_t at = p - o;
        if (last >= 0 && at - last - 1 > longest)
            longest = at - last - 1;
        if (first < 0)
            first = at;
        last = at;
        lines++;
        p++;
    }
    Py_END_ALLOW_THREADS
    res = Py_BuildValue("(nnnnnnn)", written, consumed, err, lines, first, last, longest);
done:
    PyBuffer_Release(&two);
    PyBuffer_Release(&four);
    PyBuffer_Release(&data);
    PyBuffer_Release(&out);
    return res;
}

static PyMethodDef METHODS[] = {
    {"decode", decode, METH_VARARGS, "GB18030 bytes to UTF-8 into out: (written, consumed, error_at, newlines, first_nl, last_nl, longest)."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef MODULE = {PyModuleDef_HEAD_INIT, "_gb18030", NULL, -1, METHODS};

PyMODINIT_FUNC PyInit__gb18030(void) { return PyModule_Create(&MODULE); }
