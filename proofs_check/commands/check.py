"""``bnverify check``: run the claims' checks and print their verdicts."""

from __future__ import annotations

import argparse
from dataclasses import dataclass

from proofs_check.claims import list_claims, run_claims, stderr_progress
from proofs_check.verdict import ClaimResult

EXIT_1 = "with --strict: a claim is not 'confirmed'"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--claim", action="append", metavar="ID", default=None,
                        help="a claim id (repeatable); default: all of " +
                        ", ".join(list_claims()))
    parser.add_argument("--quick", action="store_true",
                        help="smaller grids and fewer trials (about half a minute)")
    parser.add_argument("--strict", action="store_true",
                        help="exit 1 when any claim is not 'confirmed'")
    parser.add_argument("--seed", type=int, default=0, help="base seed of every run")


@dataclass
class CheckResult:
    """The verdicts of the claims run."""

    claims: list[ClaimResult]
    strict: bool = False

    @property
    def exit_code(self) -> int:
        if self.strict and any(c.verdict != "confirmed" for c in self.claims):
            return 1
        return 0

    def to_json(self) -> dict:
        return {"claims": [c.to_json() for c in self.claims]}

    def table(self) -> str:
        w = max(len(c.id) for c in self.claims)
        lines = [f"{'claim':<{w}}  verdict", f"{'-' * w}  {'-' * 16}"]
        lines += [f"{c.id:<{w}}  {c.verdict}" for c in self.claims]
        return "\n".join(lines)

    def to_text(self) -> str:
        return "\n\n".join([self.table()] + [c.to_text() for c in self.claims])


def run(args: argparse.Namespace) -> CheckResult:
    progress = None if getattr(args, "json", False) else stderr_progress
    results = run_claims(args.claim, quick=args.quick, seed=args.seed,
                         progress=progress or stderr_progress)
    return CheckResult(results, strict=args.strict)
