"""Claim ``simplified-model-explains`` (Nachum et al. 2024, claim 2; docs/theory.md section 4)."""

from __future__ import annotations

import math

import numpy as np

from numerics.maps.fast import fast_mean_field_map
from numerics.simulation.simulate import SimulationConfig, simulate
from proofs_check.claims import Claim, ClaimOutcome, Context
from proofs_check.claims._common import cluster_odd_gram
from proofs_check.verdict import Check

LAYER, ACT = "rc,nl", "relu"


def read_cluster_odd(G: np.ndarray) -> dict:
    """Parameters (a, rho, b, gamma) of a cluster-odd member (cluster first, odd last)."""
    a, b = G[0, 0], G[-1, -1]
    return {"a": float(a), "rho": float(G[0, 1] / a), "b": float(b),
            "gamma": float(G[0, -1] / math.sqrt(a * b))}


def reduced_orbit(n: int, start: dict, steps: int) -> tuple[list[dict], float]:
    """Iterate the reduced cluster-odd map, evaluated as F_hat on the family member.

    The family is invariant under F_hat, so reading the parameters of
    ``F_hat(G(params))`` is exactly the reduced map of theory.reduce; the largest
    departure of an image from the family's pattern is returned (float64 rounding).
    """
    orbit, worst = [start], 0.0
    p = start
    for _ in range(steps):
        G = cluster_odd_gram(n, p["a"], p["rho"], p["b"], p["gamma"])
        F = fast_mean_field_map(G, LAYER, ACT).F_hat
        blk = F[:-1, :-1]
        off = blk[~np.eye(n - 1, dtype=bool)]
        worst = max(worst, float(np.ptp(np.diag(blk)) + np.ptp(off) + np.ptp(F[:-1, -1])))
        p = read_cluster_odd(F)
        orbit.append(p)
    return orbit, worst


def two_cluster_orbit(n: int, m: int, rho: float, gamma: float, steps: int) -> np.ndarray:
    """Iterate F_hat from a two-cluster member (m and n-m points); return the last Gram."""
    G = np.full((n, n), gamma)
    G[:m, :m] = rho
    G[m:, m:] = rho
    np.fill_diagonal(G, 1.0)
    for _ in range(steps):
        G = fast_mean_field_map(G, LAYER, ACT).F_hat
    return G


def run(ctx: Context) -> ClaimOutcome:
    n = 6
    steps = 400 if ctx.quick else 1500
    checks, runs = [], []
    starts = [{"a": 1 / (n - 1), "rho": 1 - 1e-4, "b": n - 1.0, "gamma": 0.0},
              {"a": 1 / (n - 1), "rho": 0.99, "b": n - 1.0, "gamma": 0.05},
              {"a": 1.0, "rho": 0.5, "b": 1.0, "gamma": 0.5}]
    ends, worst = [], 0.0
    for s in starts:
        orbit, w = reduced_orbit(n, s, steps)
        worst = max(worst, w)
        ends.append({"start": s, "after_1": orbit[1], "end": orbit[-1]})
    to_co = [e["end"]["rho"] > 1 - 1e-8 and abs(e["end"]["gamma"]) < 1e-8 for e in ends]
    checks.append(Check(
        "numeric", "mean-field", all(to_co),
        f"reduced cluster + odd dynamics (n={n}, F_hat on family members, float64, "
        f"{steps} steps; family preserved to {worst:.1e}): from rho = 1 - 1e-4 the spread "
        f"grows (1 - rho: 1e-4 -> {1 - ends[0]['after_1']['rho']:.2e} after one step) and "
        "every start ends at rho = " + ", ".join(f"{e['end']['rho']:.6f}" for e in ends) +
        ", gamma = " + ", ".join(f"{e['end']['gamma']:.6f}" for e in ends) +
        " (the symmetric fixed point), not at the cluster + odd point",
        {"orbits": ends, "family_departure": worst}))
    G2 = two_cluster_orbit(n, 3, 0.999, 0.0, steps)
    off = G2[~np.eye(n, dtype=bool)]
    checks.append(Check(
        "numeric", "mean-field", bool(np.ptp(off) > 1e-3),
        f"two clusters (3 + 3, inner correlation 0.999, cross 0): after {steps} steps the "
        f"off-diagonal entries span [{off.min():.6f}, {off.max():.6f}] - the clusters dissolve "
        "into the symmetric point (a spread > 1e-3 would mean they persist)",
        {"final_gram": G2}))
    runs.append({"what": "reduced maps", "n": n, "steps": steps})
    cfg = SimulationConfig(n=n, width=4, depth=100, layer=LAYER, activation=ACT,
                           trials=100 if ctx.quick else 300, seed=ctx.seed + 61)
    res = simulate(cfg)
    s = res.summary
    checks.append(Check(
        "simulation", "finite-width", not (s["cluster_odd_ci"][0] > 0),
        f"the reduced mean-field model predicts no trial reaches cluster + odd; at width 4 "
        f"(n={n}, depth 100) {s['cluster_odd_count']}/{cfg.trials} do (Wilson 95% "
        f"[{s['cluster_odd_ci'][0]:.3f}, {s['cluster_odd_ci'][1]:.3f}]), all merges by "
        f"ReLU zeroing ({s['merges_by_mechanism']}), which the mean-field map cannot produce",
        {"summary": {k: s[k] for k in ("cluster_odd_fraction", "cluster_odd_ci",
                                      "merges_by_mechanism")}}))
    runs.append({"what": "simulate", **cfg.to_json()})
    return ClaimOutcome(checks, runs, {"orbits": ends})


CLAIM = Claim(
    id="simplified-model-explains",
    statement="The geometric evolution of a simplified model (one cluster + odd point; two "
              "clusters) explains the emergence of the cluster + odd configuration.",
    source="Nachum, Bondaschi, Gastpar, Khina, 'Batch Normalization Decomposed', "
           "arXiv:2412.02843 (2024), as stated in docs/theory.md section 5, claim 2",
    precise="The reduced mean-field dynamics of F_hat (RC+ReLU) on the cluster-odd and "
            "two-cluster families carries near-cluster starts to the cluster + odd point "
            "(rho = 1, gamma = 0), and so accounts for what finite-width networks do.",
    run=run,
)
