/* The MinHash sketch kernel of dataset_kit.dedup, built by `pip install` as the
 * extension module dataset_kit._sketch and called through ctypes (see
 * dataset_kit/sketch_kernel.py for what it computes and why it is C).
 *
 * Integer arithmetic is modulo 2**64, as in numpy, so the values do not depend on the
 * machine or the compiler: dataset_kit.dedup's numpy functions compute exactly the
 * same keys, signatures and shingle sets, and tests check that they agree. */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdint.h>
#include <stdlib.h>
#ifndef _WIN32
#include <errno.h>
#include <unistd.h>
#endif

#define GOLDEN 0x9E3779B97F4A7C15ULL
#define SEQ_BASE 0x100000001B3ULL
#define SHINGLE_SALT 0x2545F4914F6CDD1DULL
#define WORD_SEED 0x243F6A8885A308D3ULL
#define SHINGLE_BASE 0xD6E8FEB86659FD93ULL
/* Bumped with every change to what the kernel computes; sketch_kernel.py refuses a
 * build whose version differs (a stale extension left by an older install). */
#define KERNEL_VERSION 3

static inline uint64_t mix(uint64_t x) {
    x ^= x >> 30;
    x *= 0xBF58476D1CE4E5B9ULL;
    x ^= x >> 27;
    x *= 0x94D049BB133111EBULL;
    x ^= x >> 31;
    return x;
}

/* Length of the excluded punctuation sequence starting at i (0 when none). */
static inline int64_t excluded(const uint8_t *data, int64_t i, int64_t hi, uint8_t b) {
    if (b == 0xE2) {
        if (i + 3 <= hi && (data[i + 1] == 0x80 || data[i + 1] == 0x81)) return 3;
    } else if (b == 0xE3) {
        if (i + 3 <= hi && data[i + 1] == 0x80) return 3;
    } else if (i + 2 <= hi && data[i + 1] >= 0xA0) {
        return 2;
    }
    return 0;
}

/* Whether the character starting at i is one the kernel does not lower-case or
 * normalise itself (outside the `handled` table of U+0080-U+00FF, U+2000-U+20BF and
 * U+3000-U+303F): its text then goes through Python's NFKC and lower case. */
static inline int unhandled(const uint8_t *data, int64_t i, int64_t hi, const uint8_t *handled) {
    uint8_t b = data[i];
    if (b < 0xE0) {
        if (i + 1 >= hi) return 1;
        int64_t cp = ((int64_t)(b & 0x1F) << 6) | (data[i + 1] & 0x3F);
        return cp < 0x80 || cp >= 0x100 || !handled[cp - 0x80];
    }
    if (b < 0xF0 && i + 2 < hi) {
        int64_t cp = ((int64_t)(b & 0x0F) << 12) | ((int64_t)(data[i + 1] & 0x3F) << 6) |
                     (data[i + 2] & 0x3F);
        if (cp >= 0x2000 && cp < 0x20C0) return !handled[128 + cp - 0x2000];
        if (cp >= 0x3000 && cp < 0x3040) return !handled[320 + cp - 0x3000];
    }
    return 1;
}

/* The tokeniser's state over one text: where it is, and whether the text needs
 * Python's normalisation (then every value computed for it is discarded and redone). */
typedef struct {
    const uint8_t *data, *cls, *lower, *handled;
    int64_t i, hi;
    uint8_t *python;
} Reader;

/* The hash of the next word: every lower-cased byte, in blocks of eight, each folded
 * in with a full mix, then the length. Returns 0 when the text has no more words. */
static inline int next_word(Reader *r, uint64_t *out) {
    const uint8_t *data = r->data;
    while (r->i < r->hi) {
        uint8_t b = data[r->i];
        uint8_t c = r->cls[b];
        if (c == 0) { r->i++; continue; }
        if (c == 2) {
            int64_t skip = excluded(data, r->i, r->hi, b);
            if (skip) {
                if (unhandled(data, r->i, r->hi, r->handled)) *r->python = 1;
                r->i += skip;
                continue;
            }
        }
        int64_t length = 0;
        uint64_t hash = WORD_SEED, block = 0;
        int after_c3 = 0;
        for (;;) {
            if (b < 0x80) {
                b = r->lower[b];
            } else {
                if (b >= 0xC0 && unhandled(data, r->i, r->hi, r->handled)) *r->python = 1;
                if (after_c3 && b <= 0x9E && b != 0x97) b += 0x20;
                after_c3 = b == 0xC3;
            }
            block |= (uint64_t)b << (8 * (length & 7));
            length++;
            if ((length & 7) == 0) {
                hash = mix(hash ^ block);
                block = 0;
            }
            r->i++;
            if (r->i >= r->hi) break;
            b = data[r->i];
            c = r->cls[b];
            if (c == 0) break;
            if (c == 2 && excluded(data, r->i, r->hi, b)) break;
        }
        if (length & 7) hash = mix(hash ^ block);
        *out = mix(hash ^ (uint64_t)length * GOLDEN);
        return 1;
    }
    return 0;
}

/* The hash of the k-word shingle ending at each word, a polynomial in the (mixed) word
 * hashes: sum(w[i + o] * B**(k - 1 - o)) modulo 2**64, updated in O(1) per word as
 * h * B + new - old * B**k. Unlike weights in arithmetic progression, whose sums
 * collide for mirrored windows such as (u v x v u) and (v u x u v), the powers of an
 * odd B = 3 (mod 8) make such coincidences as unlikely as any other 64-bit collision. */
typedef struct {
    uint64_t ring[64];
    uint64_t shingle, top;  /* top = B**k */
    int64_t k, words, slot;
} Shingler;

static inline void shingler_start(Shingler *s, int64_t k) {
    s->shingle = 0;
    s->top = 1;
    for (int64_t j = 0; j < k; j++) s->top *= SHINGLE_BASE;
    s->k = k;
    s->words = s->slot = 0;
}

/* Adds a word; returns 1 (and the mixed shingle hash) once a whole shingle is seen. */
static inline int shingler_push(Shingler *s, uint64_t word, uint64_t *out) {
    uint64_t old = s->ring[s->slot];
    s->ring[s->slot] = word;
    if (++s->slot == s->k) s->slot = 0;
    s->words++;
    s->shingle = s->shingle * SHINGLE_BASE + word;
    if (s->words > s->k) s->shingle -= old * s->top;
    if (s->words < s->k) return 0;
    *out = mix(s->shingle ^ SHINGLE_SALT);
    return 1;
}

int64_t dk_version(void) { return KERNEL_VERSION; }

void dk_sketch(const uint8_t *data, const int64_t *offsets, int64_t n, int64_t k,
               int64_t bin_bits, int64_t want, const uint8_t *cls, const uint8_t *lower,
               const uint8_t *handled, uint64_t *keys, int64_t *counts, uint32_t *sig,
               uint8_t *has, uint8_t *python) {
    int64_t bins = want ? ((int64_t)1 << bin_bits) : 0;
    uint64_t shift = want ? (uint64_t)(64 - bin_bits) : 0;
    uint64_t bin_mask = (uint64_t)bins - 1;
    uint8_t filled[1 << 12];
    Shingler sh;
    for (int64_t d = 0; d < n; d++) {
        Reader r = {data, cls, lower, handled, offsets[d], offsets[d + 1], python + d};
        uint64_t acc = 0, power = 1, word, x;
        int64_t words = 0;
        uint32_t *row = want ? sig + d * bins : 0;
        if (want)
            for (int64_t c = 0; c < bins; c++) filled[c] = 0;
        shingler_start(&sh, k);
        while (next_word(&r, &word)) {
            acc += word * power;
            power *= SEQ_BASE;
            words++;
            if (want && shingler_push(&sh, word, &x)) {
                int64_t slot = (int64_t)(x >> shift);
                uint32_t value = (uint32_t)x;
                if (value < row[slot]) row[slot] = value;
                filled[slot] = 1;
            }
        }
        counts[d] = words;
        if (words) keys[d] = mix(acc ^ (uint64_t)words);
        if (want && words) {
            if (words < k) {
                /* Fewer words than a shingle: the word sequence is the only shingle. */
                x = mix(keys[d] ^ SHINGLE_SALT);
                int64_t slot = (int64_t)(x >> shift);
                row[slot] = (uint32_t)x;
                filled[slot] = 1;
            }
            has[d] = 1;
            for (int64_t col = 0; col < bins; col++) { /* optimal densification */
                if (filled[col]) continue;
                for (uint64_t attempt = 1;; attempt++) {
                    int64_t probe = (int64_t)(mix((uint64_t)col * 0x10000ULL + attempt) & bin_mask);
                    if (filled[probe]) { row[col] = row[probe]; break; }
                }
            }
        }
    }
}

/* Sorts n uniformly distributed hashes in expected linear time: a counting pass
 * scatters them into about n buckets by their top bits, and an insertion sort then
 * only moves values within their bucket (qsort was 3x slower here). */
static void sort_hashes(uint64_t *values, int64_t n, uint64_t *scratch, int64_t *count) {
    if (n > 32) {
        int bits = 0;
        while (((int64_t)2 << bits) <= n) bits++;
        int64_t buckets = (int64_t)1 << bits;
        int shift = 64 - bits;
        for (int64_t b = 0; b <= buckets; b++) count[b] = 0;
        for (int64_t j = 0; j < n; j++) count[(values[j] >> shift) + 1]++;
        for (int64_t b = 0; b < buckets; b++) count[b + 1] += count[b];
        for (int64_t j = 0; j < n; j++) scratch[count[values[j] >> shift]++] = values[j];
        for (int64_t j = 0; j < n; j++) values[j] = scratch[j];
    }
    for (int64_t j = 1; j < n; j++) {
        uint64_t v = values[j];
        int64_t at = j;
        while (at > 0 && values[at - 1] > v) { values[at] = values[at - 1]; at--; }
        values[at] = v;
    }
}

/* The set of mixed shingle hashes of each text, exactly those dk_sketch bins: text d's
 * set is written sorted and without repeats from out[starts[d]] (room for one value
 * per two bytes of text, plus one), its size to sizes[d]. Returns -1 when scratch
 * memory cannot be had, else 0. */
int64_t dk_shingles(const uint8_t *data, const int64_t *offsets, int64_t n, int64_t k,
                    const uint8_t *cls, const uint8_t *lower, const uint8_t *handled,
                    const int64_t *starts, uint64_t *out, int64_t *sizes, uint8_t *python) {
    int64_t most = 1;
    for (int64_t d = 0; d < n; d++) {
        int64_t room = (offsets[d + 1] - offsets[d]) / 2 + 1;
        if (room > most) most = room;
    }
    uint64_t *scratch = malloc((size_t)most * sizeof(uint64_t));
    int64_t *count = malloc((size_t)(most + 1) * sizeof(int64_t));
    if (!scratch || !count) { free(scratch); free(count); return -1; }
    Shingler sh;
    for (int64_t d = 0; d < n; d++) {
        Reader r = {data, cls, lower, handled, offsets[d], offsets[d + 1], python + d};
        uint64_t *set = out + starts[d];
        uint64_t acc = 0, power = 1, word, x;
        int64_t words = 0, size = 0;
        shingler_start(&sh, k);
        while (next_word(&r, &word)) {
            acc += word * power;
            power *= SEQ_BASE;
            words++;
            if (shingler_push(&sh, word, &x)) set[size++] = x;
        }
        if (words && words < k) set[size++] = mix(mix(acc ^ (uint64_t)words) ^ SHINGLE_SALT);
        sort_hashes(set, size, scratch, count);
        int64_t unique = 0;
        for (int64_t j = 0; j < size; j++)
            if (unique == 0 || set[j] != set[unique - 1]) set[unique++] = set[j];
        sizes[d] = unique;
    }
    free(scratch);
    free(count);
    return 0;
}

/* |A & B| for each pair of sorted, repeat-free sets (a merge walk). */
void dk_intersections(const uint64_t *values, const int64_t *starts, const int64_t *sizes,
                      const int64_t *left, const int64_t *right, int64_t m, int64_t *out) {
    for (int64_t p = 0; p < m; p++) {
        const uint64_t *a = values + starts[left[p]], *b = values + starts[right[p]];
        int64_t na = sizes[left[p]], nb = sizes[right[p]], i = 0, j = 0, both = 0;
        while (i < na && j < nb) {
            if (a[i] < b[j]) i++;
            else if (a[i] > b[j]) j++;
            else { both++; i++; j++; }
        }
        out[p] = both;
    }
}

#ifndef _WIN32
/* Reads count values from fd at element offset start into buffer (pread, whole). */
static int read_set(int fd, int64_t start, int64_t count, uint64_t *buffer) {
    char *to = (char *)buffer;
    size_t left = (size_t)count * sizeof(uint64_t);
    off_t at = (off_t)start * (off_t)sizeof(uint64_t);
    while (left) {
        ssize_t got = pread(fd, to, left, at);
        if (got < 0 && errno == EINTR) continue;
        if (got <= 0) return -1;
        to += got;
        at += got;
        left -= (size_t)got;
    }
    return 0;
}
#endif

/* As dk_intersections, for sets kept in a file (set i: sizes[i] values from element
 * starts[i]), read with pread: only two sets are in memory at a time, whatever the
 * number of pairs. Returns 0; -1 when a read fails (errno says why) or memory cannot
 * be had; -2 where pread does not exist (Windows: the caller uses numpy). */
int64_t dk_intersections_file(int64_t fd, const int64_t *starts, const int64_t *sizes,
                              const int64_t *left, const int64_t *right, int64_t m,
                              int64_t *out) {
#ifdef _WIN32
    (void)fd; (void)starts; (void)sizes; (void)left; (void)right; (void)m; (void)out;
    return -2;
#else
    int64_t most = 1;
    for (int64_t p = 0; p < m; p++) {
        if (sizes[left[p]] > most) most = sizes[left[p]];
        if (sizes[right[p]] > most) most = sizes[right[p]];
    }
    uint64_t *a = malloc((size_t)most * sizeof(uint64_t));
    uint64_t *b = malloc((size_t)most * sizeof(uint64_t));
    int64_t status = (a && b) ? 0 : -1;
    for (int64_t p = 0; p < m && status == 0; p++) {
        int64_t na = sizes[left[p]], nb = sizes[right[p]], i = 0, j = 0, both = 0;
        if (read_set((int)fd, starts[left[p]], na, a) || read_set((int)fd, starts[right[p]], nb, b)) {
            status = -1;
            break;
        }
        while (i < na && j < nb) {
            if (a[i] < b[j]) i++;
            else if (a[i] > b[j]) j++;
            else { both++; i++; j++; }
        }
        out[p] = both;
    }
    free(a);
    free(b);
    return status;
#endif
}

/* An importable module, so that the import system finds and installs the library;
 * its functions are called through ctypes with the addresses of numpy arrays. */
static struct PyModuleDef sketch_module = {
    PyModuleDef_HEAD_INIT, "_sketch",
    "dataset-kit's MinHash sketch kernel (called through ctypes).", -1, NULL,
};

PyMODINIT_FUNC PyInit__sketch(void) { return PyModule_Create(&sketch_module); }
