/* Tracing (yl_trace.h): events as JSON, each with a snapshot of the state.
 *
 * The tracer keeps one record per live generator (its number, and what the
 * generator last received and yielded, which the generator itself does not keep) and
 * the line the program is at: a step switches the line to where its generator stands
 * and back to the resumer's when it ends, so events from inside a body point into
 * the body. Everything is per thread, as the current loop is.
 */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "future.h"
#include "trace.h"

#define REPR_MAX 80

typedef struct gen_rec {
  const yl_gen_t *g;
  unsigned id;
  int line;         /* where its body stands (its last yield's line), 0: not started */
  int resumer_line; /* during a step: the line of whoever resumed it */
  char sent[REPR_MAX], yielded[REPR_MAX]; /* repr()s; "" for none yet */
} gen_rec_t;

typedef struct jbuf {
  char *s;
  size_t len, cap;
  bool failed; /* out of memory: the event is dropped */
} jbuf_t;

static _Thread_local struct {
  yl_trace_fn fn;
  void *arg;
  int line;
  unsigned long seq;
  unsigned next_id;
  gen_rec_t *gens;
  size_t ngens, gens_cap;
  unsigned long iteration; /* run_once iterations of any loop, for the timeline */
  const char *phase;
  size_t ready_before; /* handles ready when the iteration's wait began */
  jbuf_t buf;
} tr;

/* ---- JSON ---- */

static void put(jbuf_t *b, const char *s, size_t n) {
  if (b->failed) return;
  if (b->len + n + 1 > b->cap) {
    size_t cap = b->cap ? b->cap : 1024;
    while (cap < b->len + n + 1) cap *= 2;
    char *p = realloc(b->s, cap);
    if (!p) {
      b->failed = true;
      return;
    }
    b->s = p;
    b->cap = cap;
  }
  memcpy(b->s + b->len, s, n);
  b->len += n;
  b->s[b->len] = '\0';
}

static void puts_(jbuf_t *b, const char *s) { put(b, s, strlen(s)); }

static __attribute__((format(printf, 2, 3))) void putf(jbuf_t *b, const char *fmt, ...) {
  char tmp[128];
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(tmp, sizeof tmp, fmt, ap);
  va_end(ap);
  if (n > 0) put(b, tmp, (size_t)n < sizeof tmp ? (size_t)n : sizeof tmp - 1);
}

/* A JSON string. */
static void put_str(jbuf_t *b, const char *s) {
  put(b, "\"", 1);
  for (; *s; s++) {
    unsigned char c = (unsigned char)*s;
    if (c == '"' || c == '\\') {
      char esc[2] = {'\\', (char)c};
      put(b, esc, 2);
    } else if (c < 0x20) {
      putf(b, "\\u%04x", c);
    } else {
      put(b, (const char *)s, 1);
    }
  }
  put(b, "\"", 1);
}

/* A time in ms, or null for NaN (no loop) and infinities (no deadline). */
static void put_ms(jbuf_t *b, double s) {
  if (isfinite(s))
    putf(b, "%.17g", s * 1000);
  else
    puts_(b, "null");
}

/* repr(v); a future a task's body awaits shows as the future. */
static void repr(yl_value_t v, char *buf) {
  size_t n = v.type == YL_PTR && (v.flags & YL__VALUE_AWAIT) ? yl_future_repr(v.as.p, buf, REPR_MAX)
                                                             : yl_value_repr(v, buf, REPR_MAX);
  if (n >= REPR_MAX) strcpy(buf + REPR_MAX - 4, "...");
}

/* ---- Records ---- */

static gen_rec_t *rec_of(const yl_gen_t *g) {
  for (size_t i = tr.ngens; i-- > 0;)
    if (tr.gens[i].g == g) return &tr.gens[i];
  return NULL;
}

static unsigned id_of(const yl_gen_t *g) {
  const gen_rec_t *r = g ? rec_of(g) : NULL;
  return r ? r->id : 0;
}

/* The generator whose body a step sent to `g` runs: the end of its yield from chain. */
static const yl_gen_t *leaf_of(const yl_gen_t *g) {
  while (yl_gen_yieldfrom(g)) g = yl_gen_yieldfrom(g);
  return g;
}

/* ---- Snapshots ---- */

static void put_gens(jbuf_t *b) {
  puts_(b, "\"gens\":[");
  for (size_t i = 0; i < tr.ngens; i++) {
    const gen_rec_t *r = &tr.gens[i];
    putf(b, "%s{\"id\":%u,\"name\":", i ? "," : "", r->id);
    put_str(b, yl_gen_name(r->g));
    puts_(b, ",\"state\":");
    put_str(b, yl_gen_state_name(yl_gen_state(r->g)));
    puts_(b, ",\"sent\":");
    r->sent[0] ? put_str(b, r->sent) : puts_(b, "null");
    puts_(b, ",\"yielded\":");
    r->yielded[0] ? put_str(b, r->yielded) : puts_(b, "null");
    unsigned sub = id_of(yl_gen_yieldfrom(r->g));
    sub ? putf(b, ",\"yieldfrom\":%u", sub) : puts_(b, ",\"yieldfrom\":null");
    putf(b, ",\"line\":%d}", r->line);
  }
  puts_(b, "]");
}

static void put_handle(jbuf_t *b, const yl_handle_t *h, bool timer) {
  char text[256];
  yl_handle_repr(h, text, sizeof text);
  puts_(b, "{\"repr\":");
  put_str(b, text);
  if (timer) {
    puts_(b, ",\"when\":");
    put_ms(b, h->when);
  }
  puts_(b, "}");
}

static void put_queue(jbuf_t *b, const yl__queue_t *q, bool *first) {
  for (const yl__queue_t *n = q->next; n != q; n = n->next) {
    if (!*first) puts_(b, ",");
    *first = false;
    put_handle(b, YL__CONTAINER_OF(n, yl_handle_t, node.queue), false);
  }
}

/* The heap's own order, for qsort. */
static int entry_cmp(const void *a, const void *b) {
  return yl__heap_less(a, b) ? -1 : yl__heap_less(b, a);
}

/* The heap in the order its timers will run. */
static void put_timers(jbuf_t *b, const yl_loop_t *loop) {
  size_t n = loop->timers.n;
  yl__heap_entry_t *es = n ? malloc(n * sizeof *es) : NULL;
  if (n && !es) {
    b->failed = true;
    return;
  }
  if (n) memcpy(es, loop->timers.a, n * sizeof *es);
  if (n > 1) qsort(es, n, sizeof *es, entry_cmp);
  for (size_t i = 0; i < n; i++) {
    if (i) puts_(b, ",");
    put_handle(b, YL__CONTAINER_OF(es[i].node, yl_handle_t, node.heap), true);
  }
  free(es);
}

static void put_tasks(jbuf_t *b, const yl_loop_t *loop) {
  bool first = true;
  for (const yl__queue_t *n = loop->futures.next; n && n != &loop->futures; n = n->next) {
    yl_future_t *f = YL__CONTAINER_OF(n, yl_future_t, link);
    yl_task_t *t = yl_future_task(f);
    if (!t) continue;
    char awaits[512], result[REPR_MAX] = "";
    yl_task_format_awaits(t, awaits, sizeof awaits);
    if (f->state == YL_FUTURE_FINISHED && !f->exception) repr(f->result, result);
    putf(b, "%s{\"id\":", first ? "" : ",");
    put_str(b, yl_task_name(t)); /* tasks are known by name, as asyncio shows them */
    puts_(b, ",\"name\":");
    put_str(b, yl_task_name(t));
    puts_(b, ",\"state\":");
    put_str(b, yl_future_state_name(f->state));
    puts_(b, ",\"awaits\":");
    put_str(b, awaits);
    putf(b, ",\"callbacks\":%zu,\"result\":", f->ncbs);
    result[0] ? put_str(b, result) : puts_(b, "null");
    puts_(b, "}");
    first = false;
  }
}

static yl_loop_t *traced_loop(void) {
  yl_loop_t *loop = yl_loop_get_running();
  return loop ? loop : yl_loop_get_current();
}

static void put_loop(jbuf_t *b, yl_loop_t *loop) {
  if (!loop) {
    puts_(b, "\"loop\":null");
    return;
  }
  puts_(b, "\"loop\":{\"time\":");
  put_ms(b, yl_loop_time(loop));
  putf(b, ",\"iteration\":%lu,\"phase\":\"%s\",\"ready\":[", tr.iteration,
       yl_loop_is_running(loop) ? tr.phase : "idle");
  bool first = true;
  put_queue(b, &loop->batch, &first); /* the rest of the batch runs first */
  put_queue(b, &loop->ready, &first);
  puts_(b, "],\"scheduled\":[");
  put_timers(b, loop);
  puts_(b, "],\"tasks\":[");
  put_tasks(b, loop);
  puts_(b, "]}");
}

/* ---- Events ---- */

/* Starts an event of kind `ev`; the caller adds its fields, then emit() ends it. */
static jbuf_t *begin(const char *ev) {
  jbuf_t *b = &tr.buf;
  b->len = 0;
  b->failed = false;
  putf(b, "{\"seq\":%lu,\"ev\":\"%s\",\"line\":%d,\"t\":", tr.seq++, ev, tr.line);
  yl_loop_t *loop = traced_loop();
  put_ms(b, loop ? yl_loop_time(loop) : NAN);
  return b;
}

static void emit(jbuf_t *b) {
  puts_(b, ",\"state\":{");
  put_gens(b);
  puts_(b, ",");
  put_loop(b, traced_loop());
  puts_(b, "}}");
  if (!b->failed) tr.fn(b->s, b->len, tr.arg);
}

bool yl__tracing(void) { return tr.fn != NULL; }

void yl__trace_gen_new(const yl_gen_t *g) {
  if (tr.ngens == tr.gens_cap) {
    size_t cap = tr.gens_cap ? 2 * tr.gens_cap : 16;
    gen_rec_t *p = realloc(tr.gens, cap * sizeof *p);
    if (!p) return; /* untracked: it shows as id 0 */
    tr.gens = p;
    tr.gens_cap = cap;
  }
  gen_rec_t *r = &tr.gens[tr.ngens++];
  memset(r, 0, sizeof *r);
  r->g = g;
  r->id = ++tr.next_id;
  jbuf_t *b = begin("gen.new");
  putf(b, ",\"gen\":%u,\"name\":", r->id);
  put_str(b, yl_gen_name(g));
  emit(b);
}

void yl__trace_gen_resume(const yl_gen_t *g, const char *how, yl_value_t value) {
  gen_rec_t *r = rec_of(g), *leaf = rec_of(leaf_of(g));
  char text[REPR_MAX];
  repr(value, text);
  if (leaf && strcmp(how, "close") != 0) strcpy(leaf->sent, text);
  jbuf_t *b = begin("gen.resume");
  putf(b, ",\"gen\":%u,\"how\":\"%s\",\"value\":", id_of(g), how);
  put_str(b, text);
  emit(b);
  if (r) {
    r->resumer_line = tr.line;
    if (leaf && leaf->line) tr.line = leaf->line;
  }
}

void yl__trace_gen_outcome(const yl_gen_t *g, int r, yl_value_t out) {
  gen_rec_t *rec = rec_of(g), *leaf = rec_of(leaf_of(g));
  char text[REPR_MAX];
  repr(out, text);
  if (r == YL_GEN_NEXT && leaf) {
    leaf->line = tr.line; /* where it yielded */
    strcpy(leaf->yielded, text);
    if (rec) strcpy(rec->yielded, text);
  }
  const char *ev = r == YL_GEN_NEXT ? "gen.yield" : r == YL_GEN_RETURN ? "gen.return" : "gen.raise";
  jbuf_t *b = begin(ev); /* at the line where the body stopped */
  putf(b, ",\"gen\":%u,\"%s\":", id_of(g), r == YL_GEN_ERROR ? "exc" : "value");
  put_str(b, text);
  emit(b);
  if (rec) tr.line = rec->resumer_line;
}

void yl__trace_gen_free(const yl_gen_t *g) {
  gen_rec_t *r = rec_of(g);
  if (!r) return;
  unsigned id = r->id;
  memmove(r, r + 1, (size_t)(tr.gens + tr.ngens - (r + 1)) * sizeof *r);
  tr.ngens--;
  jbuf_t *b = begin("gen.free");
  putf(b, ",\"gen\":%u", id);
  emit(b);
}

void yl__trace_loop_iter(yl_loop_t *loop) {
  (void)loop;
  tr.iteration++;
  tr.phase = "wait";
  jbuf_t *b = begin("loop.iter");
  putf(b, ",\"n\":%lu", tr.iteration);
  emit(b);
}

void yl__trace_loop_wait(yl_loop_t *loop, double timeout) {
  tr.ready_before = loop->nready;
  jbuf_t *b = begin("loop.wait");
  puts_(b, ",\"timeout\":");
  put_ms(b, timeout < 0 ? 0 : timeout); /* overdue (or -inf: something is ready) */
  emit(b);
}

void yl__trace_loop_due(yl_loop_t *loop) {
  tr.phase = "due";
  jbuf_t *b = begin("loop.due");
  putf(b, ",\"moved\":%zu", loop->nready - tr.ready_before);
  emit(b);
  tr.phase = "run";
}

void yl__trace_loop_handle(yl_loop_t *loop, const yl_handle_t *h) {
  (void)loop;
  char text[256];
  yl_handle_repr(h, text, sizeof text);
  jbuf_t *b = begin("loop.handle");
  puts_(b, ",\"repr\":");
  put_str(b, text);
  emit(b);
}

void yl__trace_loop_stop(yl_loop_t *loop) {
  (void)loop;
  emit(begin("loop.stop"));
}

/* ---- The public side ---- */

int yl_trace_set(yl_trace_fn fn, void *arg) {
#if YL_TRACE
  tr.fn = fn;
  tr.arg = arg;
  tr.seq = 0;
  if (!fn) { /* forget everything: a later tracer starts afresh */
    free(tr.gens);
    free(tr.buf.s);
    memset(&tr, 0, sizeof tr);
  }
  return YL_OK;
#else
  (void)fn;
  (void)arg;
  return YL_ENOSYS;
#endif
}

char *yl_trace_loop_json(yl_loop_t *loop) {
  jbuf_t b = {0};
  put_loop(&b, loop);
  /* put_loop writes a member, "loop":{...}: keep its value */
  if (b.failed || !b.s) {
    free(b.s);
    return NULL;
  }
  size_t skip = strlen("\"loop\":");
  memmove(b.s, b.s + skip, b.len - skip + 1);
  return b.s;
}

void yl_trace_line(int line) { tr.line = line; }

int yl_trace_current_line(void) { return tr.line; }

double yl_trace_time(void) {
  yl_loop_t *loop = traced_loop();
  return loop ? yl_loop_time(loop) * 1000 : NAN;
}
