"""Claim ``cluster-odd-emerges`` (Nachum et al. 2024, claim 1; docs/theory.md section 5)."""

from __future__ import annotations

import math

import numpy as np

from numerics.fixed_points.search import find_fixed_points
from numerics.simulation.simulate import SimulationConfig, simulate
from proofs_check.claims import Claim, ClaimOutcome, Context
from proofs_check.claims._common import cluster_odd_gram, iterate_shape_map, random_grams
from proofs_check.verdict import Check

LAYER, ACT = "rc,nl", "relu"


def _params(quick: bool) -> dict:
    if quick:
        return {"ns": [4, 8], "widths": [4, 8, 16, 32], "depth": 100, "trials": 100,
                "every": 5, "mf_starts": 10, "mf_steps": 800}
    return {"ns": [4, 8], "widths": [4, 6, 8, 16, 32], "depth": 200, "trials": 300,
            "every": 5, "mf_starts": 30, "mf_steps": 1000}


def _finite_width(ctx: Context, p: dict) -> tuple[list[Check], list[dict], dict]:
    runs, table = [], {}
    for n in p["ns"]:
        for d in p["widths"]:
            cfg = SimulationConfig(n=n, width=d, depth=p["depth"], layer=LAYER, activation=ACT,
                                   trials=p["trials"], seed=ctx.seed + 1000 * n + d,
                                   every=p["every"])
            res = simulate(cfg)
            s = res.summary
            hit = [t for t in res.trials if t.first_cluster_odd_layer is not None]
            left = sum(1 for t in hit if sorted(map(len, t.clusters)) != [1, n - 1])
            zero = sum(1 for t in hit if not t.cluster_odd
                       and sorted(map(len, t.clusters)) == [1, n - 1])
            table[(n, d)] = {"layers": [b["layer"] for b in s["by_layer"]],
                             "fraction": [b["cluster_odd_fraction"] for b in s["by_layer"]],
                             "ci": [b["cluster_odd_ci"] for b in s["by_layer"]],
                             "mechanism": s["merges_by_mechanism"],
                             "odd_norm_ratio": s["odd_norm_ratio"],
                             "odd_abs_cos": s["odd_abs_cos"], "left_after_hitting": left,
                             "zero_vector_after_hitting": zero,
                             "first_hit": s["first_cluster_odd_layer"]}
            runs.append({"what": "simulate", **cfg.to_json()})
            ctx.say(f"  cluster-odd-emerges: n={n} d={d} final fraction "
                    f"{s['cluster_odd_fraction']:.2f}")
    checks = []
    dmin = min(p["widths"])
    grow, ev = [], {}
    for n in p["ns"]:
        t = table[(n, dmin)]
        early = t["ci"][min(2, len(t["ci"]) - 1)]
        final = t["ci"][-1]
        grow.append(final[0] > early[1])
        ev[f"n={n}"] = {"width": dmin, "layer_early": t["layers"][min(2, len(t["layers"]) - 1)],
                        "fraction_early": t["fraction"][min(2, len(t["fraction"]) - 1)],
                        "ci_early": early, "layer_final": t["layers"][-1],
                        "fraction_final": t["fraction"][-1], "ci_final": final}
    checks.append(Check(
        "simulation", "finite-width", all(grow),
        f"at width {dmin} the fraction of trials in cluster + odd grows with depth for every "
        f"n in {p['ns']} (Wilson 95% CI at layer {p['depth']} above the CI at layer "
        f"{2 * p['every']}): " + ", ".join(
            f"n={n}: {ev[f'n={n}']['fraction_final']:.2f} {ev[f'n={n}']['ci_final'][0]:.2f}-"
            f"{ev[f'n={n}']['ci_final'][1]:.2f}" for n in p["ns"]),
        {**ev, "trials": p["trials"], "confidence": 0.95, "interval": "Wilson"}))
    left = sum(t["left_after_hitting"] for t in table.values())
    zero = sum(t["zero_vector_after_hitting"] for t in table.values())
    checks.append(Check(
        "simulation", "finite-width", left == 0,
        f"absorbing: of the trials that reached the configuration, {left} changed their "
        f"partition (n-1 identical + 1) again; {zero} ended with the cluster or odd vector "
        "exactly zero or below float range (partition kept; a zero vector is orthogonal to "
        f"everything) (all n, widths {p['widths']}, {p['trials']} trials each)",
        {"partition_left_after_hitting": left, "zero_vector_after_hitting": zero}))
    mech = {"zeroed": 0, "met": 0}
    for t in table.values():
        for k in mech:
            mech[k] += t["mechanism"][k]
    rates = {}
    for (n, d), t in table.items():
        f = t["fraction"][-1]
        rate = -math.log(1 - f) / p["depth"] if f < 1 else math.inf
        rates[f"n={n},d={d}"] = {"fraction": f, "ci": t["ci"][-1],
                                 "hitting_rate_per_layer": rate}
    checks.append(Check(
        "simulation", "finite-width", None,
        f"width dependence: fraction at layer {p['depth']} falls fast with width (e.g. " +
        ", ".join(f"n={n} d={d}: {table[(n, d)]['fraction'][-1]:.2f}"
                  for n in p["ns"][:1] for d in p["widths"]) +
        "); exact merges are rare at large width",
        {"by_cell": rates}, decisive=False))
    ratio = {f"n={n}": table[(n, dmin)]["odd_norm_ratio"] for n in p["ns"]}
    checks.append(Check(
        "simulation", "finite-width", None,
        f"merge mechanism: {mech['zeroed']} merges by a point sent to the zero vector by ReLU "
        f"(all pre-activations negative), {mech['met']} by points meeting elsewhere; odd/cluster "
        "norm ratio at width "
        f"{dmin}: " + ", ".join(f"{k}: {v['mean']:.3g}" if v["mean"] is not None else f"{k}: -"
                                for k, v in ratio.items()),
        {"merges_by_mechanism": mech, "odd_norm_ratio": ratio,
         "mean_field_norm_ratio": {f"n={n}": n - 1 for n in p["ns"]}}, decisive=False))
    return checks, runs, {"fractions": {f"{n},{d}": v for (n, d), v in table.items()},
                          "depth": p["depth"]}


def _mean_field(ctx: Context, p: dict) -> tuple[list[Check], list[dict], dict]:
    rng = np.random.default_rng(ctx.seed + 7)
    checks, runs, data = [], [], {}
    ends = {}
    for n in p["ns"]:
        sym = find_fixed_points("symmetric", n, LAYER, ACT).fixed_points
        rho = float(next(f for f in sym if not f.degenerate).parameters["rho"])
        Gsym = (1 - rho) * np.eye(n) + rho
        co = cluster_odd_gram(n, 1 / (n - 1), 1.0, n - 1.0, 0.0)
        G0 = random_grams(rng, p["mf_starts"], n)
        G, _, err = iterate_shape_map(G0, LAYER, ACT, p["mf_steps"])
        d_sym = np.linalg.norm(G - Gsym, axis=(1, 2))
        d_co = np.full(len(G), np.inf)
        for k in range(n):  # every choice of odd point
            perm = np.r_[[i for i in range(n) if i != k], k]
            d_co = np.minimum(d_co, np.linalg.norm(G[:, perm][:, :, perm] - co, axis=(1, 2)))
        near_co = int(np.sum(d_co < 1e-6))
        near_sym = int(np.sum(d_sym < 1e-6))
        interior = []
        for t in np.nonzero((d_sym >= 1e-6) & (d_co >= 1e-6))[0]:
            k = int(np.argmax(np.diag(G[t])))
            rest = [i for i in range(n) if i != k]
            blk = G[t][np.ix_(rest, rest)]
            off = blk[~np.eye(n - 1, dtype=bool)]
            if np.ptp(np.diag(blk)) < 1e-6 and np.ptp(off) < 1e-6:
                a, b = float(blk[0, 0]), float(G[t][k, k])
                interior.append({"a": a, "rho": float(off[0] / a), "b": b,
                                 "gamma": float(G[t][rest[0], k] / np.sqrt(a * b)),
                                 "odd_norm_ratio": float(np.sqrt(b / a))})
        ends[f"n={n}"] = {"starts": len(G), "near_cluster_odd": near_co,
                          "near_symmetric": near_sym,
                          "interior_cluster_odd_family": len(interior),
                          "interior_examples": interior[:3],
                          "max_distance_to_symmetric":
                          float(d_sym.max()), "min_distance_to_cluster_odd": float(d_co.min()),
                          "rho_symmetric": rho, "map_error_per_step": err}
        runs.append({"what": "mean-field iteration", "n": n, "starts": p["mf_starts"],
                     "steps": p["mf_steps"], "seed": ctx.seed + 7, "layer": LAYER,
                     "activation": ACT, "precision": "float64 closed-form map"})
    total = sum(e["starts"] for e in ends.values())
    co_hits = sum(e["near_cluster_odd"] for e in ends.values())
    sym_hits = sum(e["near_symmetric"] for e in ends.values())
    inter = {k: v for k, v in ends.items() if v["interior_cluster_odd_family"]}
    checks.append(Check(
        "numeric", "mean-field", None,
        "mean-field attractors besides the symmetric point: " + ("; ".join(
            f"{k}: {v['interior_cluster_odd_family']}/{v['starts']} starts end at an interior "
            f"cluster-odd fixed point a={v['interior_examples'][0]['a']:.4f}, "
            f"rho={v['interior_examples'][0]['rho']:.4f}, b={v['interior_examples'][0]['b']:.4f}, "
            f"gamma={v['interior_examples'][0]['gamma']:.4f} (odd point "
            f"{v['interior_examples'][0]['odd_norm_ratio']:.2f}x longer, nearly orthogonal; "
            "cluster NOT merged)" for k, v in inter.items()) if inter else "none found"),
        {k: v["interior_examples"] for k, v in inter.items()}, decisive=False))
    checks.append(Check(
        "numeric", "mean-field", co_hits > total / 2,
        f"iterating F_hat (RC+ReLU) {p['mf_steps']} times from {total} random Grams "
        f"(n in {p['ns']}): {co_hits} end within 1e-6 of the cluster + odd point (rho = 1, "
        f"gamma = 0), {sym_hits} at the symmetric fixed point, the rest at another point of "
        "the cluster-odd family (see the context check)",
        {"by_n": ends, "tolerance_frobenius": 1e-6}))
    data["mean_field_ends"] = ends
    return checks, runs, data


def run(ctx: Context) -> ClaimOutcome:
    p = _params(ctx.quick)
    c1, r1, d1 = _finite_width(ctx, p)
    c2, r2, d2 = _mean_field(ctx, p)
    return ClaimOutcome(c1 + c2, r1 + r2, {**d1, **d2, "params": p})


CLAIM = Claim(
    id="cluster-odd-emerges",
    statement="With recentering (RC) and a ReLU non-linearity, deep random networks send the "
              "batch to one cluster holding all points but one, plus one odd point that is "
              "orthogonal to the cluster and far from it.",
    source="Nachum, Bondaschi, Gastpar, Khina, 'Batch Normalization Decomposed', "
           "arXiv:2412.02843 (2024), as stated in docs/theory.md section 5, claim 1",
    precise="Finite width: at fixed width d, the fraction of trials whose batch is exactly "
            "(bitwise) n-1 identical points plus one point orthogonal to them (to rounding) "
            "grows with depth, and the configuration once reached is never left (RC+ReLU, "
            "Gaussian weights, i.i.d. N(0,1) inputs). Mean field: the iterated shape map "
            "F_hat from random Gram matrices converges to the cluster + odd point "
            "(a = 1/(n-1), rho = 1, b = n-1, gamma = 0).",
    run=run,
)
