"""Claim ``bn-gradient-explosion``.

Yang, Pennington, Rao, Sohl-Dickstein, Schoenholz, ICLR 2019.
"""

from __future__ import annotations

import math

import numpy as np
import sympy as sp

from numerics.maps.fast import fast_mean_field_map
from proofs_check.claims import Claim, ClaimOutcome, Context
from proofs_check.claims._common import fd_jacobian_eigenvalues, mean_ci, symmetric_gram
from proofs_check.verdict import Check

LITERATURE = math.pi / (math.pi - 1)


def rho_star(n: int) -> float:
    """Symmetric fixed point of F_hat for RC+ReLU and BN+ReLU (closed form)."""
    return (math.sqrt(n * (n - 2)) - math.acos(1 / (n - 1))) / (math.pi * (n - 1))


def fixed_gram(n: int) -> np.ndarray:
    """The BN+ReLU fixed point of ``F`` itself (BN output scale): ``F(G_hat*)``."""
    return fast_mean_field_map(symmetric_gram(n, rho_star(n)), "bn", "relu").F


def row_jacobians(h: np.ndarray) -> np.ndarray:
    """Jacobians ``J = d psi / d h`` of ``psi(h) = relu(sqrt(n) P h / |P h|)``, batched.

    ``J = diag(1{z > 0}) (sqrt(n)/r) (I - u u^T) P`` with ``r = |P h|``, ``u = P h / r``.
    """
    M, n = h.shape
    v = h - h.mean(axis=1, keepdims=True)
    r = np.linalg.norm(v, axis=1)
    u = v / r[:, None]
    P = np.eye(n) - 1.0 / n
    A = (np.eye(n)[None] - u[:, :, None] * u[:, None, :]) @ P
    return (u > 0)[:, :, None] * (math.sqrt(n) / r)[:, None, None] * A


def growth_rate(n: int, samples: int, rng: np.random.Generator, batches: int = 20) -> dict:
    """Top eigenvalue of ``Pi -> E[J^T Pi J]`` (Monte Carlo, h ~ N(0, G*)), with a 95% CI.

    The operator commutes with permutations of the batch and maps PSD matrices to PSD
    matrices, so its top (Perron) eigenvector is permutation invariant:
    ``Pi = x I + y 11^T``.  On that 2-dimensional space the operator is the 2 x 2
    matrix read from ``E[J^T J]`` and ``E[(J^T 1)(J^T 1)^T]`` (an invariant matrix
    ``X = a I + b 11^T`` is read from ``tr X`` and ``1^T X 1``).  The eigenvalue is
    computed on ``batches`` independent batches of samples; mean and Student-t 95% CI.
    """
    G = fixed_gram(n)
    L = np.linalg.cholesky(G + 1e-15 * np.eye(n))
    one = np.ones(n)

    def read(tr: float, s: float) -> tuple[float, float]:
        # tr = n a + n b, s = n a + n^2 b
        b = (s - tr) / (n * n - n)
        return tr / n - b, b

    values = []
    per = max(1, samples // batches)
    for _ in range(batches):
        J = row_jacobians(rng.standard_normal((per, n)) @ L.T)
        JtJ = np.swapaxes(J, 1, 2) @ J
        v = np.einsum("mji,j->mi", J, one)  # J^T 1
        a1, b1 = read(float(np.trace(JtJ, axis1=1, axis2=2).mean()),
                      float(JtJ.sum(axis=(1, 2)).mean()))
        sq = np.einsum("mi,mi->m", v, v).mean()
        s2 = (v.sum(axis=1) ** 2).mean()
        a2, b2 = read(float(sq), float(s2))
        # images of I and of 11^T = (I -> a1 I + b1 11^T), (11^T -> a2 I + b2 11^T)
        M = np.array([[a1, a2], [b1, b2]])
        values.append(float(np.max(np.real(np.linalg.eigvals(M)))))
    return {"n": n, "samples": per * batches, "batches": batches, **mean_ci(values)}


def backprop_slopes(n: int, d: int, depth: int, trials: int, rng: np.random.Generator,
                    skip: int = 5) -> dict:
    """Finite-width backpropagation through BN+ReLU layers: log growth of ``|dL/dX_l|^2``.

    Forward: ``X_0`` realises ``G*`` (fixed point, so no transient), ``X_{l+1} =
    relu(BN(W_l X_l))`` with ``W_l`` i.i.d. ``N(0, 1/d)``.  Backward: a random
    ``N(0, 1)`` gradient at the top, exact chain rule through the same weights.  The
    per-trial slope of ``log |dX_l|_F^2`` against ``L - l`` (least squares, dropping
    ``skip`` layers at each end) is averaged over trials (95% t CI).
    """
    G = fixed_gram(n)
    L = np.linalg.cholesky(G + 1e-15 * np.eye(n))
    slopes = []
    for _ in range(trials):
        X = L @ rng.standard_normal((n, d))  # points-major (n, d): rows are points
        X = X * math.sqrt(d) / np.linalg.norm(rng.standard_normal(d))
        cache = []
        for _ in range(depth):
            W = rng.standard_normal((d, d)) / math.sqrt(d)
            H = X @ W.T  # (n, d); neuron k is column k
            Jk = row_jacobians(H.T)  # (d, n, n)
            X = np.maximum(math.sqrt(n) * (H - H.mean(0)) / np.linalg.norm(H - H.mean(0),
                                                                            axis=0), 0.0)
            cache.append((W, Jk))
        g = rng.standard_normal((n, d))
        logs = []
        for W, Jk in reversed(cache):
            dH = np.einsum("kji,jk->ik", Jk, g)  # dH[:, k] = J_k^T g[:, k]
            g = dH @ W
            logs.append(math.log(float(np.sum(g * g))))
        y = np.array(logs[skip:depth - skip])
        x = np.arange(len(y))
        slopes.append(float(np.polyfit(x, y, 1)[0]))
    return {"n": n, "width": d, "depth": depth, "trials": trials, **mean_ci(slopes)}


def run(ctx: Context) -> ClaimOutcome:
    rng = np.random.default_rng(ctx.seed + 17)
    ns = [4, 8, 16, 32, 64] if ctx.quick else [4, 8, 16, 32, 64, 128]
    checks, runs = [], []
    # forward Jacobian at the BN fixed point
    fwd = {}
    for n in ([4, 8] if ctx.quick else [4, 8, 16]):
        j = fd_jacobian_eigenvalues(symmetric_gram(n, rho_star(n)), "bn", "relu")
        vals = np.unique(np.round(np.abs(j["eigenvalues"]), 6))
        fwd[f"n={n}"] = {"distinct_moduli": sorted(vals.tolist(), reverse=True),
                         "spectral_radius": j["spectral_radius"], "error": j["error"]}
    checks.append(Check(
        "numeric", "mean-field", all(v["spectral_radius"] + v["error"] < 1
                                     for v in fwd.values()),
        "forward Jacobian of F_hat (BN+ReLU) at the symmetric fixed point (central "
        "differences): distinct |eigenvalues| " + "; ".join(
            f"{k}: " + ", ".join(f"{x:.4f}" for x in v["distinct_moduli"][:4])
            for k, v in fwd.items()) + " (all < 1: the forward map is stable there)", fwd))
    rates = []
    for n in ns:
        samples = int(min(40000 if ctx.quick else 200000, 2e9 / n**3))
        rates.append(growth_rate(n, samples, rng))
        ctx.say(f"  bn-gradient-explosion: n={n} lambda={rates[-1]['mean']:.4f}")
    runs.append({"what": "Monte Carlo backward operator", "ns": ns, "seed": ctx.seed + 17})
    lam = np.array([r["mean"] for r in rates])
    se = np.array([(r["ci"][1] - r["ci"][0]) / 3.92 for r in rates])
    checks.append(Check(
        "numeric", "mean-field", bool(np.all(lam - 1.96 * se > 1)),
        "gradient growth per layer (top eigenvalue of Pi -> E[J^T Pi J], Monte Carlo, 95% "
        "CI): " + ", ".join(f"n={r['n']}: {r['mean']:.4f}+-{(r['ci'][1] - r['ci'][0]) / 2:.4f}"
                            for r in rates)
        + " - all > 1: gradients explode (n <= 5: E[1/r^4] is infinite, so the n=4 CI "
        "is indicative only)",
        {"rates": rates}))
    q, c = sp.Rational(1, 2), 1 / (2 * sp.pi)
    symbolic_limit = sp.simplify(sp.Rational(1, 2) / (q - c))
    checks.append(Check(
        "symbolic", "mean-field", sp.simplify(symbolic_limit - sp.pi / (sp.pi - 1)) == 0,
        "large-n limit derived in SymPy: J ~ diag(1{z>0}) (P - u u^T)/sqrt(q-c), "
        "q = E relu(z)^2 = 1/2, c = (E relu(z))^2 = 1/(2 pi), so lambda -> (1/2)/(q - c) = "
        f"{symbolic_limit}", {"limit": str(symbolic_limit)}))
    big = np.array(ns) >= 8
    x = 1 / np.array(ns, dtype=float)[big]
    y, w = lam[big] - LITERATURE, 1 / se[big]
    X = np.stack([x, x**2], 1)
    coef, *_ = np.linalg.lstsq(X * w[:, None], y * w, rcond=None)
    chi2 = float(np.sum(((X @ coef - y) * w) ** 2))
    dof = int(big.sum()) - 2
    from scipy import stats

    pval = float(stats.chi2.sf(chi2, dof)) if dof > 0 else float("nan")
    Xf = np.stack([np.ones_like(x), x, x**2], 1)
    cf, *_ = np.linalg.lstsq(Xf * w[:, None], lam[big] * w, rcond=None)
    cov = np.linalg.inv((Xf * w[:, None]).T @ (Xf * w[:, None]))
    lim, lim_se = float(cf[0]), float(math.sqrt(cov[0, 0]))
    checks.append(Check(
        "literature", "mean-field", (pval > 0.01) if dof > 0 else None,
        f"lambda(n) - pi/(pi-1) = c1/n + c2/n^2 fits the Monte Carlo values for n >= 8 "
        f"(c1 = {coef[0]:.3f}, c2 = {coef[1]:.3f}; chi^2 = {chi2:.2f} on {dof} dof, p = "
        f"{pval:.3f}): consistent with the limit pi/(pi-1) = {LITERATURE:.4f} of Yang et al. "
        f"2019 (ReLU, batch size -> infinity); free 3-term extrapolation l_inf = {lim:.4f} "
        f"+- {1.96 * lim_se:.4f}",
        {"c1": float(coef[0]), "c2": float(coef[1]), "chi2": chi2, "dof": dof,
         "p_value": pval, "free_fit_limit": lim, "free_fit_ci_half_width": 1.96 * lim_se,
         "literature": LITERATURE}))
    n_sim = 8
    lam8 = next(r for r in rates if r["n"] == n_sim)
    sims = []
    for d in ([128, 512] if ctx.quick else [128, 512, 1024]):
        sims.append(backprop_slopes(n_sim, d, 30 if ctx.quick else 50,
                                    4 if ctx.quick else 8, rng))
        ctx.say(f"  bn-gradient-explosion: backprop d={d} slope={sims[-1]['mean']:.4f}")
    target = math.log(lam8["mean"])
    top = sims[-1]
    ok = top["ci"][0] - 0.02 <= target <= top["ci"][1] + 0.02
    checks.append(Check(
        "simulation", "finite-width", ok,
        f"backprop through BN+ReLU (n={n_sim}, 95% t CI of the per-layer slope of "
        "log|dL/dX_l|^2): " + ", ".join(f"d={s['width']}: {s['mean']:.4f} "
                                         f"[{s['ci'][0]:.4f}, {s['ci'][1]:.4f}]" for s in sims)
        + f" vs mean-field log lambda = {target:.4f} (allowance 0.02 for the O(1/d) "
        "finite-width bias and the MC error of lambda)", {"runs": sims, "log_lambda": target}))
    runs.append({"what": "backprop simulation", "n": n_sim, "seed": ctx.seed + 17,
                 "widths": [s["width"] for s in sims]})
    data = {"rates": rates, "limit": LITERATURE, "fit": [float(coef[0]), float(coef[1])]}
    return ClaimOutcome(checks, runs, data)


CLAIM = Claim(
    id="bn-gradient-explosion",
    statement="At the symmetric fixed point of batch norm with ReLU, gradients explode going "
              "backwards: their squared norm grows by a factor lambda(n) > 1 per layer, with "
              "lambda -> pi/(pi-1) as the batch size grows.",
    source="Yang, Pennington, Rao, Sohl-Dickstein, Schoenholz, 'A Mean Field Theory of Batch "
           "Normalization', ICLR 2019 (arXiv:1902.08129)",
    precise="lambda(n) = top eigenvalue of Pi -> E[J^T Pi J], J the Jacobian of one BN+ReLU "
            "row map at h ~ N(0, G*), G* the BN fixed point; lambda(n) > 1 for every n, "
            "lambda(n) -> pi/(pi-1) ~ 1.4669; finite-width backprop grows like lambda(n).",
    run=run,
)
