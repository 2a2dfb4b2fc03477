"""``bnverify check`` command-line contract."""

import json

from proofs_check.cli import main


def test_check_quick_json_structure(capsys):
    code = main(["check", "--quick", "--json", "--claim", "cluster-odd-invariant",
                 "--claim", "relu-correlation-slow"])
    assert code == 0
    doc = json.loads(capsys.readouterr().out)
    assert [c["id"] for c in doc["claims"]] == ["cluster-odd-invariant", "relu-correlation-slow"]
    for c in doc["claims"]:
        assert {"id", "statement", "source", "verdict", "checks"} <= set(c)
        assert c["verdict"] in {"confirmed", "refuted", "regime-dependent", "inconclusive"}
        for ch in c["checks"]:
            assert {"kind", "regime", "passed", "detail", "evidence"} <= set(ch)


def test_unknown_claim_exit_2(capsys):
    assert main(["check", "--claim", "nope"]) == 2
    err = capsys.readouterr().err
    assert "cluster-odd-emerges" in err


def test_strict_exit_1(capsys):
    assert main(["check", "--quick", "--strict", "--claim", "cluster-odd-stable"]) == 1
    assert main(["check", "--quick", "--strict", "--claim", "cluster-odd-invariant"]) == 0
