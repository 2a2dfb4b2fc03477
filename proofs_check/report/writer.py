"""Write ``report.md``, a self-contained ``report.html``, ``results.json`` and ``figures/``."""

from __future__ import annotations

import base64
import html
import json
import platform
import time
from collections.abc import Callable
from pathlib import Path

from proofs_check.claims import run_claims
from proofs_check.report import figures as F
from proofs_check.verdict import ClaimResult, plain_json

VERDICT_MEANING = {
    "confirmed": "every decisive check passed",
    "refuted": "every decisive check failed",
    "regime-dependent": "holds in one regime (mean field or finite width), fails in the other",
    "inconclusive": "the evidence does not decide; the explanation says what would",
}


def _save(fig, out: Path, name: str) -> dict:
    import matplotlib.pyplot as plt

    png, svg = out / f"{name}.png", out / f"{name}.svg"
    fig.savefig(png, dpi=110)
    fig.savefig(svg)
    plt.close(fig)
    return {"name": name, "png": f"figures/{name}.png", "svg": f"figures/{name}.svg"}


def make_figures(results: list[ClaimResult], out: Path, quick: bool, seed: int,
                 say: Callable[[str], None]) -> list[dict]:
    """Draw every figure whose data is available; returns name, files, caption, parameters."""
    out.mkdir(parents=True, exist_ok=True)
    by = {r.id: r for r in results}
    jobs = [("geometry", lambda: F.geometry_through_depth(seed, quick))]
    if "cluster-odd-emerges" in by:
        jobs.append(("fraction_vs_depth", lambda: F.fraction_vs_depth(
            by["cluster-odd-emerges"].data)))
    spec = {}
    for cid in ("cluster-odd-stable", "symmetric-fixed-point"):
        if cid in by:
            spec.update(by[cid].data.get("spectra", {}))
    if spec:
        jobs.append(("spectra", lambda: F.spectra(spec)))
    if "cluster-odd-stable" in by:
        jobs.append(("lyapunov_vs_width", lambda: F.lyapunov_vs_width(
            by["cluster-odd-stable"].data["lyapunov"])))
    if "relu-correlation-slow" in by:
        jobs.append(("correlation_power_law", lambda: F.correlation_power_law(
            by["relu-correlation-slow"].data)))
    if "bn-gradient-explosion" in by:
        jobs.append(("gradient_rate", lambda: F.gradient_rate(
            by["bn-gradient-explosion"].data)))
    made = []
    for name, job in jobs:
        say(f"figure {name}")
        fig, caption, params = job()
        made.append({**_save(fig, out, name), "caption": caption, "parameters": params})
    return made


def verdict_table_md(results: list[ClaimResult]) -> str:
    rows = ["| claim | verdict | why |", "|---|---|---|"]
    rows += [f"| `{r.id}` | **{r.verdict}** | {r.explanation} |" for r in results]
    return "\n".join(rows)


def render_md(results: list[ClaimResult], figs: list[dict], meta: dict) -> str:
    parts = ["# bnverify report", "",
             f"Generated {meta['generated']} ({'quick' if meta['quick'] else 'full'} run, "
             f"seed {meta['seed']}, {meta['seconds']:.0f} s).", "", "## Verdicts", "",
             verdict_table_md(results), "", "Verdicts: " + "; ".join(
                 f"**{k}**: {v}" for k, v in VERDICT_MEANING.items()) + ".", ""]
    for r in results:
        parts += [f"## `{r.id}`: {r.verdict}", "", r.statement, "",
                  f"*Source:* {r.source}", "", f"*Precise version checked:* {r.precise}", "",
                  f"*Why:* {r.explanation}", ""]
        for c in r.checks:
            mark = {True: "pass", False: "FAIL", None: "undecided"}[c.passed]
            parts.append(f"- **{mark}** ({c.kind}, {c.regime}"
                         f"{'' if c.decisive else ', context'}): {c.detail}")
        parts.append("")
    parts += ["## Figures", ""]
    for f in figs:
        parts += [f"![{f['name']}]({f['png']})", "", f"*{f['caption']}*", ""]
    return "\n".join(parts)


def render_html(results: list[ClaimResult], figs: list[dict], out: Path, meta: dict) -> str:
    e = html.escape
    body = [f"<h1>bnverify report</h1><p>Generated {e(meta['generated'])} "
            f"({'quick' if meta['quick'] else 'full'} run, seed {meta['seed']}, "
            f"{meta['seconds']:.0f} s).</p>", "<h2>Verdicts</h2><table><tr><th>claim</th>"
            "<th>verdict</th><th>why</th></tr>"]
    for r in results:
        body.append(f"<tr><td><code>{e(r.id)}</code></td><td class='{e(r.verdict)}'>"
                    f"{e(r.verdict)}</td><td>{e(r.explanation)}</td></tr>")
    body.append("</table><ul>" + "".join(f"<li><b>{e(k)}</b>: {e(v)}</li>"
                                         for k, v in VERDICT_MEANING.items()) + "</ul>")
    for r in results:
        body.append(f"<h2><code>{e(r.id)}</code>: {e(r.verdict)}</h2><p>{e(r.statement)}</p>"
                    f"<p><i>Source:</i> {e(r.source)}</p><p><i>Precise version checked:</i> "
                    f"{e(r.precise)}</p><p><i>Why:</i> {e(r.explanation)}</p><ul>")
        for c in r.checks:
            mark = {True: "pass", False: "FAIL", None: "undecided"}[c.passed]
            body.append(f"<li><b>{mark}</b> ({e(c.kind)}, {e(c.regime)}"
                        f"{'' if c.decisive else ', context'}): {e(c.detail)}</li>")
        body.append("</ul>")
    body.append("<h2>Figures</h2>")
    for f in figs:
        data = base64.b64encode((out / f["png"]).read_bytes()).decode("ascii")
        body.append(f"<figure><img alt='{e(f['name'])}' src='data:image/png;base64,{data}'>"
                    f"<figcaption>{e(f['caption'])}</figcaption></figure>")
    style = ("body{font-family:sans-serif;max-width:70em;margin:auto;padding:1em}"
             "table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:4px}"
             ".confirmed{color:#060}.refuted{color:#a00}.regime-dependent{color:#a60}"
             "img{max-width:100%}figcaption{font-size:90%;color:#444}")
    return ("<!DOCTYPE html><html><head><meta charset='utf-8'><title>bnverify report</title>"
            f"<style>{style}</style></head><body>" + "\n".join(body) + "</body></html>")


def write_report(out: str | Path = "bnverify-report", *, quick: bool = False, seed: int = 0,
                 progress: Callable[[str], None] | None = None) -> dict:
    """Run every claim, draw the figures, write the four outputs; return their paths."""
    say = progress or (lambda m: None)
    t0 = time.perf_counter()
    out = Path(out)
    (out / "figures").mkdir(parents=True, exist_ok=True)  # fails before the work, not after
    results = run_claims(None, quick=quick, seed=seed, progress=say)
    figs = make_figures(results, out / "figures", quick, seed, say)
    meta = {"generated": time.strftime("%Y-%m-%d %H:%M:%S"), "quick": quick, "seed": seed,
            "seconds": time.perf_counter() - t0, "python": platform.python_version()}
    for f in figs:
        f["png"] = f"figures/{Path(f['png']).name}"
    (out / "report.md").write_text(render_md(results, figs, meta))
    (out / "report.html").write_text(render_html(results, figs, out, meta))
    doc = {"claims": [r.to_json() for r in results],
           "runs": {r.id: plain_json(r.runs) for r in results},
           "figures": plain_json(figs), "meta": meta}
    (out / "results.json").write_text(json.dumps(doc, indent=2))
    say(f"report written to {out}/ ({meta['seconds']:.0f} s)")
    return {"out": str(out), "files": ["report.md", "report.html", "results.json"] +
            [f["png"] for f in figs] + [f["svg"] for f in figs],
            "verdicts": {r.id: r.verdict for r in results}, "seconds": meta["seconds"]}
