"""``bnverify report --quick`` writes every file."""

import json

import pytest

from proofs_check.cli import main


@pytest.mark.slow
def test_report_quick(tmp_path):
    out = tmp_path / "rep"
    assert main(["report", "--quick", "--out", str(out)]) == 0
    for name in ("report.md", "report.html", "results.json"):
        assert (out / name).stat().st_size > 0
    doc = json.loads((out / "results.json").read_text())
    assert len(doc["claims"]) >= 9 and doc["runs"]
    pngs = list((out / "figures").glob("*.png"))
    svgs = list((out / "figures").glob("*.svg"))
    assert len(pngs) >= 6 and len(svgs) == len(pngs)
    html = (out / "report.html").read_text()
    assert html.count("data:image/png;base64,") == len(pngs)
    assert "src='figures/" not in html  # self-contained


def test_figure_function_alone(tmp_path):
    from proofs_check.report import figures

    fig, caption, params = figures.geometry_through_depth(0, quick=True)
    fig.savefig(tmp_path / "g.png")
    assert "width" in caption and params["n"] == 6
