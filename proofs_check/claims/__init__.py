"""The claims registry: one module per claim, each registering a :class:`Claim`.

A claim module defines ``CLAIM = Claim(id, statement, source, precise, run)``
where ``run(ctx) -> ClaimOutcome`` computes its checks.  Adding a claim means
adding one module and one line to :data:`MODULES`.
"""

from __future__ import annotations

import importlib
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from proofs_check.verdict import Check, ClaimResult
from theory.errors import UnknownNameError

#: claim id -> module under proofs_check.claims (the registry: one line per claim).
MODULES: dict[str, str] = {
    "cluster-odd-emerges": "cluster_odd_emerges",
    "simplified-model-explains": "simplified_model",
    "cluster-odd-stable": "cluster_odd_stable",
    "cluster-odd-invariant": "cluster_odd_invariant",
    "symmetric-fixed-point": "symmetric_fixed_point",
    "rs-orthogonalises": "rs_orthogonalises",
    "bn-gradient-explosion": "bn_gradient",
    "relu-correlation-slow": "relu_correlation",
    "relu-rank-growth": "relu_rank_growth",
    "global-attractor": "global_attractor",
}


@dataclass
class Context:
    """How a claim is run: quick or full, the base seed, and a progress printer."""

    quick: bool = False
    seed: int = 0
    progress: Callable[[str], None] | None = None

    def say(self, message: str) -> None:
        if self.progress is not None:
            self.progress(message)


@dataclass
class ClaimOutcome:
    """What a claim's ``run`` returns: checks, run parameters (seeds) and figure data."""

    checks: list[Check]
    runs: list[dict] = field(default_factory=list)
    data: dict = field(default_factory=dict)


@dataclass(frozen=True)
class Claim:
    """A registered claim: id, statement in plain words, citation, precise version, checks."""

    id: str
    statement: str
    source: str
    precise: str
    run: Callable[[Context], ClaimOutcome]

    def evaluate(self, ctx: Context) -> ClaimResult:
        t0 = time.perf_counter()
        out = self.run(ctx)
        return ClaimResult(self.id, self.statement, self.source, self.precise, out.checks,
                           runs=out.runs, data=out.data, seconds=time.perf_counter() - t0)


def list_claims() -> list[str]:
    """The registered claim ids, in registry order."""
    return list(MODULES)


def get_claim(claim_id: str) -> Claim:
    """The :class:`Claim` with this id; :class:`UnknownNameError` lists the ids otherwise."""
    key = str(claim_id).strip().lower()
    if key not in MODULES:
        raise UnknownNameError(f"unknown claim {claim_id!r} (claims: {', '.join(MODULES)})")
    return importlib.import_module(f"proofs_check.claims.{MODULES[key]}").CLAIM


def run_claims(ids: Sequence[str] | None = None, *, quick: bool = False, seed: int = 0,
               progress: Callable[[str], None] | None = None) -> list[ClaimResult]:
    """Evaluate the claims ``ids`` (all when ``None``), in registry order of the request."""
    wanted = list(ids) if ids else list_claims()
    claims = [get_claim(i) for i in wanted]  # validate every id before running any
    ctx = Context(quick=quick, seed=seed, progress=progress)
    out = []
    for claim in claims:
        ctx.say(f"claim {claim.id} ...")
        res = claim.evaluate(ctx)
        ctx.say(f"claim {claim.id}: {res.verdict} ({res.seconds:.1f} s)")
        out.append(res)
    return out


def stderr_progress(message: str) -> None:
    """Progress line on stderr (flushed)."""
    print(f"bnverify: {message}", file=sys.stderr, flush=True)


__all__ = ["Claim", "ClaimOutcome", "Context", "MODULES", "get_claim", "list_claims",
           "run_claims", "stderr_progress"]
