"""Roster benchmark.

``python bench/roster.py --solver-only`` plans one year for 50 people (10 % of the
person-days absent) with :func:`supportdesk.roster.planning.solve` and prints the figures
as ``name: value`` lines. The HTTP latency part is added later.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
for path in (ROOT, ROOT / "bench"):
    if str(path) not in sys.path:
        sys.path.insert(0, str(path))

from roster_solver import figures, year_request  # noqa: E402

from supportdesk.roster.planning import solve  # noqa: E402


def bench_generate(people: int = 50, absent_share: float = 0.10, seed: int = 1) -> dict[str, float]:
    """Plan one year and return the time it took plus the plan's quality figures."""
    request = year_request(people=people, absent_share=absent_share, seed=seed)
    started = time.perf_counter()
    from ortools.sat.python import cp_model  # noqa: F401  (solve() imports it lazily)

    imported = time.perf_counter() - started
    started = time.perf_counter()
    result = solve(request)
    seconds = time.perf_counter() - started
    out: dict[str, float] = {
        f"generate_one_year_{people}_people_seconds": round(seconds, 3),
        "ortools_import_seconds": round(imported, 3),
    }
    out.update(figures(request, result))
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--solver-only", action="store_true", help="only the plan generation")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    for name, value in bench_generate(seed=args.seed).items():
        print(f"{name}: {value}")
    if not args.solver_only:
        print("http part: not implemented yet", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
