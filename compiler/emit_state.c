/* emit_state.c - what checkpoints and monitoring need from the stateful
 * operators.
 *
 * For every stateful node (updateStateByKey and the windows) the emitter
 * writes four functions next to its store: <S>_prepare (allocate the
 * store over the key partitions, with its initial state), <S>_save (append
 * the state to a checkpoint), <S>_load (replace it by a checkpoint's) and
 * <S>_keys (how many keys it holds, for monitoring), and one sr_state_op
 * entry that names the operator ("#k" or its
 * .name("...")), says where it is and what its state holds (the signature
 * a restart compares).
 *
 * A keyed table is saved as a count and (key, value) pairs, partition after
 * partition in table order, and loaded by hashing every key to its
 * partition again: with the same number of partitions it comes back in the
 * same places and order, with another number it is spread anew.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "emit.h"

/* The part struct P_part (map + arena) of map type P with key K, value V:
 * P_enc_parts writes the tables parts[p * stride + off] (or + offs[p]) of
 * all partitions as one table; P_dec_parts reads one table into the
 * partitions' tables at `off`; P_reset_part empties one. */
void emit_table_codec(emitter *E, const char *P, const type *K, const type *V) {
    char kk[16], vk[16], kc[32], vc[32];
    snprintf(kk, sizeof kk, "%s", tkey(K));
    snprintf(vk, sizeof vk, "%s", tkey(V));
    snprintf(kc, sizeof kc, "%s", ty_c(K));
    snprintf(vc, sizeof vc, "%s", ty_c(V));
    emit(E, "static void %s_reset_part(%s_part *t) { %s_clear(&t->map); sr_arena_reset(&t->arena); }\n", P, P, P);
    emit(E, "static void %s_enc_parts(sr_buf *out, %s_part *parts, int64_t stride, int64_t off, const int *offs, int nparts) {\n", P, P);
    emit(E, "    int64_t n = 0;\n");
    emit(E, "    for (int p = 0; p < nparts; p++) n += parts[p * stride + (offs ? offs[p] : off)].map.len;\n");
    emit(E, "    sr_enc_u64(out, (uint64_t)n);\n");
    emit(E, "    for (int p = 0; p < nparts; p++) {\n");
    emit(E, "        %s *m = &parts[p * stride + (offs ? offs[p] : off)].map;\n", P);
    emit(E, "        for (int64_t j = 0; j < m->len; j++) { enc_%s(out, m->ents[j].key); enc_%s(out, m->ents[j].val); }\n", kk, vk);
    emit(E, "    }\n}\n");
    emit(E, "static void %s_dec_parts(sr_dec *in, %s_part *parts, int64_t stride, int64_t off, int nparts) {\n", P, P);
    emit(E, "    sr_arena scratch;\n    sr_arena_init(&scratch);\n    bool added;\n");
    emit(E, "    for (int64_t i = 0, n = sr_dec_count(in); i < n && !in->bad; i++) {\n");
    emit(E, "        %s k = dec_%s(in, &scratch);\n        %s v = dec_%s(in, &scratch);\n", kc, kk, vc, vk);
    emit(E, "        if (in->bad) break;\n");
    emit(E, "        uint64_t h = hash_%s(k);\n", kk);
    emit(E, "        %s_part *t = &parts[(int64_t)sr_key_part(sr_parts_of(nparts), h) * stride + off];\n", P);
    emit(E, "        *%s_put(&t->map, copy_%s(&t->arena, k), h, &added) = copy_%s(&t->arena, v);\n", P, kk, vk);
    emit(E, "        if (scratch.bytes > ((size_t)1 << 20)) sr_arena_reset(&scratch);\n");
    emit(E, "    }\n    sr_arena_free(&scratch);\n}\n");
}

/* updateStateByKey: store ST<id>, two generations, gen[cur] is the state. */
void emit_state_updatestate(emitter *E, dag_node *n) {
    int id = n->id;
    const type *K = n->elem->elems[0], *S = n->elem->elems[1];
    {
        char P[16];
        snprintf(P, sizeof P, "ST%d", id);
        emit_table_codec(E, P, K, S);
    }
    emit(E, "static void ST%d_prepare(int nparts) {\n    if (ST%d_parts) return;\n    ST%d_parts = nparts;\n", id, id, id);
    emit(E, "    for (int g = 0; g < 2; g++) {\n");
    emit(E, "        ST%d_gen[g] = sr_xcalloc((size_t)nparts, sizeof **ST%d_gen);\n", id, id);
    emit(E, "        for (int p = 0; p < nparts; p++) sr_arena_init(&ST%d_gen[g][p].arena);\n    }\n", id);
    if (n->initial) {
        const char *tc = ty_c(n->elem);
        char kk[16], sk[16];
        snprintf(kk, sizeof kk, "%s", tkey(K));
        snprintf(sk, sizeof sk, "%s", tkey(S));
        emit(E, "    sr_seq init = %s; /* the initial state */\n", n->initial->cname);
        emit(E, "    for (int64_t i = 0; i < init.len; i++) {\n");
        emit(E, "        %s x = SR_SEQ_AT(%s, init, i);\n", tc, tc);
        emit(E, "        uint64_t h = hash_%s(x._1);\n", kk);
        emit(E, "        ST%d_part *p = &ST%d_gen[ST%d_cur][sr_key_part(sr_parts_of(nparts), h)];\n", id, id, id);
        emit(E, "        bool added;\n");
        emit(E, "        *ST%d_put(&p->map, copy_%s(&p->arena, x._1), h, &added) = copy_%s(&p->arena, x._2);\n", id, kk, sk);
        emit(E, "    }\n");
    }
    emit(E, "}\n");
    emit(E, "static void ST%d_save(sr_buf *out, int64_t index) {\n    (void)index;\n", id);
    emit(E, "    ST%d_enc_parts(out, ST%d_gen[ST%d_cur], 1, 0, NULL, ST%d_parts);\n}\n", id, id, id, id);
    emit(E, "static int ST%d_load(sr_dec *in, int64_t index) {\n    (void)index;\n", id);
    emit(E, "    for (int p = 0; p < ST%d_parts; p++) ST%d_reset_part(&ST%d_gen[ST%d_cur][p]);\n", id, id, id, id);
    emit(E, "    ST%d_dec_parts(in, ST%d_gen[ST%d_cur], 1, 0, ST%d_parts);\n", id, id, id, id);
    emit(E, "    if (in->bad) for (int p = 0; p < ST%d_parts; p++) ST%d_reset_part(&ST%d_gen[ST%d_cur][p]);\n", id, id, id, id);
    emit(E, "    return in->bad ? -1 : 0;\n}\n");
    emit(E, "static int64_t ST%d_keys(void) {\n    int64_t n = 0;\n", id);
    emit(E, "    for (int p = 0; p < ST%d_parts; p++) n += ST%d_gen[ST%d_cur][p].map.len;\n    return n;\n}\n", id, id, id);
}

/* window(w, s): a ring of `slots` whole batches W<id>_ring, each with the
 * batch index it holds. */
void emit_state_window(emitter *E, dag_node *n, int64_t slots) {
    int id = n->id;
    long long S = (long long)slots;
    const char *tc = ty_c(n->elem);
    char k[16];
    snprintf(k, sizeof k, "%s", tkey(n->elem));
    emit(E, "static void W%d_prepare(int nparts) {\n    static bool ready;\n    (void)nparts;\n", id);
    emit(E, "    if (ready) return;\n    ready = true;\n");
    emit(E, "    for (int i = 0; i < %lld; i++) { sr_arena_init(&W%d_ring[i].arena); W%d_ring[i].index = -1; }\n}\n", S, id, id);
    emit(E, "static void W%d_save(sr_buf *out, int64_t index) {\n    int64_t n = 0;\n", id);
    emit(E, "    for (int64_t i = index - %lld + 1; i <= index; i++) n += i >= 1 && W%d_ring[i %% %lld].index == i;\n", S, id, S);
    emit(E, "    sr_enc_u64(out, (uint64_t)n);\n");
    emit(E, "    for (int64_t i = index - %lld + 1; i <= index; i++) {\n", S);
    emit(E, "        W%d_slot *s = &W%d_ring[(i + %lld) %% %lld];\n", id, id, S, S);
    emit(E, "        if (i < 1 || s->index != i) continue;\n");
    emit(E, "        sr_enc_i64(out, i);\n        sr_enc_u64(out, (uint64_t)s->elems.len);\n");
    emit(E, "        for (int64_t j = 0; j < s->elems.len; j++) enc_%s(out, SR_SEQ_AT(%s, s->elems, j));\n    }\n}\n", k, tc);
    emit(E, "static int W%d_load(sr_dec *in, int64_t index) {\n", id);
    emit(E, "    for (int i = 0; i < %lld; i++) { sr_arena_reset(&W%d_ring[i].arena); W%d_ring[i].elems = (sr_seq){0}; W%d_ring[i].index = -1; }\n",
         S, id, id, id);
    emit(E, "    for (int64_t k = 0, n = sr_dec_count(in); k < n && !in->bad; k++) {\n");
    emit(E, "        int64_t i = sr_dec_i64(in);\n");
    emit(E, "        if (i < 1 || i > index || i <= index - %lld) { in->bad = true; break; }\n", S);
    emit(E, "        W%d_slot *s = &W%d_ring[i %% %lld];\n", id, id, S);
    emit(E, "        int64_t len = sr_dec_count(in);\n        s->index = i;\n");
    emit(E, "        sr_seq_reserve(&s->arena, &s->elems, len + 1, sizeof(%s));\n", tc);
    emit(E, "        for (int64_t j = 0; j < len && !in->bad; j++) SR_SEQ_AT(%s, s->elems, s->elems.len++) = dec_%s(in, &s->arena);\n", tc, k);
    emit(E, "    }\n    return in->bad ? -1 : 0;\n}\n");
    emit(E, "static int64_t W%d_keys(void) { /* the elements of the batches kept */\n    int64_t n = 0;\n", id);
    emit(E, "    for (int i = 0; i < %lld; i++) if (W%d_ring[i].index >= 0) n += W%d_ring[i].elems.len;\n    return n;\n}\n",
         S, id, id);
}

/* reduceByKeyAndWindow with an inverse: per partition, a ring of `slots`
 * reduced batches WI<id>_ring (with their batch index), the window's table
 * WI<id>_win[p * 2 + cur[p]], and the index of the last slide. */
void emit_state_window_inverse(emitter *E, dag_node *n, const type *K, const type *V, int64_t slots) {
    int id = n->id;
    long long W = (long long)slots;
    {
        char P[16];
        snprintf(P, sizeof P, "WI%d", id);
        emit_table_codec(E, P, K, V);
    }
    emit(E, "static void WI%d_prepare(int nparts) {\n    if (WI%d_parts) return;\n    WI%d_parts = nparts;\n", id, id, id);
    emit(E, "    WI%d_ring = sr_xcalloc((size_t)nparts * %lld, sizeof *WI%d_ring);\n", id, W, id);
    emit(E, "    WI%d_win = sr_xcalloc((size_t)nparts * 2, sizeof *WI%d_win);\n", id, id);
    emit(E, "    for (int64_t i = 0; i < (int64_t)nparts * %lld; i++) sr_arena_init(&WI%d_ring[i].arena);\n", W, id);
    emit(E, "    for (int64_t i = 0; i < (int64_t)nparts * 2; i++) sr_arena_init(&WI%d_win[i].arena);\n", id);
    emit(E, "    WI%d_cur = sr_xcalloc((size_t)nparts, sizeof *WI%d_cur);\n}\n", id, id);
    emit(E, "static void WI%d_save(sr_buf *out, int64_t index) {\n", id);
    emit(E, "    int64_t n = 0;\n    sr_enc_i64(out, WI%d_last);\n", id);
    emit(E, "    for (int64_t i = index - %lld + 1; i <= index; i++) n += i >= 1 && WI%d_ring[i %% %lld].index == i;\n", W, id, W);
    emit(E, "    sr_enc_u64(out, (uint64_t)n);\n");
    emit(E, "    for (int64_t i = index - %lld + 1; i <= index; i++) {\n", W);
    emit(E, "        if (i < 1 || WI%d_ring[i %% %lld].index != i) continue;\n", id, W);
    emit(E, "        sr_enc_i64(out, i);\n");
    emit(E, "        WI%d_enc_parts(out, WI%d_ring, %lld, i %% %lld, NULL, WI%d_parts);\n    }\n", id, id, W, W, id);
    emit(E, "    WI%d_enc_parts(out, WI%d_win, 2, 0, WI%d_cur, WI%d_parts);\n}\n", id, id, id, id);
    emit(E, "static int WI%d_load(sr_dec *in, int64_t index) {\n", id);
    emit(E, "    for (int64_t j = 0; j < (int64_t)WI%d_parts * %lld; j++) { WI%d_reset_part(&WI%d_ring[j]); WI%d_ring[j].index = 0; }\n",
         id, W, id, id, id);
    emit(E, "    for (int64_t j = 0; j < (int64_t)WI%d_parts * 2; j++) WI%d_reset_part(&WI%d_win[j]);\n", id, id, id);
    emit(E, "    for (int p = 0; p < WI%d_parts; p++) WI%d_cur[p] = 0;\n", id, id);
    emit(E, "    WI%d_last = sr_dec_i64(in);\n", id);
    emit(E, "    for (int64_t k = 0, n = sr_dec_count(in); k < n && !in->bad; k++) {\n");
    emit(E, "        int64_t i = sr_dec_i64(in);\n");
    emit(E, "        if (i < 1 || i > index || i <= index - %lld) { in->bad = true; break; }\n", W);
    emit(E, "        for (int p = 0; p < WI%d_parts; p++) WI%d_ring[p * %lld + i %% %lld].index = i;\n", id, id, W, W);
    emit(E, "        WI%d_dec_parts(in, WI%d_ring, %lld, i %% %lld, WI%d_parts);\n    }\n", id, id, W, W, id);
    emit(E, "    WI%d_dec_parts(in, WI%d_win, 2, 0, WI%d_parts);\n", id, id, id);
    emit(E, "    return in->bad ? -1 : 0;\n}\n");
    emit(E, "static int64_t WI%d_keys(void) { /* the window's keys */\n    int64_t n = 0;\n", id);
    emit(E, "    for (int p = 0; p < WI%d_parts; p++) n += WI%d_win[p * 2 + WI%d_cur[p]].map.len;\n    return n;\n}\n",
         id, id, id);
}

/* reduceByKeyAndWindow without an inverse (Two-Stacks): per partition
 * `np` panes and suffix aggregates (fronts) by batch index, the back
 * aggregate; fronts cover batches flo..fhi. */
void emit_state_window_twostacks(emitter *E, dag_node *n, const type *K, const type *V, int64_t np) {
    int id = n->id;
    long long NP = (long long)np;
    {
        char P[16];
        snprintf(P, sizeof P, "TS%d", id);
        emit_table_codec(E, P, K, V);
    }
    emit(E, "static void TS%d_prepare(int nparts) {\n    if (TS%d_parts) return;\n    TS%d_parts = nparts;\n", id, id, id);
    emit(E, "    TS%d_pane = sr_xcalloc((size_t)nparts * %lld, sizeof *TS%d_pane);\n", id, NP, id);
    emit(E, "    TS%d_front = sr_xcalloc((size_t)nparts * %lld, sizeof *TS%d_front);\n", id, NP, id);
    emit(E, "    TS%d_back = sr_xcalloc((size_t)nparts, sizeof *TS%d_back);\n", id, id);
    emit(E, "    TS%d_out = sr_xcalloc((size_t)nparts, sizeof *TS%d_out);\n", id, id);
    emit(E, "    for (int64_t i = 0; i < (int64_t)nparts * %lld; i++) { sr_arena_init(&TS%d_pane[i].arena); sr_arena_init(&TS%d_front[i].arena); }\n",
         NP, id, id);
    emit(E, "    for (int p = 0; p < nparts; p++) { sr_arena_init(&TS%d_back[p].arena); sr_arena_init(&TS%d_out[p].arena); }\n}\n", id, id);
    emit(E, "static void TS%d_save(sr_buf *out, int64_t index) {\n", id);
    emit(E, "    int64_t lo = index - %lld + 1 > 1 ? index - %lld + 1 : 1;\n", NP, NP);
    emit(E, "    sr_enc_i64(out, TS%d_flo);\n    sr_enc_i64(out, TS%d_fhi);\n", id, id);
    emit(E, "    sr_enc_u64(out, (uint64_t)(index >= lo ? index - lo + 1 : 0));\n");
    emit(E, "    for (int64_t i = lo; i <= index; i++) { sr_enc_i64(out, i); TS%d_enc_parts(out, TS%d_pane, %lld, i %% %lld, NULL, TS%d_parts); }\n",
         id, id, NP, NP, id);
    emit(E, "    sr_enc_u64(out, (uint64_t)(TS%d_fhi >= TS%d_flo ? TS%d_fhi - TS%d_flo + 1 : 0));\n", id, id, id, id);
    emit(E, "    for (int64_t i = TS%d_flo; i <= TS%d_fhi; i++) { sr_enc_i64(out, i); TS%d_enc_parts(out, TS%d_front, %lld, i %% %lld, NULL, TS%d_parts); }\n",
         id, id, id, id, NP, NP, id);
    emit(E, "    TS%d_enc_parts(out, TS%d_back, 1, 0, NULL, TS%d_parts);\n}\n", id, id, id);
    emit(E, "static int TS%d_load(sr_dec *in, int64_t index) {\n", id);
    emit(E, "    for (int64_t j = 0; j < (int64_t)TS%d_parts * %lld; j++) { TS%d_reset_part(&TS%d_pane[j]); TS%d_reset_part(&TS%d_front[j]); }\n",
         id, NP, id, id, id, id);
    emit(E, "    for (int p = 0; p < TS%d_parts; p++) { TS%d_reset_part(&TS%d_back[p]); TS%d_reset_part(&TS%d_out[p]); }\n", id, id, id, id, id);
    emit(E, "    TS%d_flo = sr_dec_i64(in);\n    TS%d_fhi = sr_dec_i64(in);\n", id, id);
    emit(E, "    if (TS%d_fhi > index || TS%d_fhi - TS%d_flo >= %lld) in->bad = true;\n", id, id, id, NP);
    emit(E, "    for (int pass = 0; pass < 2 && !in->bad; pass++) { /* panes, then fronts */\n");
    emit(E, "        TS%d_part *ring = pass ? TS%d_front : TS%d_pane;\n", id, id, id);
    emit(E, "        for (int64_t k = 0, n = sr_dec_count(in); k < n && !in->bad; k++) {\n");
    emit(E, "            int64_t i = sr_dec_i64(in);\n");
    emit(E, "            bool ok = pass ? i >= TS%d_flo && i <= TS%d_fhi : i >= 1 && i <= index && i > index - %lld;\n", id, id, NP);
    emit(E, "            if (!ok) { in->bad = true; break; }\n");
    emit(E, "            TS%d_dec_parts(in, ring, %lld, i %% %lld, TS%d_parts);\n        }\n    }\n", id, NP, NP, id);
    emit(E, "    TS%d_dec_parts(in, TS%d_back, 1, 0, TS%d_parts);\n", id, id, id);
    emit(E, "    if (in->bad) { TS%d_flo = 1; TS%d_fhi = 0; }\n", id, id);
    emit(E, "    return in->bad ? -1 : 0;\n}\n");
    emit(E, "static int64_t TS%d_keys(void) { /* the entries of the panes kept */\n    int64_t n = 0;\n", id);
    emit(E, "    for (int64_t j = 0; j < (int64_t)TS%d_parts * %lld; j++) n += TS%d_pane[j].map.len;\n    return n;\n}\n",
         id, NP, id);
}

static bool is_stateful(const dag_node *n) {
    return n->op == OP_UPDATESTATE || n->op == OP_WINDOW || n->op == OP_WINDOWINV || n->op == OP_WINDOWAGG;
}

/* The prefix of a stateful node's functions. */
static const char *state_prefix(const dag_node *n) {
    switch (n->op) {
    case OP_UPDATESTATE: return "ST";
    case OP_WINDOW: return "W";
    case OP_WINDOWINV: return "WI";
    default: return "TS";
    }
}

/* What the state holds: the operator, its types, and for windows the
 * batch, window and slide lengths (ring positions depend on them). */
static char *state_signature(const emitter *E, const dag_node *n) {
    const char *method = n->at && n->at->a && n->at->a->name ? n->at->a->name : op_spelling(n->op);
    if (n->op == OP_UPDATESTATE)
        return xasprintf("%s[%s]", method, ty_name(n->elem));
    const char *kind = n->op == OP_WINDOWINV ? ", inverse" : n->op == OP_WINDOWAGG ? ", panes" : "";
    return xasprintf("%s[%s] window %" PRId64 " ms, slide %" PRId64 " ms, batch %" PRId64 " ms%s", method,
                     ty_name(n->elem), n->window_ms, n->slide_ms, E->p->batch_ms, kind);
}

void emit_state_table(emitter *E) {
    program *p = E->p;
    int k = 0, nops = 0;
    emit(E, "static const sr_state_op state_ops[] = {\n");
    for (int i = 0; i < p->dag.len; i++) {
        dag_node *n = p->dag.nodes[i];
        if (!is_stateful(n))
            continue;
        k++; /* positions count every stateful operator, used or not */
        if (!n->materialized)
            continue;
        int line, col;
        source_line_col(p->src, n->at->loc.start, &line, &col);
        const char *method = n->at->a && n->at->a->name ? n->at->a->name : op_spelling(n->op);
        char *id = n->label ? xstrdup(n->label) : xasprintf("#%d", k);
        char *what = xasprintf("%s at line %d", method, line);
        char *sig = state_signature(E, n);
        char *idl = c_string_lit(id, strlen(id)), *whatl = c_string_lit(what, strlen(what));
        char *sigl = c_string_lit(sig, strlen(sig));
        const char *P = state_prefix(n);
        emit(E, "    { %s, %s, %s, %s%d_prepare, %s%d_save, %s%d_load, %s%d_keys },\n", idl, whatl, sigl, P, n->id,
             P, n->id, P, n->id, P, n->id);
        free(id), free(what), free(sig), free(idl), free(whatl), free(sigl);
        nops++;
    }
    if (!nops)
        emit(E, "    { NULL, NULL, NULL, NULL, NULL, NULL, NULL },\n");
    emit(E, "};\n");
    E->nstate_ops = nops;
}

static int64_t gcd64(int64_t a, int64_t b) {
    while (b) {
        int64_t t = a % b;
        a = b;
        b = t;
    }
    return a;
}

int64_t checkpoint_interval(const program *p) {
    int64_t unit = p->batch_ms > 0 ? p->batch_ms : 1;
    for (int i = 0; i < p->dag.len; i++) {
        int64_t s = p->dag.nodes[i]->slide_ms;
        if (s > 0 && unit / gcd64(unit, s) <= INT64_MAX / s)
            unit = unit / gcd64(unit, s) * s;
    }
    int64_t want = p->checkpoint_every_ms > 0 ? p->checkpoint_every_ms : 10000;
    return want <= unit ? unit : (want + unit - 1) / unit * unit;
}
