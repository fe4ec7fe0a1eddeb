"""The system under faults, or a soak without them.

    python -m bench.faults --seed N [--short] [--minutes M] [--no-faults]
    python -m bench.faults --seed N --soak [--minutes 20] [--rate 1.0] [--every 30]

Prints the seed and the schedule first; the same seed gives the same schedule and workload.
Exits non-zero when any check fails.
"""

import argparse
import asyncio
import logging
import sys
from dataclasses import replace
from pathlib import Path

from bench.faults.checker import totals
from bench.faults.run import LONG, SHORT, fault_run
from bench.faults.soak import soak_run
from bench.faults.verdict import Check


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seed", type=int, required=True)
    parser.add_argument("--short", action="store_true", help="the short form (the e2e test's size)")
    parser.add_argument("--minutes", type=float, help="how long the workload sends")
    parser.add_argument("--no-faults", action="store_true")
    parser.add_argument("--soak", action="store_true", help="a steady run without faults")
    parser.add_argument("--rate", type=float, default=1.0, help="soak: profile changes per second")
    parser.add_argument("--every", type=float, default=30.0, help="soak: seconds between samples")
    parser.add_argument("--out", type=Path, default=Path(".local/faults"))
    args = parser.parse_args()
    logging.getLogger("aiokafka").setLevel(logging.CRITICAL)  # a broker restart floods it
    if args.soak:
        soaked = soak_run(args.seed, args.minutes or 20, args.out, rate=args.rate, every=args.every)
        return _verdict(args.seed, asyncio.run(soaked))
    size = SHORT if args.short else LONG
    if args.minutes:
        size = replace(size, minutes=args.minutes)
    return _verdict(
        args.seed, asyncio.run(fault_run(args.seed, size, args.out, faults=not args.no_faults))
    )


def _verdict(seed: int, checks: list[Check]) -> int:
    t = totals(checks)
    print(f"seed {seed}: lost {t['lost']}, doubled {t['doubled']}, wrong {t['wrong']}")
    return 0 if all(c.passed for c in checks) else 1


if __name__ == "__main__":
    sys.exit(main())
