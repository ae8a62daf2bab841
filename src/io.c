/* Readers: descriptors watched with poll(). A reader is a handle registered in the
 * loop's table and queued again each time poll() finds its descriptor ready; the
 * table is kept in registration order, so readers ready together run in that order.
 * poll() is O(watched descriptors) per wait, which suits the few pipes of child
 * processes this is for; epoll can replace it behind yl_loop_poll(). */
#include <errno.h>
#include <math.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>

#include "loop.h"

/* CPython's MAXIMUM_SELECT_TIMEOUT: a day, in milliseconds for poll(). */
#define YL__MAX_POLL_MS (24 * 3600 * 1000)

static yl__reader_t *find(yl_loop_t *loop, int fd) {
  for (size_t i = 0; i < loop->nreaders; i++)
    if (loop->readers[i].fd == fd) return &loop->readers[i];
  return NULL;
}

/* Room for one more reader in both arrays. */
static int grow(yl_loop_t *loop) {
  if (loop->nreaders < loop->readers_cap) return YL_OK;
  size_t cap = loop->readers_cap ? 2 * loop->readers_cap : 4;
  yl__reader_t *r = realloc(loop->readers, cap * sizeof *r);
  if (!r) return YL_ENOMEM;
  loop->readers = r; /* larger than needed if the next one fails: harmless */
  struct pollfd *p = realloc(loop->pollfds, cap * sizeof *p);
  if (!p) return YL_ENOMEM;
  loop->pollfds = p;
  loop->readers_cap = cap;
  return YL_OK;
}

int yl_loop_add_reader(yl_loop_t *loop, int fd, yl_loop_fn fn, void *arg) {
  if (loop->state == YL__LOOP_CLOSED) return YL_ECLOSED;
  if (fd < 0 || !fn) return YL_EINVAL;
  yl__reader_t *old = find(loop, fd);
  if (!old && grow(loop) < 0) return YL_ENOMEM;
  yl_handle_t *h = yl__handle_new(loop, YL__H_READER, fn, arg);
  if (!h) return YL_ENOMEM;
  h->state = YL__H_WATCHING;
  if (old) { /* CPython replaces the reader, cancelling the old handle */
    yl__handle_end(old->h, YL__H_CANCELLED);
    old->h = h;
    return YL_OK;
  }
  loop->readers[loop->nreaders++] = (yl__reader_t){fd, h};
  return YL_OK;
}

int yl_loop_remove_reader(yl_loop_t *loop, int fd) {
  yl__reader_t *r = loop->state == YL__LOOP_CLOSED ? NULL : find(loop, fd);
  if (!r) return 0;
  yl__handle_end(r->h, YL__H_CANCELLED);
  size_t i = (size_t)(r - loop->readers);
  memmove(r, r + 1, (loop->nreaders - i - 1) * sizeof *r);
  loop->nreaders--;
  return 1;
}

int yl_loop_poll(yl_loop_t *loop, double timeout) {
  int ms;
  if (!(timeout > 0))
    ms = 0;
  else if (isinf(timeout))
    ms = -1;
  else if (timeout * 1000 >= YL__MAX_POLL_MS)
    ms = YL__MAX_POLL_MS;
  else { /* rounded up: waking before the deadline would only mean waiting again */
    double t = timeout * 1000;
    ms = (int)t;
    if (ms < t) ms++;
  }
#ifdef __EMSCRIPTEN__
  /* The thread is the JS event loop's: look without blocking, and if there is
   * nothing to see, say that the wait cannot happen. */
  bool would_block = ms != 0;
  ms = 0;
#else
  bool would_block = false;
#endif
  if (loop->nreaders == 0 && ms == 0) return would_block ? YL_EWOULDBLOCK : 0;
  for (size_t i = 0; i < loop->nreaders; i++)
    loop->pollfds[i] = (struct pollfd){.fd = loop->readers[i].fd, .events = POLLIN};
  int n = poll(loop->pollfds, (nfds_t)loop->nreaders, ms);
  if (n < 0) return errno == EINTR ? 0 : YL_EINVAL; /* a signal: a wake-up like any */
  if (n == 0 && would_block) return YL_EWOULDBLOCK;
  int queued = 0;
  for (size_t i = 0; i < loop->nreaders && n > 0; i++) {
    if (!loop->pollfds[i].revents) continue;
    n--;
    /* Any event counts, POLLNVAL too: the reader then sees its error (say EBADF)
     * instead of poll() returning at once, forever, with nobody told. */
    yl_handle_t *h = loop->readers[i].h;
    if (h->state == YL__H_WATCHING) {
      yl__handle_queue(loop, h);
      queued++;
    }
  }
  return queued;
}

void yl__readers_close(yl_loop_t *loop) {
  for (size_t i = 0; i < loop->nreaders; i++) yl__handle_end(loop->readers[i].h, YL__H_DONE);
  free(loop->readers);
  free(loop->pollfds);
  loop->readers = NULL;
  loop->pollfds = NULL;
  loop->nreaders = loop->readers_cap = 0;
}
