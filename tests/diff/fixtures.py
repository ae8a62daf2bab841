"""Writing the differential tests' fixtures, or checking that the checked-in ones are
current: shared by gen_diff.py and loop_diff.py."""
import os
import sys


def write_or_check(script, files, check, summary):
    """Writes each (path, text) of `files`, or with `check` compares them with what is
    on disk; prints what happened, ending with `summary`. Returns the exit status."""
    if check:
        stale = []
        for path, data in files:
            try:
                with open(path, encoding="utf-8", newline="") as f:
                    current = f.read()
            except FileNotFoundError:
                current = None
            if current != data:
                stale.append(os.path.relpath(path))
        if stale:
            print(f"{script} --check: out of date: {', '.join(stale)}; "
                  f"regenerate with python3 tests/diff/{script}", file=sys.stderr)
            return 1
        print(f"{script} --check: fixtures current ({summary})")
        return 0
    for path, data in files:
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w", encoding="utf-8", newline="") as f:
            f.write(data)
    print(f"wrote {' and '.join(os.path.relpath(p) for p, _ in files)}: {summary}")
    return 0
