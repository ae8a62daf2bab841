"""What the CPython peers of the benchmark (gen_bench.py, loop_bench.py) share."""


def calibrate(fn, target):
    """Iterations for about `target` seconds of fn(n) (its seconds for n iterations):
    doubles n from 1000 until a run takes 50 ms, then scales (also the warm-up)."""
    n = 1000
    while True:
        t = fn(n)
        if t >= 0.05:
            return max(1000, int(n * target / t))
        n *= 2
