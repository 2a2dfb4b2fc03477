"""The golden cases: a fixed set of command lines whose JSON output is recorded.

Recorded once before the restructure (``python -m tests.golden.record``) and compared
at every later commit by ``tests/golden/test_golden.py``: numbers to their stated
precision, verdicts and every non-numeric field exactly.
"""

from __future__ import annotations

GRAM_4 = [[1.5, 0.3, -0.2, 0.1], [0.3, 1.0, 0.4, 0.0], [-0.2, 0.4, 0.8, 0.25],
          [0.1, 0.0, 0.25, 0.7]]
GRAM_3_MERGED = [[1, 1, 0], [1, 1, 0], [0, 0, 2]]

#: name -> (argv without --json, gram file contents or None)
CASES: dict[str, tuple[list[str], object]] = {}


def _fp(name: str, n: int, layer: str, act: str, family: str, *extra: str) -> None:
    CASES[f"fixed-points-{name}"] = (
        ["fixed-points", "--n", str(n), "--layer", layer, "--activation", act,
         "--family", family, "--dps", "20", *extra], None)


for fam in ("symmetric", "cluster-odd", "two-clusters"):
    extra = ("--m", "2") if fam == "two-clusters" else ()
    for n in (4, 5):
        _fp(f"rc-relu-{fam}-{n}", n, "rc,nl", "relu", fam, *extra)
        _fp(f"erf-{fam}-{n}", n, "nl", "erf", fam, *extra)
        _fp(f"rc-leaky-{fam}-{n}", n, "rc,nl", "leaky_relu(0.1)", fam, *extra)
        _fp(f"step-{fam}-{n}", n, "nl", "step", fam, *extra)
_fp("rc-relu-cluster-odd-8", 8, "rc,nl", "relu", "cluster-odd")
_fp("bn-relu-symmetric-4", 4, "bn", "relu", "symmetric")
_fp("bn-relu-cluster-odd-4", 4, "bn", "relu", "cluster-odd")
_fp("rc-erf-symmetric-4", 4, "rc,nl", "erf", "symmetric")

for layer in ("none", "rc", "nl", "rc,nl", "rs", "bn", "rs,nl"):
    for act in ("relu", "erf", "step", "leaky_relu(0.2)", "abs"):
        if "rs" in layer and act == "erf":
            continue
        CASES[f"map-{layer}-{act}"] = (
            ["map", "--gram", "{gram}", "--layer", layer, "--activation", act,
             "--dps", "25"], GRAM_4)
CASES["map-nl-tanh"] = (["map", "--gram", "{gram}", "--layer", "nl", "--activation", "tanh",
                          "--dps", "15"], GRAM_4[:2] and [r[:2] for r in GRAM_4[:2]])
CASES["map-rc-relu-merged"] = (["map", "--gram", "{gram}", "--layer", "rc,nl", "--dps", "25"],
                               GRAM_3_MERGED)
CASES["map-bn-merged"] = (["map", "--gram", "{gram}", "--layer", "bn", "--dps", "25"],
                          GRAM_3_MERGED)
#: The claims registered when the record was made (claims added later are new behaviour).
RECORDED_CLAIMS = ("cluster-odd-emerges", "simplified-model-explains", "cluster-odd-stable",
                   "cluster-odd-invariant", "symmetric-fixed-point", "rs-orthogonalises",
                   "bn-gradient-explosion", "relu-correlation-slow", "relu-rank-growth")
CASES["check-quick"] = (["check", "--quick", "--seed", "7",
                         *(arg for c in RECORDED_CLAIMS for arg in ("--claim", c))], None)
