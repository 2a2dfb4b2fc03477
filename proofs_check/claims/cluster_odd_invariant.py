"""Claim ``cluster-odd-invariant`` (docs/theory.md section 5, item 5)."""

from __future__ import annotations

import sympy as sp

from proofs_check.claims import Claim, ClaimOutcome, Context
from proofs_check.claims._common import exact_configuration_run
from proofs_check.verdict import Check


def _symbolic() -> Check:
    n = sp.Symbol("n", integer=True, positive=True)
    xc, xo, t = sp.symbols("x_c x_o t", real=True)
    mean = ((n - 1) * xc + xo) / n
    v = (xc - xo) / n
    cluster_ok = sp.simplify((xc - mean) - v) == 0
    odd_ok = sp.simplify((xo - mean) + (n - 1) * v) == 0
    # general W for concrete n, d: W X P = (W v) (1, ..., 1, -(n-1))
    concrete = {}
    for nn, d in [(3, 2), (4, 3), (5, 3)]:
        W = sp.Matrix(d, d, lambda i, j: sp.Symbol(f"w{i}{j}", real=True))
        c = sp.Matrix(d, 1, lambda i, j: sp.Symbol(f"c{i}", real=True))
        o = sp.Matrix(d, 1, lambda i, j: sp.Symbol(f"o{i}", real=True))
        X = sp.Matrix.hstack(*([c] * (nn - 1) + [o]))
        P = sp.eye(nn) - sp.ones(nn, nn) / nn
        pattern = sp.Matrix([[1] * (nn - 1) + [-(nn - 1)]])
        diff = (W * X * P - (W * (c - o) / nn) * pattern).applyfunc(sp.expand)
        concrete[f"n={nn},d={d}"] = diff == sp.zeros(d, nn)
    # ReLU of h and -(n-1) h have disjoint supports: relu(t) relu(-(n-1) t) = 0 for n >= 1
    prod = sp.Max(t, 0) * sp.Max(-(n - 1) * t, 0)
    tp = sp.Symbol("tp", positive=True)
    cases = [sp.simplify(prod.subs(t, tp)), sp.simplify(prod.subs(t, -tp)), prod.subs(t, 0)]
    disjoint = all(sp.simplify(cs.subs(n, sp.Symbol("m", integer=True, positive=True) + 1))
                   == 0 for cs in cases)
    # RS scales each row (neuron) by a positive number: relu(s t) = s relu(t), s > 0
    s = sp.Symbol("s", positive=True)
    rs_ok = all(sp.simplify(sp.Max(s * x, 0) - s * sp.Max(x, 0)) == 0 for x in (tp, -tp))
    ok = cluster_ok and odd_ok and all(concrete.values()) and disjoint and rs_ok
    return Check(
        "symbolic", "finite-width", ok,
        "SymPy: with the cluster equal, RC gives columns (x_c-x_o)/n and -(n-1)(x_c-x_o)/n "
        "(n symbolic); W X P = (W v)(1,...,1,-(n-1)) for a general symbolic W (n,d) in "
        "{(3,2),(4,3),(5,3)}; relu(t) relu(-(n-1)t) = 0 in all sign cases; RS rescales rows "
        "by positive numbers: so after RC(+RS)+ReLU the cluster stays one point and the odd "
        "point is orthogonal to it, for every W",
        {"rc_cluster_column": cluster_ok, "rc_odd_column": odd_ok,
         "general_W": concrete, "relu_disjoint_supports": disjoint,
         "rs_positive_row_scaling": rs_ok})


def run(ctx: Context) -> ClaimOutcome:
    widths = [4, 16, 256] if ctx.quick else [2, 4, 16, 256]
    depth, trials = (30, 30) if ctx.quick else (60, 30)
    checks = [_symbolic()]
    runs = []
    sims = {}
    for layer in ("rc,nl", "bn"):
        res = [exact_configuration_run(6, d, depth, trials, ctx.seed + 31 + d, layer=layer)
               for d in widths]
        sims[layer] = res
        runs += [{k: r[k] for k in ("n", "width", "depth", "trials", "seed", "layer", "path")}
                 for r in res]
    ok = all(r["all_exact"] for rs in sims.values() for r in rs)
    checks.append(Check(
        "simulation", "finite-width", ok,
        f"bit for bit: n=6, widths {widths}, {depth} layers, {trials} trials, layers RC+ReLU "
        "and BN+ReLU, plain d x d products without tie copying: cluster points bitwise "
        "identical and cluster . odd == 0.0 exactly in every trial at every layer",
        {layer: [{"width": r["width"], "all_exact": r["all_exact"],
                  "min_exact_per_layer": min(r["exact_config_per_layer"])} for r in rs]
         for layer, rs in sims.items()}))
    ctrl = exact_configuration_run(6, 16, 10, trials, ctx.seed + 99, layer="nl")
    checks.append(Check(
        "simulation", "finite-width", None,
        "negative control (ReLU without RC): the odd point is orthogonal to the cluster in "
        f"{sum(ctrl['exact_config_per_layer'])} of {10 * trials} (trial, layer) pairs: "
        "recentering is what makes the configuration invariant",
        {"exact_config_per_layer": ctrl["exact_config_per_layer"]}, decisive=False))
    return ClaimOutcome(checks, runs, {})


CLAIM = Claim(
    id="cluster-odd-invariant",
    statement="The configuration 'one cluster + one odd point orthogonal to it' is mapped into "
              "itself by RC + ReLU for every weight matrix W, not only on average; so at "
              "finite width it is absorbing.",
    source="Public summaries of Nachum et al., arXiv:2412.02843 (2024), docs/theory.md section 5 "
           "item 5",
    precise="For any real W and any batch whose first n-1 points are equal, "
            "ReLU(RC(W X)) (and ReLU(RS(RC(W X)))) has its first n-1 points equal and the last "
            "orthogonal to them (the input odd point need not be orthogonal). Checked "
            "symbolically and, in float64, bit for bit.",
    run=run,
)
