"""CPython's asyncio, timed as scripts/bench/loop_bench.c times yieldloop's event loop.

Cases (see loop_bench.c):
  call_soon   ns per callback: a driver callback schedules 1000 no-op callbacks with
              loop.call_soon and itself after them (one batch per loop iteration)
  call_later  ns per timer: 200k loop.call_later with deadlines spread pseudo-randomly
              over 1000 s, on a virtual-time loop (a SelectorEventLoop whose time()
              is logical and whose selector, instead of sleeping, advances that time
              by the timeout asked for, as asyncio's own test_utils.TestLoop does)
  switch      ns per task switch: 100 tasks each `await asyncio.sleep(0)` in a loop
  mem         resident memory growth (/proc/self/statm) per pending task: N tasks
              each run to `await fut` on one never-done future

Usage: python3 loop_bench.py [--case all|call_soon|call_later|switch|mem[,...]]
                             [--time S] [--reps R] [--timers N] [--ntasks N] [--mem-tasks N]
Prints one line per repetition, as loop_bench does:
  case=call_soon iters=400000 ns=1270.000
"""
import argparse
import asyncio
import selectors
import time

from benchlib import calibrate

BATCH = 1000


def new_loop():
    return asyncio.SelectorEventLoop()


def time_call_soon(n):
    loop = new_loop()
    batches = (n + BATCH - 1) // BATCH
    state = {'left': batches, 'done': 0}

    def noop():
        state['done'] += 1

    def driver():
        if state['left'] == 0:
            loop.stop()
            return
        state['left'] -= 1
        call_soon = loop.call_soon
        for _ in range(BATCH):
            call_soon(noop)
        call_soon(driver)

    t0 = time.perf_counter()
    loop.call_soon(driver)
    loop.run_forever()
    t = time.perf_counter() - t0
    loop.close()
    assert state['done'] == batches * BATCH
    return t * n / (batches * BATCH)


class VirtualSelector(selectors.DefaultSelector):
    """select(timeout) returns at once, moving the loop's logical clock on instead; it
    polls nothing (as TestLoop's selector): nothing here waits on a descriptor."""

    def __init__(self):
        super().__init__()
        self.now = 0.0

    def select(self, timeout=None):
        if timeout is not None and timeout > 0:
            self.now += timeout
        return []


class VirtualLoop(asyncio.SelectorEventLoop):
    def __init__(self):
        self._vsel = VirtualSelector()
        super().__init__(self._vsel)

    def time(self):
        return self._vsel.now


def time_call_later(n):
    loop = VirtualLoop()
    state = {'left': n}

    def fired():
        state['left'] -= 1
        if state['left'] == 0:
            loop.stop()

    x = 88172645463325252
    mask = (1 << 64) - 1
    t0 = time.perf_counter()
    call_later = loop.call_later
    for _ in range(n):
        x ^= (x << 13) & mask
        x ^= x >> 7
        x ^= (x << 17) & mask
        call_later((x % 1000000) * 1e-3, fired)
    loop.run_forever()
    t = time.perf_counter() - t0
    loop.close()
    assert state['left'] == 0
    return t


def time_switch(n, ntasks):
    rounds = (n + ntasks - 1) // ntasks

    async def switcher():
        sleep = asyncio.sleep
        for _ in range(rounds):
            await sleep(0)

    async def main():
        t0 = time.perf_counter()
        await asyncio.gather(*(switcher() for _ in range(ntasks)))
        return time.perf_counter() - t0

    loop = new_loop()
    t = loop.run_until_complete(main())
    loop.close()
    return t * n / (rounds * ntasks)


def rss_bytes():
    with open('/proc/self/statm') as f:
        return int(f.read().split()[1]) * 4096


def run_mem(n):
    loop = new_loop()
    fut = loop.create_future()

    async def waiter():
        return await fut

    rss0 = rss_bytes()
    tasks = [loop.create_task(waiter()) for _ in range(n)]
    loop.run_until_complete(asyncio.sleep(0))  # every task runs to its await
    ok = sum(not t.done() for t in tasks)
    rss1 = rss_bytes()
    print(f'case=mem tasks={n} ok={ok} bytes_per_task={(rss1 - rss0) / ok:.0f} '
          f'rss_before={rss0} rss_after={rss1}', flush=True)
    fut.set_result(None)
    loop.run_until_complete(asyncio.gather(*tasks))
    loop.close()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--case', default='all')
    ap.add_argument('--time', type=float, default=0.25)
    ap.add_argument('--reps', type=int, default=1)
    ap.add_argument('--timers', type=int, default=200000)
    ap.add_argument('--ntasks', type=int, default=100)
    ap.add_argument('--mem-tasks', type=int, default=100000)
    a = ap.parse_args()
    cases = a.case.split(',')
    want = lambda c: 'all' in cases or c in cases  # noqa: E731

    def run(name, fn, fixed=0):
        n = fixed or calibrate(fn, a.time)
        if fixed:
            fn(n)  # warm-up
        for _ in range(a.reps):
            t = fn(n)
            print(f'case={name} iters={n} ns={t * 1e9 / n:.3f}', flush=True)

    if want('call_soon'):
        run('call_soon', time_call_soon)
    if want('call_later'):
        run('call_later', time_call_later, a.timers)
    if want('switch'):
        run('switch', lambda n: time_switch(n, a.ntasks))
    if want('mem'):
        run_mem(a.mem_tasks)


if __name__ == '__main__':
    main()
