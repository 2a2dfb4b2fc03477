"""One function per report figure; each returns ``(figure, caption, run_parameters)``.

Matplotlib with the Agg backend (no display needed).
"""

from __future__ import annotations

import math
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from numerics.simulation.simulate import SimulationConfig, simulate  # noqa: E402

Figure = tuple[Any, str, dict]


def geometry_through_depth(seed: int = 0, quick: bool = False) -> Figure:
    """2-D projection (top-2 eigenvectors of the Gram) of one simulated batch per layer."""
    cfg = SimulationConfig(n=6, width=4, depth=60 if quick else 120, layer="rc,nl",
                           activation="relu", trials=1, seed=seed + 3, every=1)
    res = simulate(cfg)
    hist = res.trials[0].history
    show = np.unique(np.linspace(0, cfg.depth, 8).astype(int))
    fig, axes = plt.subplots(1, len(show), figsize=(2.1 * len(show), 2.4))
    for ax, ell in zip(axes, show, strict=True):
        G = hist[ell]["gram"]
        G = G / max(np.trace(G), 1e-300) * cfg.n
        w, V = np.linalg.eigh(G)
        P = V[:, -2:] * np.sqrt(np.clip(w[-2:], 0, None))
        ax.scatter(P[:, 1], P[:, 0], s=18, c=np.arange(cfg.n), cmap="tab10")
        ax.scatter([0], [0], marker="+", c="k", s=20)
        ax.set_title(f"layer {ell}\n{len(hist[ell]['clusters'])} groups", fontsize=8)
        ax.set_xticks([])
        ax.set_yticks([])
        ax.set_aspect("equal", adjustable="datalim")
    fig.tight_layout()
    cap = (f"One RC+ReLU network (n={cfg.n} points, width {cfg.width}, Gaussian weights, seed "
           f"{cfg.seed}): each panel projects the batch on the top-2 eigenvectors of its Gram "
           "matrix (scaled to trace n); the title counts groups of bitwise-identical points. "
           "Points merge (by ReLU zeroing) into one cluster while the last point stays apart.")
    return fig, cap, cfg.to_json()


def fraction_vs_depth(data: dict) -> Figure:
    """Fraction of trials in cluster + odd against depth, per width, Wilson 95% bands."""
    fr = data["fractions"]
    ns = sorted({int(k.split(",")[0]) for k in fr})
    fig, axes = plt.subplots(1, len(ns), figsize=(5 * len(ns), 3.4), sharey=True)
    axes = np.atleast_1d(axes)
    for ax, n in zip(axes, ns, strict=True):
        for key, v in sorted(fr.items(), key=lambda kv: int(kv[0].split(",")[1])):
            nn, d = map(int, key.split(","))
            if nn != n:
                continue
            ci = np.array(v["ci"])
            ax.plot(v["layers"], v["fraction"], label=f"d={d}")
            ax.fill_between(v["layers"], ci[:, 0], ci[:, 1], alpha=0.2)
        ax.set_title(f"n={n}")
        ax.set_xlabel("depth")
        ax.set_ylim(-0.02, 1.02)
        ax.legend(fontsize=8)
    axes[0].set_ylabel("fraction in cluster + odd")
    fig.tight_layout()
    p = data["params"]
    cap = (f"Fraction of trials in the cluster + odd configuration against depth (RC+ReLU, "
           f"Gaussian weights, {p['trials']} trials per width, every {p['every']} layers; "
           "bands: Wilson 95% intervals), numerics.simulation.simulate via claim "
           "cluster-odd-emerges.")
    return fig, cap, p


def spectra(spectra_data: dict) -> Figure:
    """Eigenvalues of the mean-field Jacobian at each fixed point, with the unit circle."""
    keys = list(spectra_data)
    cols = min(4, len(keys))
    rows = math.ceil(len(keys) / cols)
    fig, axes = plt.subplots(rows, cols, figsize=(3 * cols, 3 * rows))
    axes = np.atleast_1d(axes).ravel()
    t = np.linspace(0, 2 * math.pi, 200)
    for ax, k in zip(axes, keys, strict=False):
        vals = np.array([complex(v[0]) for v in spectra_data[k]])
        ax.plot(np.cos(t), np.sin(t), "k-", lw=0.6)
        ax.scatter(vals.real, vals.imag, s=18, c="C3")
        ax.set_title(k, fontsize=8)
        ax.set_aspect("equal")
        lim = max(1.1, float(np.max(np.abs(vals))) * 1.1 if len(vals) else 1.1)
        ax.set_xlim(-lim, lim)
        ax.set_ylim(-lim, lim)
    for ax in axes[len(keys):]:
        ax.axis("off")
    fig.tight_layout()
    cap = ("Eigenvalues of the Jacobian of F_hat at each fixed point with the unit circle: "
           "RC+ReLU cluster + odd and symmetric points certified "
           "(numerics.jacobian.certify, interval "
           "midpoints shown; at the cluster + odd point the trivial block was not isolated by "
           "arb and is omitted, see the check notes), BN+ReLU symmetric point by central "
           "differences (float64).")
    return fig, cap, {"fixed_points": keys}


def lyapunov_vs_width(data: dict) -> Figure:
    """Finite-width Lyapunov exponent of the cluster spread against width."""
    rows = data["rows"]
    fig, ax = plt.subplots(figsize=(5, 3.4))
    w = [r["width"] for r in rows]
    m = [r["rate"] for r in rows]
    err = [[r["rate"] - r["ci"][0] for r in rows], [r["ci"][1] - r["rate"] for r in rows]]
    ax.errorbar(w, m, yerr=err, fmt="o-", capsize=3, label="finite width (95% CI)")
    ax.axhline(data["mean_field"], color="C3", ls="--",
               label=f"mean field log(n^2/(n^2-2n+2)) = {data['mean_field']:.3f}")
    ax.axhline(0, color="k", lw=0.6)
    ax.set_xscale("log", base=2)
    ax.set_xlabel("width d")
    ax.set_ylabel("log growth per layer")
    ax.legend(fontsize=8)
    fig.tight_layout()
    cap = (f"Lyapunov exponent of the within-cluster spread at the cluster + odd configuration "
           f"(n={data['n']}, RC+ReLU, numerics.simulation.lyapunov renormalised "
           "perturbations; 95% t CI "
           "over trials) against width, with the mean-field value.")
    return fig, cap, {"n": data["n"], "widths": w}


def correlation_power_law(data: dict) -> Figure:
    """1 - c_l against depth, log-log, with the derived 9 pi^2 / (2 l^2)."""
    fig, ax = plt.subplots(figsize=(5, 3.6))
    ls, es = zip(*data["map"], strict=True)
    ax.loglog(ls, es, label="map iteration (mpmath)")
    ll = np.array(ls, dtype=float)
    ax.loglog(ll, data["constant"] / ll**2, "--", label="9 pi^2 / (2 l^2)")
    sl = np.array(data["sim_layers"][1:])
    sm = np.array(data["sim_mean"][1:])
    ci = np.array([c if c else [np.nan, np.nan] for c in data["sim_ci"][1:]])
    ax.errorbar(sl, sm, yerr=[sm - ci[:, 0], ci[:, 1] - sm], fmt=".", ms=3, alpha=0.7,
                label=f"simulation d={data['width']} (95% CI)")
    ax.set_xlabel("depth l")
    ax.set_ylabel("1 - c_l")
    ax.legend(fontsize=8)
    fig.tight_layout()
    cap = (f"ReLU without normalisation: 1 - c_l against depth from c_0 = 0; the map iterated "
           f"at 40 digits, the derived power law, and a width-{data['width']} simulation "
           f"({data['trials']} trials, 95% t CI).")
    return fig, cap, {"width": data["width"], "trials": data["trials"]}


def gradient_rate(data: dict) -> Figure:
    """Backward growth rate lambda(n) against n, with its limit pi/(pi - 1)."""
    r = data["rates"]
    fig, ax = plt.subplots(figsize=(5, 3.4))
    n = np.array([x["n"] for x in r], dtype=float)
    m = np.array([x["mean"] for x in r])
    lo = np.array([x["ci"][0] for x in r])
    hi = np.array([x["ci"][1] for x in r])
    ax.errorbar(n, m, yerr=[m - lo, hi - m], fmt="o", capsize=3, label="Monte Carlo (95% CI)")
    xs = np.geomspace(8, n.max() * 4, 100)
    c1, c2 = data["fit"]
    ax.plot(xs, data["limit"] + c1 / xs + c2 / xs**2, "-", lw=0.8,
            label="pi/(pi-1) + c1/n + c2/n^2 fit")
    ax.axhline(data["limit"], color="C3", ls="--", label="pi/(pi-1) (Yang et al. 2019)")
    ax.set_xscale("log", base=2)
    ax.set_xlabel("batch size n")
    ax.set_ylabel("gradient growth per layer")
    ax.legend(fontsize=8)
    fig.tight_layout()
    cap = ("BN+ReLU at its symmetric fixed point: top eigenvalue of Pi -> E[J^T Pi J] "
           "(squared gradient norm growth per layer going backwards) against n, Monte Carlo "
           "with 95% CI, and its limit pi/(pi-1).")
    return fig, cap, {"ns": n.tolist()}
