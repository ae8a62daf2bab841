/* An intrusive binary min-heap (the shape of libuv's src/heap-inl.h).
 *
 * The node lives inside the object (a timer handle), so inserting allocates nothing
 * and any node can be removed in O(log n) given only its address: a cancelled timer
 * leaves the heap at once, and the heap never holds dead entries.
 *
 * Invariants: the nodes form a complete binary tree linked by left/right/parent
 * pointers, filled level by level from the left, with h->n nodes and h->min at the
 * root; every node is not less than its parent under the caller's `less`. The
 * ordering must be strict and total (the loop compares deadlines, then a sequence
 * number) for "the minimum" to be well defined.
 *
 * Finding the last position. Number the nodes 1..n level by level (root 1, the
 * children of k are 2k and 2k+1). Then the binary digits of k after its leading 1,
 * read from the most significant, spell the way down from the root to node k:
 * 0 is left, 1 is right. Position n+1 is where an insertion goes, position n is the
 * node that fills the hole a removal leaves. Both are reached in O(log n) steps
 * without any array.
 */
#ifndef YL_HEAP_H
#define YL_HEAP_H

#include <stdbool.h>
#include <stddef.h>

typedef struct yl__heap_node {
  struct yl__heap_node *left;
  struct yl__heap_node *right;
  struct yl__heap_node *parent;
} yl__heap_node_t;

typedef struct yl__heap {
  yl__heap_node_t *min; /* the root, NULL when empty */
  size_t n;             /* number of nodes */
} yl__heap_t;

/* True if a sorts strictly before b. */
typedef bool (*yl__heap_less)(const yl__heap_node_t *a, const yl__heap_node_t *b);

/* Makes `h` empty. */
static inline void yl__heap_init(yl__heap_t *h) {
  h->min = NULL;
  h->n = 0;
}

/* The smallest node, or NULL if the heap is empty. */
static inline yl__heap_node_t *yl__heap_min(const yl__heap_t *h) { return h->min; }

/* The link that points at `node`: its parent's left or right, or the root. */
static inline yl__heap_node_t **yl__heap_link(yl__heap_t *h, yl__heap_node_t *node) {
  if (!node->parent) return &h->min;
  return node->parent->left == node ? &node->parent->left : &node->parent->right;
}

/* The link that points at position k (1-based; it may be NULL, one past the end). */
static inline yl__heap_node_t **yl__heap_path(yl__heap_t *h, size_t k, yl__heap_node_t **parent) {
  int depth = 0;
  for (size_t t = k; t > 1; t >>= 1) depth++;
  yl__heap_node_t **link = &h->min;
  *parent = NULL;
  for (int i = depth - 1; i >= 0; i--) {
    *parent = *link;
    link = ((k >> i) & 1) ? &(*parent)->right : &(*parent)->left;
  }
  return link;
}

/* Exchanges `p` and its child `c` in the tree: c takes p's place, p takes c's. */
static inline void yl__heap_swap(yl__heap_t *h, yl__heap_node_t *p, yl__heap_node_t *c) {
  yl__heap_node_t *cl = c->left, *cr = c->right;
  *yl__heap_link(h, p) = c;
  c->parent = p->parent;
  if (p->left == c) {
    c->left = p;
    c->right = p->right;
    if (c->right) c->right->parent = c;
  } else {
    c->right = p;
    c->left = p->left;
    if (c->left) c->left->parent = c;
  }
  p->parent = c;
  p->left = cl;
  p->right = cr;
  if (cl) cl->parent = p;
  if (cr) cr->parent = p;
}

/* Moves `node` up while it is less than its parent. */
static inline void yl__heap_up(yl__heap_t *h, yl__heap_node_t *node, yl__heap_less less) {
  while (node->parent && less(node, node->parent)) yl__heap_swap(h, node->parent, node);
}

/* Adds `node` (not in any heap). O(log n). */
static inline void yl__heap_insert(yl__heap_t *h, yl__heap_node_t *node, yl__heap_less less) {
  yl__heap_node_t *parent;
  yl__heap_node_t **link = yl__heap_path(h, h->n + 1, &parent);
  node->left = node->right = NULL;
  node->parent = parent;
  *link = node;
  h->n++;
  yl__heap_up(h, node, less);
}

/* Removes `node`, which must be in `h`. O(log n). The last node fills its place and
 * is moved down or up to restore the order (it may be smaller than node's parent:
 * "last" is last in position, not in order). */
static inline void yl__heap_remove(yl__heap_t *h, yl__heap_node_t *node, yl__heap_less less) {
  yl__heap_node_t *parent;
  yl__heap_node_t **last_link = yl__heap_path(h, h->n, &parent);
  yl__heap_node_t *last = *last_link;
  *last_link = NULL; /* if last was node's child, node's left/right is cleared here */
  h->n--;
  if (last != node) {
    last->left = node->left;
    last->right = node->right;
    last->parent = node->parent;
    if (last->left) last->left->parent = last;
    if (last->right) last->right->parent = last;
    *yl__heap_link(h, node) = last;
    for (;;) { /* down: swap with the smaller child while one is smaller */
      yl__heap_node_t *smallest = last;
      if (last->left && less(last->left, smallest)) smallest = last->left;
      if (last->right && less(last->right, smallest)) smallest = last->right;
      if (smallest == last) break;
      yl__heap_swap(h, last, smallest);
    }
    yl__heap_up(h, last, less);
  }
  node->left = node->right = node->parent = NULL;
}

#endif
