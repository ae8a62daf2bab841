/* The timer heap: a binary min-heap in an array, ordered by (deadline, sequence).
 *
 * Each entry holds its ordering key beside a pointer to its node, so sifting compares
 * and moves entries within the array without touching the timers themselves: with
 * 200k timers a heap of linked nodes (libuv's src/heap-inl.h) misses the cache at
 * every level of every insertion and removal. The node, embedded in the timer, only
 * records where its entry is, so that any timer is removed in O(log n) given its
 * node: a cancelled timer leaves the heap at once, and the heap never holds dead
 * entries (CPython keeps them until they pile up).
 *
 * Invariants: a[0..n) is a heap (no entry sorts before its parent at (i-1)/2), and
 * a[i].node->index == i for each entry. The sequence makes the order strict and total.
 */
#ifndef YL_HEAP_H
#define YL_HEAP_H

#include <math.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "yl_error.h"

typedef struct yl__heap_node {
  size_t index; /* where its entry is in the array */
} yl__heap_node_t;

typedef struct yl__heap_entry {
  double when;
  uint64_t seq;
  yl__heap_node_t *node;
} yl__heap_entry_t;

typedef struct yl__heap {
  yl__heap_entry_t *a;
  size_t n, cap;
} yl__heap_t;

#define YL__HEAP_MIN_CAP 64

/* Makes `h` empty. */
static inline void yl__heap_init(yl__heap_t *h) { *h = (yl__heap_t){NULL, 0, 0}; }

/* Frees the array of an empty heap. */
static inline void yl__heap_free(yl__heap_t *h) {
  free(h->a);
  yl__heap_init(h);
}

/* The node sorting first, or NULL if the heap is empty. */
static inline yl__heap_node_t *yl__heap_min(const yl__heap_t *h) { return h->n ? h->a[0].node : NULL; }
/* Its deadline, read from the array (not from the timer), or INFINITY if empty. */
static inline double yl__heap_min_when(const yl__heap_t *h) { return h->n ? h->a[0].when : INFINITY; }

static inline bool yl__heap_less(const yl__heap_entry_t *x, const yl__heap_entry_t *y) {
  return x->when != y->when ? x->when < y->when : x->seq < y->seq;
}

/* Puts `e` at i and records it in its node. */
static inline void yl__heap_place(yl__heap_t *h, size_t i, yl__heap_entry_t e) {
  h->a[i] = e;
  e.node->index = i;
}

/* Places `e` at the hole i or above it, moving the parents it sorts before down. */
static inline void yl__heap_up(yl__heap_t *h, size_t i, yl__heap_entry_t e) {
  while (i > 0 && yl__heap_less(&e, &h->a[(i - 1) / 2])) {
    yl__heap_place(h, i, h->a[(i - 1) / 2]);
    i = (i - 1) / 2;
  }
  yl__heap_place(h, i, e);
}

/* Places `e` at the hole i or below it, moving the smaller children up. */
static inline void yl__heap_down(yl__heap_t *h, size_t i, yl__heap_entry_t e) {
  for (;;) {
    size_t c = 2 * i + 1;
    if (c >= h->n) break;
    if (c + 1 < h->n && yl__heap_less(&h->a[c + 1], &h->a[c])) c++;
    if (!yl__heap_less(&h->a[c], &e)) break;
    yl__heap_place(h, i, h->a[c]);
    i = c;
  }
  yl__heap_place(h, i, e);
}

/* Adds `node` (not in any heap) with its key. O(log n); YL_ENOMEM if the array
 * cannot grow (the heap is unchanged). */
static inline int yl__heap_insert(yl__heap_t *h, yl__heap_node_t *node, double when, uint64_t seq) {
  if (h->n == h->cap) {
    size_t cap = h->cap ? 2 * h->cap : YL__HEAP_MIN_CAP;
    yl__heap_entry_t *a = realloc(h->a, cap * sizeof *a);
    if (!a) return YL_ENOMEM;
    h->a = a;
    h->cap = cap;
  }
  h->n++;
  yl__heap_up(h, h->n - 1, (yl__heap_entry_t){when, seq, node});
  return YL_OK;
}

/* Removes `node`, which must be in `h`. O(log n). The last entry fills its place and
 * moves down or up (it may sort before node's parent: last in position, not in
 * order). The array shrinks by half when a quarter of it is in use. */
static inline void yl__heap_remove(yl__heap_t *h, yl__heap_node_t *node) {
  size_t i = node->index;
  yl__heap_entry_t last = h->a[--h->n];
  if (i < h->n) {
    if (i > 0 && yl__heap_less(&last, &h->a[(i - 1) / 2])) yl__heap_up(h, i, last);
    else yl__heap_down(h, i, last);
  }
  if (h->cap > YL__HEAP_MIN_CAP && h->n <= h->cap / 4) {
    yl__heap_entry_t *a = realloc(h->a, h->cap / 2 * sizeof *a);
    if (a) { /* else keep the larger array */
      h->a = a;
      h->cap /= 2;
    }
  }
}

#endif
