/* codec.c - the checkpoint encoding of streamrt.h: varints, doubles,
 * strings. Generated programs build their state's encoders from these. */
#include "streamrt.h"

void sr_enc_f64(sr_buf *b, double v) {
    uint64_t u;
    memcpy(&u, &v, sizeof u);
    char tmp[8];
    for (int i = 0; i < 8; i++)
        tmp[i] = (char)(u >> (8 * i));
    sr_buf_put(b, tmp, 8);
}

uint64_t sr_dec_u64(sr_dec *d) {
    uint64_t v = 0;
    for (int shift = 0; shift < 64; shift += 7) {
        if (d->p >= d->end) {
            d->bad = true;
            return 0;
        }
        unsigned char c = (unsigned char)*d->p++;
        if (shift == 63 && c > 1) /* bits past the 64th */
            break;
        v |= (uint64_t)(c & 0x7f) << shift;
        if (!(c & 0x80))
            return v;
    }
    d->bad = true;
    return 0;
}

double sr_dec_f64(sr_dec *d) {
    if (d->end - d->p < 8) {
        d->bad = true;
        d->p = d->end;
        return 0;
    }
    uint64_t u = 0;
    for (int i = 0; i < 8; i++)
        u |= (uint64_t)(unsigned char)d->p[i] << (8 * i);
    d->p += 8;
    double v;
    memcpy(&v, &u, sizeof v);
    return v;
}

bool sr_dec_bool(sr_dec *d) {
    if (d->p >= d->end || (unsigned char)*d->p > 1) {
        d->bad = true;
        return false;
    }
    return *d->p++ != 0;
}

sr_str sr_dec_view(sr_dec *d) {
    uint64_t n = sr_dec_u64(d);
    if (n == 0 || d->bad)
        return (sr_str){ NULL, 0 };
    n--;
    if (n > (uint64_t)(d->end - d->p)) {
        d->bad = true;
        d->p = d->end;
        return (sr_str){ NULL, 0 };
    }
    sr_str s = { d->p, (int64_t)n };
    d->p += n;
    return s;
}

sr_str sr_dec_str(sr_dec *d, sr_arena *a) {
    sr_str s = sr_dec_view(d);
    return s.ptr ? sr_str_dup(a, s) : s;
}

int64_t sr_dec_count(sr_dec *d) {
    uint64_t n = sr_dec_u64(d);
    if (n > (uint64_t)(d->end - d->p)) {
        d->bad = true;
        return 0;
    }
    return (int64_t)n;
}
