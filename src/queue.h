/* An intrusive, circular, doubly-linked queue (libuv's src/queue.h idea).
 *
 * The node lives inside the queued object and the queue's head is a node that belongs
 * to no object: an empty queue is a head pointing at itself, so insertion and removal
 * never branch on "first" or "last" and a node unlinks itself without knowing which
 * queue it is in (the loop relies on that: cancelling a handle removes it from the
 * ready queue or from the batch being run, whichever holds it). Get the object back
 * with YL__CONTAINER_OF.
 */
#ifndef YL_QUEUE_H
#define YL_QUEUE_H

#include <stdbool.h>
#include <stddef.h>

/* The object of type `type` whose member `field` is at `ptr`. */
#define YL__CONTAINER_OF(ptr, type, field) ((type *)((char *)(ptr)-offsetof(type, field)))

typedef struct yl__queue {
  struct yl__queue *next;
  struct yl__queue *prev;
} yl__queue_t;

/* Makes `q` an empty queue (or an unlinked node). */
static inline void yl__queue_init(yl__queue_t *q) { q->next = q->prev = q; }

/* True if the queue holds no node. */
static inline bool yl__queue_empty(const yl__queue_t *q) { return q->next == q; }

/* The first node; only meaningful when the queue is not empty. */
static inline yl__queue_t *yl__queue_head(const yl__queue_t *q) { return q->next; }

/* Appends node `n` at the tail of `q`. */
static inline void yl__queue_push(yl__queue_t *q, yl__queue_t *n) {
  n->next = q;
  n->prev = q->prev;
  n->prev->next = n;
  q->prev = n;
}

/* Unlinks `n` from whatever queue holds it; `n` is left pointing at itself, so a
 * second remove is harmless. */
static inline void yl__queue_remove(yl__queue_t *n) {
  n->prev->next = n->next;
  n->next->prev = n->prev;
  yl__queue_init(n);
}

/* Moves every node of `from` to the (empty) queue `to`, in order; `from` is left
 * empty. O(1). */
static inline void yl__queue_move(yl__queue_t *from, yl__queue_t *to) {
  if (yl__queue_empty(from)) {
    yl__queue_init(to);
    return;
  }
  to->next = from->next;
  to->prev = from->prev;
  to->next->prev = to;
  to->prev->next = to;
  yl__queue_init(from);
}

#endif
