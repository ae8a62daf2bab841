/* The differential test of generator semantics against CPython 3.11.
 *
 * tests/diff/gen_diff.py drove random next/send/throw/close sequences over trees of
 * generator "shapes" in CPython and recorded every step: the outcome, the value or
 * exception, the generator's state afterwards and the log the shapes wrote. This file
 * ports the same shapes to yl_gen, line by line (each body below mirrors the Python
 * function of the same name in gen_diff.py), replays every sequence from the fixture
 * and checks each step against CPython, reporting the first divergence of each
 * sequence. The fixture is compiled in (tests/fixtures/gen_diff.inc), so the test
 * runs the same natively and as wasm.
 *
 * Lifetimes mirror CPython's reference counting: a delegator frees its subgenerator
 * right after `yield from` returns, when CPython drops the last reference to it (the
 * value stack entry), so a subgenerator abandoned while suspended is finalized at the
 * same moment on both sides; gen_diff.py discards any sequence where that is not so.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "test.h"

/* The fixture's types (see the comment at the top of gen_diff.inc). */
enum { GD_V_NONE, GD_V_BOOL, GD_V_INT, GD_V_STR };
typedef struct {
  int type;
  long long i;
  const char *s;
} gd_value_t;

enum { GD_S_PLAIN, GD_S_CATCH, GD_S_FIN, GD_S_IGNORE, GD_S_RAISE, GD_S_ACCUM, GD_S_REENTER, GD_S_DELEG };
typedef struct {
  int shape;
  const char *label;
  int p[4];
  int child[2];
} gd_node_t;

enum { GD_OP_NEXT, GD_OP_SEND, GD_OP_THROW, GD_OP_CLOSE };
enum { GD_R_YIELD, GD_R_RETURN, GD_R_RAISE, GD_R_OK };
typedef struct {
  int op, a1, a2, outcome;
  const char *state, *text, *log;
} gd_step_t;

typedef struct {
  int root, first, count;
  const char *tree;
} gd_seq_t;

#include "fixtures/gen_diff.inc"

#define GD_COUNT(a) ((int)(sizeof(a) / sizeof((a)[0])))

static const yl_exc_type_t MyError[1] = {{"MyError", yl_Exception}};

/* gd_kinds[] resolved to exception kinds. */
static const yl_exc_type_t *gd_kind_types[GD_COUNT(gd_kinds)];

static const yl_exc_type_t *gd_kind_by_name(const char *name) {
  static const struct {
    const char *name;
    const yl_exc_type_t *type;
  } known[] = {
      {"BaseException", yl_BaseException}, {"Exception", yl_Exception},
      {"GeneratorExit", yl_GeneratorExit}, {"StopIteration", yl_StopIteration},
      {"LookupError", yl_LookupError},     {"KeyError", yl_KeyError},
      {"RuntimeError", yl_RuntimeError},   {"TypeError", yl_TypeError},
      {"ValueError", yl_ValueError},       {"MyError", MyError},
  };
  for (int i = 0; i < GD_COUNT(known); i++)
    if (strcmp(known[i].name, name) == 0) return known[i].type;
  return NULL;
}

/* ---------------------------------------------------------------------------------
 * The shapes' context and helpers. */

/* One sequence's log: entries "<label>:<text>", each followed by '\n'. */
typedef struct {
  char *buf;
  size_t len, cap;
  int oom;
} gd_log_t;

typedef struct gd_ctx {
  const gd_node_t *node;
  struct gd_ctx *parent;
  gd_log_t *log;
  yl_gen_t *gen;
} gd_ctx_t;

#define P(c, i) ((c)->node->p[i])
#define TAG(c) ((c)->node->label)

static void gd_log_append(gd_log_t *log, const char *s, size_t n) {
  if (log->len + n + 1 > log->cap) {
    size_t cap = log->cap ? log->cap : 4096;
    while (log->len + n + 1 > cap) cap *= 2;
    char *b = realloc(log->buf, cap);
    if (!b) {
      log->oom = 1;
      return;
    }
    log->buf = b;
    log->cap = cap;
  }
  memcpy(log->buf + log->len, s, n);
  log->len += n;
  log->buf[log->len] = '\0';
}

/* c.log(text) */
static void gd_log(gd_ctx_t *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void gd_log(gd_ctx_t *c, const char *fmt, ...) {
  char buf[600];
  int n = snprintf(buf, sizeof buf, "%s:", TAG(c));
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(buf + n, sizeof buf - (size_t)n - 1, fmt, ap);
  va_end(ap);
  size_t len = strlen(buf);
  buf[len++] = '\n';
  gd_log_append(c->log, buf, len);
}

/* repr(v) */
#define R(v) yl_test_repr(v)

/* fmt(e): "Kind: str(e)" or "Kind", in a rotating buffer. */
static const char *gd_fmt(yl_value_t v) {
  static char bufs[4][300];
  static unsigned next;
  char *b = bufs[next++ % 4];
  if (v.type == YL_EXC)
    yl_exc_format(v.as.exc, b, sizeof bufs[0]);
  else
    snprintf(b, sizeof bufs[0], "(not an exception: %s)", R(v));
  return b;
}

/* VALUES[i]: strings are borrowed literals of the fixture. */
static yl_value_t gd_val(int i) {
  const gd_value_t *v = &gd_values[i];
  switch (v->type) {
  case GD_V_BOOL: return yl_bool(v->i != 0);
  case GD_V_INT: return yl_int(v->i);
  case GD_V_STR: return yl_str(v->s);
  default: return yl_none();
  }
}

/* Kind(msg), or Kind() for an empty msg. (As in Python, a KeyError's message is its
 * key: yl_exc_format shows its repr, as str(KeyError(k)) is repr(k).) */
static yl_value_t gd_exc(const yl_exc_type_t *type, const char *msg) {
  if (!msg[0]) return yl_exc_value(yl_exc_new(type, NULL));
  return yl_exc_value(yl_exc_new(type, "%s", msg));
}

/* `except catch_tuple(mask)` */
static bool gd_caught(yl_value_t v, int mask) {
  for (int i = 0; i < GD_COUNT(gd_catch_kinds); i++)
    if ((mask >> i & 1) && yl_value_is_exc(v, gd_kind_types[gd_catch_kinds[i]])) return true;
  return false;
}

static gd_ctx_t *gd_root(gd_ctx_t *c) {
  while (c->parent) c = c->parent;
  return c;
}

/* c.states(): "A=GEN_RUNNING B=..." from the root down to c. */
static const char *gd_states(gd_ctx_t *c, char *buf, size_t n) {
  gd_ctx_t *chain[16];
  int depth = 0;
  for (gd_ctx_t *x = c; x && depth < 16; x = x->parent) chain[depth++] = x;
  size_t len = 0;
  buf[0] = '\0';
  for (int i = depth - 1; i >= 0 && len < n; i--)
    len += (size_t)snprintf(buf + len, n - len, "%s%s=%s", i == depth - 1 ? "" : " ",
                            TAG(chain[i]), yl_gen_state_name(yl_gen_state(chain[i]->gen)));
  return buf;
}

static yl_gen_t *gd_spawn(gd_ctx_t *parent, gd_ctx_t *sc, int node);

/* ---------------------------------------------------------------------------------
 * The shapes: ports of gen_diff.py's sh_* functions. */

static yl_value_t sh_plain(yl_gen_t *g, void *arg) {
  gd_ctx_t *c = arg;
  int n = P(c, 0), ret = P(c, 1);
  gd_log(c, "start");
  for (int i = 0; i < n; i++) {
    yl_value_t v;
    if (yl_yield(g, yl_str_fmt("%s%d", TAG(c), i), &v) < 0) return yl_raise(v);
    gd_log(c, "got %s", R(v));
    yl_value_drop(v);
  }
  gd_log(c, "end");
  return gd_val(ret);
}

static yl_value_t sh_catch(yl_gen_t *g, void *arg) {
  gd_ctx_t *c = arg;
  int n = P(c, 0), mask = P(c, 1), mode = P(c, 2);
  int i = 0;
  while (i < n) {
    yl_value_t v;
    if (yl_yield(g, yl_int(i), &v) == YL_OK) {
      gd_log(c, "got %s", R(v));
      yl_value_drop(v);
    } else if (gd_caught(v, mask)) {
      gd_log(c, "caught %s", gd_fmt(v));
      if (mode == 0) {
        yl_value_drop(v);
        if (yl_yield(g, yl_str_fmt("%sh%d", TAG(c), i), &v) < 0) return yl_raise(v);
        gd_log(c, "handler got %s", R(v));
        yl_value_drop(v);
      } else if (mode == 1) {
        return yl_raise(v);
      } else if (mode == 2) { /* raise TypeError(...) from e */
        yl_exc_t *e = yl_exc_new(yl_TypeError, "from %s", yl_exc_type(v.as.exc)->name);
        yl_exc_set_cause(e, v.as.exc); /* takes v's exception */
        return yl_raise(yl_exc_value(e));
      } else {
        yl_value_drop(v);
      }
    } else {
      return yl_raise(v);
    }
    i += 1;
  }
  gd_log(c, "end");
  return yl_int(i);
}

static yl_value_t sh_fin(yl_gen_t *g, void *arg) {
  gd_ctx_t *c = arg;
  int n = P(c, 0), mode = P(c, 1), ret = P(c, 2);
  yl_value_t v, pending = yl_none(); /* what leaves the try: a return value or exception */
  bool raising = false;
  char states[200];
  gd_log(c, "start");
  for (int i = 0; i < n; i++) {
    if (yl_yield(g, yl_str_fmt("%s%d", TAG(c), i), &v) < 0) {
      pending = v;
      raising = true;
      break;
    }
    gd_log(c, "got %s", R(v));
    yl_value_drop(v);
  }
  if (!raising) {
    gd_log(c, "body done");
    pending = gd_val(ret);
  }
  /* finally: */
  gd_log(c, "finally %s", gd_states(c, states, sizeof states));
  if (mode == 1) {
    if (yl_yield(g, yl_str_fmt("%sfin", TAG(c)), &v) < 0) {
      yl_value_drop(pending);
      return yl_raise(v);
    }
    gd_log(c, "finally got %s", R(v));
    yl_value_drop(v);
  } else if (mode == 2) {
    yl_value_drop(pending);
    return yl_str_fmt("%sfin", TAG(c));
  } else if (mode == 3) {
    yl_value_drop(pending);
    return yl_raise(gd_exc(yl_ValueError, "in finally"));
  }
  return raising ? yl_raise(pending) : pending;
}

static yl_value_t sh_ignore(yl_gen_t *g, void *arg) {
  gd_ctx_t *c = arg;
  int n = P(c, 0), k = P(c, 1);
  int ignored = 0, i = 0;
  while (i < n) {
    yl_value_t v;
    if (yl_yield(g, yl_str_fmt("%s%d", TAG(c), i), &v) < 0) {
      if (!yl_value_is_exc(v, yl_GeneratorExit)) return yl_raise(v);
      ignored += 1;
      gd_log(c, "ignored GeneratorExit %d", ignored);
      if (ignored > k) return yl_raise(v);
      yl_value_drop(v);
      continue;
    }
    gd_log(c, "got %s", R(v));
    yl_value_drop(v);
    i += 1;
  }
  return yl_str("done");
}

static const yl_exc_type_t *gd_raise_kind(int i) { return gd_kind_types[gd_raise_kinds[i]]; }

static yl_value_t sh_raise(yl_gen_t *g, void *arg) {
  gd_ctx_t *c = arg;
  int n = P(c, 0), trig = P(c, 1), kind = P(c, 2);
  if (n == 0) {
    gd_log(c, "raise at start");
    return yl_raise(gd_exc(gd_raise_kind(kind), "at start"));
  }
  for (int i = 0; i < n; i++) {
    yl_value_t v;
    if (yl_yield(g, yl_int(10 * i), &v) < 0) return yl_raise(v);
    if (yl_value_eq(v, gd_val(trig))) {
      char msg[300];
      gd_log(c, "raise on %s", R(v));
      snprintf(msg, sizeof msg, "bad %s", R(v));
      yl_value_drop(v);
      return yl_raise(gd_exc(gd_raise_kind(kind), msg));
    }
    yl_value_drop(v);
  }
  return yl_int(n);
}

static yl_value_t sh_accum(yl_gen_t *g, void *arg) {
  gd_ctx_t *c = arg;
  int n = P(c, 0), mode = P(c, 1);
  int64_t total = 0, count = 0;
  yl_value_t last = yl_none();
  for (int i = 0; i < n; i++) {
    yl_value_t v;
    if (yl_yield(g, yl_int(total), &v) < 0) {
      yl_value_drop(last);
      return yl_raise(v);
    }
    if (yl_is_none(v)) continue;
    count += 1;
    yl_value_drop(last);
    last = v;
    if (v.type == YL_INT) total += v.as.i; /* type(v) is int: not bool */
    if (yl_value_eq(v, yl_str("xy"))) {
      gd_log(c, "early return");
      break;
    }
  }
  if (mode == 1) return last;
  yl_value_drop(last);
  return yl_int(mode == 0 ? total : count);
}

static yl_value_t sh_reenter(yl_gen_t *g, void *arg) {
  gd_ctx_t *c = arg;
  int n = P(c, 0), act = P(c, 1);
  for (int i = 0; i < n; i++) {
    yl_value_t v;
    if (yl_yield(g, yl_str_fmt("%s%d", TAG(c), i), &v) < 0) return yl_raise(v);
    gd_log(c, "got %s", R(v));
    if (yl_value_eq(v, yl_str("probe"))) {
      char states[200];
      yl_value_t out = yl_none();
      int r;
      gd_log(c, "states %s", gd_states(c, states, sizeof states));
      switch (act) {
      case 0: r = yl_gen_next(c->gen, &out); break;
      case 1: r = yl_gen_next(gd_root(c)->gen, &out); break;
      case 2: r = yl_gen_throw(c->gen, gd_exc(MyError, "re"), &out); break;
      case 3: r = yl_gen_close(c->gen, &out); break;
      default: r = yl_gen_close(gd_root(c)->gen, &out); break;
      }
      if (r == YL_GEN_ERROR && yl_value_is_exc(out, yl_ValueError)) { /* except ValueError */
        gd_log(c, "reenter %s", gd_fmt(out));
        yl_value_drop(out);
      } else if (r == YL_GEN_ERROR) {
        yl_value_drop(v);
        return yl_raise(out);
      } else if (r == YL_GEN_RETURN && act <= 2) { /* StopIteration escapes the body */
        yl_value_drop(v);
        return yl_raise(yl_exc_value(yl_exc_new_payload(yl_StopIteration, out, NULL)));
      } else {
        yl_value_drop(out);
      }
    }
    yl_value_drop(v);
  }
  return yl_int(n);
}

/* Appends repr(r) to the comma-separated results. */
static void gd_result(char *buf, size_t n, yl_value_t r) {
  size_t len = strlen(buf);
  snprintf(buf + len, n - len, "%s%s", len ? "," : "", R(r));
}

static yl_value_t sh_deleg(yl_gen_t *g, void *arg) {
  gd_ctx_t *c = arg;
  int pre = P(c, 0), mode = P(c, 1), post = P(c, 2), mask = P(c, 3);
  char results[400] = "";
  yl_value_t v;
  gd_log(c, "start");
  for (int i = 0; i < pre; i++) {
    if (yl_yield(g, yl_str_fmt("%sp%d", TAG(c), i), &v) < 0) return yl_raise(v);
    gd_log(c, "got %s", R(v));
    yl_value_drop(v);
  }
  for (int k = 0; k < 2 && c->node->child[k] >= 0; k++) {
    gd_ctx_t sc;
    yl_gen_t *s = gd_spawn(c, &sc, c->node->child[k]);
    yl_value_t r;
    if (!s) return yl_raise(yl_exc_value(yl_exc_new(yl_MemoryError, NULL)));
    int rc = yl_yield_from(g, s, &r);
    if (mode == 3) { /* s = spawn(); r = yield from s; r2 = yield from s */
      if (rc < 0) {
        yl_gen_free(s);
        return yl_raise(r);
      }
      gd_log(c, "sub returned %s", R(r));
      yl_value_t r2;
      rc = yl_yield_from(g, s, &r2);
      yl_gen_free(s);
      if (rc < 0) {
        yl_value_drop(r);
        return yl_raise(r2);
      }
      gd_log(c, "again %s", R(r2));
      yl_value_drop(r2);
    } else {
      yl_gen_free(s); /* `yield from spawn()`: the temporary is dropped at once */
      if (rc < 0) {
        if ((mode == 1 || mode == 4) && gd_caught(r, mask)) {
          gd_log(c, "sub raised %s", gd_fmt(r));
          yl_value_drop(r);
          r = yl_str("caught");
          if (mode == 4) {
            if (yl_yield(g, yl_str_fmt("%sh", TAG(c)), &v) < 0) return yl_raise(v);
            gd_log(c, "handler got %s", R(v));
            yl_value_drop(v);
          }
        } else {
          if (mode == 2) gd_log(c, "deleg finally");
          return yl_raise(r);
        }
      } else {
        gd_log(c, "sub returned %s", R(r));
        if (mode == 2) gd_log(c, "deleg finally");
      }
    }
    gd_result(results, sizeof results, r);
    yl_value_drop(r);
  }
  for (int i = 0; i < post; i++) {
    if (yl_yield(g, yl_str_fmt("%sq%d", TAG(c), i), &v) < 0) return yl_raise(v);
    gd_log(c, "got %s", R(v));
    yl_value_drop(v);
  }
  gd_log(c, "end");
  return yl_str_fmt("%s<%s>", TAG(c), results);
}

static const yl_gen_fn gd_bodies[] = {
    [GD_S_PLAIN] = sh_plain,   [GD_S_CATCH] = sh_catch,     [GD_S_FIN] = sh_fin,
    [GD_S_IGNORE] = sh_ignore, [GD_S_RAISE] = sh_raise,     [GD_S_ACCUM] = sh_accum,
    [GD_S_REENTER] = sh_reenter, [GD_S_DELEG] = sh_deleg,
};

/* make_gen(node, parent): the context lives in the caller's frame (sc). */
static yl_gen_t *gd_make(gd_ctx_t *sc, gd_ctx_t *parent, gd_log_t *log, int node) {
  sc->node = &gd_nodes[node];
  sc->parent = parent;
  sc->log = log;
  sc->gen = yl_gen_new(sc->node->label, gd_bodies[sc->node->shape], sc);
  return sc->gen;
}

static yl_gen_t *gd_spawn(gd_ctx_t *parent, gd_ctx_t *sc, int node) {
  return gd_make(sc, parent, parent->log, node);
}

/* ---------------------------------------------------------------------------------
 * The replay. */

static const char *const gd_outcomes[] = {"yield", "return", "raise", "ok"};

/* The first `len` characters of `s`, newlines shown as " | ", into buf. */
static const char *gd_oneline(const char *s, size_t len, char *buf, size_t n) {
  size_t j = 0;
  for (size_t i = 0; i < len && j + 4 < n; i++) {
    if (s[i] == '\n') {
      memcpy(buf + j, " | ", 3);
      j += 3;
    } else {
      buf[j++] = s[i];
    }
  }
  buf[j] = '\0';
  return buf;
}

static void gd_describe_op(const gd_step_t *st, char *buf, size_t n) {
  switch (st->op) {
  case GD_OP_NEXT: snprintf(buf, n, "next"); break;
  case GD_OP_SEND: snprintf(buf, n, "send(%s)", R(gd_val(st->a1))); break;
  case GD_OP_THROW:
    snprintf(buf, n, "throw(%s(%s))", gd_kinds[gd_throw_kinds[st->a1]], R(yl_str(gd_messages[st->a2])));
    break;
  default: snprintf(buf, n, "close"); break;
  }
}

/* Replays sequence `si`; returns the number of steps that matched before the first
 * divergence (all of them if none). */
static int gd_replay(int si, gd_log_t *log) {
  const gd_seq_t *seq = &gd_seqs[si];
  gd_ctx_t root;
  log->len = 0;
  if (log->buf) log->buf[0] = '\0';
  yl_gen_t *g = gd_make(&root, NULL, log, seq->root);
  if (!g) {
    yl_test_fail(__FILE__, __LINE__, "seq %d: yl_gen_new failed", si);
    return 0;
  }
  int matched = 0;
  for (int i = 0; i < seq->count; i++) {
    const gd_step_t *st = &gd_steps[seq->first + i];
    size_t mark = log->len;
    yl_value_t out = yl_none();
    int rc, outcome;
    switch (st->op) {
    case GD_OP_NEXT: rc = yl_gen_next(g, &out); break;
    case GD_OP_SEND: rc = yl_gen_send(g, gd_val(st->a1), &out); break;
    case GD_OP_THROW:
      rc = yl_gen_throw(g, gd_exc(gd_kind_types[gd_throw_kinds[st->a1]], gd_messages[st->a2]), &out);
      break;
    default: rc = yl_gen_close(g, &out); break;
    }
    char text[512];
    if (st->op == GD_OP_CLOSE && rc == YL_OK) {
      outcome = GD_R_OK;
      snprintf(text, sizeof text, "None");
    } else if (rc == YL_GEN_NEXT || rc == YL_GEN_RETURN) {
      outcome = rc == YL_GEN_NEXT ? GD_R_YIELD : GD_R_RETURN;
      snprintf(text, sizeof text, "%s", R(out));
    } else {
      outcome = GD_R_RAISE;
      snprintf(text, sizeof text, "%s", gd_fmt(out));
    }
    yl_value_drop(out);
    const char *state = yl_gen_state_name(yl_gen_state(g));
    /* The entries written during the step, without the last '\n'. */
    const char *got_log = log->buf ? log->buf + mark : "";
    size_t got_len = log->len - mark;
    if (got_len) got_len--;
    bool same = outcome == st->outcome && strcmp(text, st->text) == 0 &&
                strcmp(state, st->state) == 0 && !log->oom && got_len == strlen(st->log) &&
                memcmp(got_log, st->log, got_len) == 0;
    if (!same) {
      char op[200], want_log[2000], have_log[2000];
      gd_describe_op(st, op, sizeof op);
      gd_oneline(st->log, strlen(st->log), want_log, sizeof want_log);
      gd_oneline(got_log, got_len, have_log, sizeof have_log);
      yl_test_fail(__FILE__, __LINE__,
                   "seq %d %s, step %d %s:\n"
                   "#     expected %s %s %s [%s]\n"
                   "#     got      %s %s %s [%s]",
                   si, seq->tree, i, op, gd_outcomes[st->outcome], st->text, st->state, want_log,
                   gd_outcomes[outcome], text, state, log->oom ? "(log out of memory)" : have_log);
      break;
    }
    matched++;
  }
  /* CPython's sequences end closed; after a divergence, close it as well as we can. */
  for (int tries = 0; tries < 50 && yl_gen_state(g) != YL_GEN_CLOSED; tries++) {
    yl_value_t err = yl_none();
    yl_gen_close(g, &err);
    yl_value_drop(err);
  }
  if (matched == seq->count) CHECK_STR(yl_gen_state_name(yl_gen_state(g)), "GEN_CLOSED");
  CHECK_INT(yl_gen_free(g), YL_OK);
  return matched;
}

TEST(gen_diff) {
  for (int i = 0; i < GD_COUNT(gd_kinds); i++) {
    gd_kind_types[i] = gd_kind_by_name(gd_kinds[i]);
    if (!gd_kind_types[i]) {
      yl_test_fail(__FILE__, __LINE__, "unknown exception kind %s in the fixture", gd_kinds[i]);
      return;
    }
  }
  gd_log_t log = {NULL, 0, 0, 0};
  int diverged = 0, steps = 0;
  for (int si = 0; si < GD_COUNT(gd_seqs); si++) {
    int matched = gd_replay(si, &log);
    steps += matched;
    if (matched != gd_seqs[si].count) diverged++;
  }
  free(log.buf);
  printf("# gen_diff: %d sequences, %d of %d steps as CPython did; %d sequences diverged\n",
         GD_COUNT(gd_seqs), steps, GD_COUNT(gd_steps), diverged);
}
