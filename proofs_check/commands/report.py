"""``bnverify report``: run every claim and write a self-contained report with figures."""

from __future__ import annotations

import argparse
from dataclasses import dataclass

from proofs_check.claims import stderr_progress


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--out", default="bnverify-report", metavar="DIR",
                        help="output directory (default: bnverify-report/)")
    parser.add_argument("--quick", action="store_true", help="smaller runs (under a minute)")
    parser.add_argument("--seed", type=int, default=0, help="base seed of every run")


@dataclass
class ReportResult:
    summary: dict

    def to_json(self) -> dict:
        return self.summary

    def to_text(self) -> str:
        s = self.summary
        lines = [f"report written to {s['out']}/ in {s['seconds']:.0f} s"]
        lines += [f"  {k:<26} {v}" for k, v in s["verdicts"].items()]
        return "\n".join(lines)


def run(args: argparse.Namespace) -> ReportResult:
    from proofs_check.report.writer import write_report

    return ReportResult(write_report(args.out, quick=args.quick, seed=args.seed,
                                     progress=stderr_progress))
