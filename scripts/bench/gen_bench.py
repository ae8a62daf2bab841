"""CPython's generators, timed as scripts/bench/yl_bench.c times yieldloop's.

Cases (ns per round trip: one send, one value yielded back):
  send    g.send(1) to `acc = 0; while True: acc += yield acc`
  depth   the same sent to the outermost of D delegators, each `return (yield from sub)`,
          the innermost being the echo generator (depth 1: one yield from)

Usage: python3 gen_bench.py [--case all|send|depth[,...]] [--depth 1,4,16]
                            [--iters N] [--time S] [--reps R]
Prints one line per repetition, as yl_bench does:
  case=send depth=0 frames=0 iters=4000000 ns=41.200
"""
import argparse
import sys
import time

from benchlib import calibrate


def echo():
    acc = 0
    while True:
        acc += yield acc


def delegator(sub):
    return (yield from sub)


def chain(depth):
    g = echo()
    for _ in range(depth):
        g = delegator(g)
    next(g)
    return g


def send_loop(g, n):
    send = g.send
    acc = 0
    t0 = time.perf_counter()
    for _ in range(n):
        acc += send(1)
    t = time.perf_counter() - t0
    if acc < 0:
        print(acc)  # keeps acc live, as the C loops' volatile sink does
    return t


def time_case(depth, n):
    return send_loop(chain(depth), n)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--case', default='all')
    ap.add_argument('--depth', default='1,4,16')
    ap.add_argument('--iters', type=int, default=0)
    ap.add_argument('--time', type=float, default=0.25)
    ap.add_argument('--reps', type=int, default=1)
    a = ap.parse_args()
    cases = ['send', 'depth'] if a.case == 'all' else a.case.split(',')
    print(f'python={sys.version.split()[0]} implementation={sys.implementation.name}')
    runs = []
    if 'send' in cases:
        runs.append(('send', 0))
    if 'depth' in cases:
        runs += [('depth', int(d)) for d in a.depth.split(',') if d]
    for name, depth in runs:
        n = a.iters or calibrate(lambda n: time_case(depth, n), a.time)
        for _ in range(a.reps):
            t = time_case(depth, n)
            print(f'case={name} depth={depth} frames=0 iters={n} ns={t * 1e9 / n:.3f}', flush=True)


if __name__ == '__main__':
    main()
