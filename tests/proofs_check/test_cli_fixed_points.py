"""`bnverify fixed-points`: JSON shape and exit codes.  Independent route: the verdict for
cluster+odd RC+ReLU must be unstable because theory.spectrum derives the eigenvalue
n^2/(n^2-2n+2) > 1 (checked against the printed eigenvalue)."""

from __future__ import annotations

import json

from proofs_check.cli import main


def test_cluster_odd_json(capsys) -> None:
    code = main(["fixed-points", "--n", "5", "--layer", "rc,nl", "--activation", "relu",
                 "--family", "cluster-odd", "--json"])
    assert code == 0
    data = json.loads(capsys.readouterr().out)
    assert data["complete"] is False
    (fp,) = data["fixed_points"]
    assert fp["degenerate"] is True and fp["stable"] is False
    assert "N^T E N >= 0" in fp["admissible_directions"]
    values = [(float(e["value"]), e["multiplicity"], e["symmetry"]) for e in fp["eigenvalues"]]
    assert any(abs(v - 25 / 17) < 1e-25 and m == 3 and s == "std(cluster)"
               for v, m, s in values)
    assert sum(m for _, m, _ in values) == 5 * 6 // 2 - 1


def test_symmetric_text(capsys) -> None:
    assert main(["fixed-points", "--n", "4", "--layer", "rc,nl", "--family", "symmetric"]) == 0
    assert "stable=True" in capsys.readouterr().out


def test_bad_input_exit_2(capsys) -> None:
    assert main(["fixed-points", "--n", "1", "--layer", "rc,nl", "--family", "symmetric"]) == 2
    assert main(["fixed-points", "--n", "4", "--layer", "rc,nl", "--family", "nope"]) == 2
    assert main(["fixed-points", "--n", "4", "--layer", "rc,nl", "--family", "symmetric",
                 "--dps", "3"]) == 2
    err = capsys.readouterr().err
    assert err.count("error") == 3
