/* ui_text.c - text the monitoring UI's renderers share: UTF-8-safe
 * escaping, batch status names, the application's name.
 *
 * Every string the UI writes is valid UTF-8 whatever the bytes in the
 * snapshot: invalid sequences become U+FFFD. Each format brings its own
 * escapes (esc_json in ui_api.c, esc_prom in ui_prom.c, esc_html in
 * ui_render.c) to sr_ui_put_escaped.
 */
#include "ui_impl.h"

/* ===================================================================== */
/* Text: UTF-8, names                                                     */
/* ===================================================================== */

/* Length of the valid UTF-8 sequence at p (n bytes left), 0 if invalid
 * (bad lead or continuation byte, overlong, surrogate, > U+10FFFF). */
static size_t utf8_seq(const unsigned char *p, size_t n) {
    unsigned c = p[0];
    size_t len;
    unsigned min;
    if (c < 0x80)
        return 1;
    if (c >= 0xc2 && c <= 0xdf)
        len = 2, min = 0x80;
    else if (c >= 0xe0 && c <= 0xef)
        len = 3, min = 0x800;
    else if (c >= 0xf0 && c <= 0xf4)
        len = 4, min = 0x10000;
    else
        return 0;
    if (n < len)
        return 0;
    unsigned cp = c & (0x3f >> (len - 1));
    for (size_t i = 1; i < len; i++) {
        if ((p[i] & 0xc0) != 0x80)
            return 0;
        cp = cp << 6 | (p[i] & 0x3f);
    }
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
        return 0;
    return len;
}

#define REPLACEMENT "\xef\xbf\xbd" /* U+FFFD */

/* Append s with the ASCII bytes for which esc() gives a replacement
 * replaced, valid UTF-8 kept, invalid bytes as U+FFFD. */
void sr_ui_put_escaped(sr_buf *b, const char *s, const char *(*esc)(unsigned char c, char tmp[8])) {
    const unsigned char *p = (const unsigned char *)s;
    size_t n = strlen(s);
    while (n) {
        if (*p < 0x80) {
            char tmp[8];
            const char *r = esc(*p, tmp);
            if (r)
                sr_buf_cstr(b, r);
            else
                sr_buf_char(b, (char)*p);
            p++, n--;
            continue;
        }
        size_t k = utf8_seq(p, n);
        if (k) {
            sr_buf_put(b, (const char *)p, k);
        } else {
            sr_buf_cstr(b, REPLACEMENT);
            k = 1;
        }
        p += k, n -= k;
    }
}

const char *sr_ui_status_name(sr_batch_status st) {
    switch (st) {
    case SR_BATCH_QUEUED: return "QUEUED";
    case SR_BATCH_PROCESSING: return "PROCESSING";
    case SR_BATCH_COMPLETED: return "COMPLETED";
    case SR_BATCH_FAILED: return "FAILED";
    }
    return "UNKNOWN";
}

const char *sr_ui_app_name(const sr_metrics_snapshot *s) {
    return s->app ? s->app : "streamc";
}
