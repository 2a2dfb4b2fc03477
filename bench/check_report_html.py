"""Render a report.html in headless Chromium and check that every figure loaded.

Usage: ``python bench/check_report_html.py [DIR]`` (default ``bnverify-report``).
An inline script appended to a copy of the page writes, after load, one line per
``<img>`` with its ``naturalWidth`` into the DOM; ``--dump-dom`` prints it.
Exit 0 when every image has ``naturalWidth > 0``, 1 otherwise, 2 without Chromium.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

PROBE = ("<script>window.addEventListener('load',function(){var o=document.createElement("
         "'pre');o.id='probe';var s='';document.querySelectorAll('img').forEach(function(i)"
         "{s+='IMG '+i.alt+' '+i.naturalWidth+'x'+i.naturalHeight+'\\n';});o.textContent=s+"
         "'DONE';document.body.appendChild(o);});</script>")


def browser() -> str | None:
    for name in ("chromium", "chromium-browser", "google-chrome", "chrome"):
        path = shutil.which(name)
        if path:
            return path
    return None


def check(report_dir: Path) -> tuple[bool, list[str]]:
    exe = browser()
    if exe is None:
        raise FileNotFoundError("no chromium found (apt-get install -y chromium)")
    page = (report_dir / "report.html").read_text()
    n_img = page.count("<img")
    with tempfile.TemporaryDirectory() as tmp:
        probe = Path(tmp) / "probe.html"  # outside the report dir: proves self-containment
        probe.write_text(page.replace("</body>", PROBE + "</body>"))
        cmd = [exe, "--headless", "--no-sandbox", "--disable-gpu",
               "--disable-background-networking", "--no-first-run",
               f"--user-data-dir={tmp}/profile", "--virtual-time-budget=10000",
               "--dump-dom", probe.as_uri()]
        out = subprocess.run(cmd, capture_output=True, text=True, timeout=120).stdout
    lines = re.findall(r"IMG (\S+) (\d+)x(\d+)", out)
    report = [f"{alt}: {w}x{h}" for alt, w, h in lines]
    ok = "DONE" in out and len(lines) == n_img > 0 and all(int(w) > 0 for _, w, _ in lines)
    return ok, report + [f"{len(lines)} of {n_img} images reported"]


def main(argv: list[str]) -> int:
    d = Path(argv[1] if len(argv) > 1 else "bnverify-report")
    try:
        ok, lines = check(d)
    except FileNotFoundError as exc:
        print(exc, file=sys.stderr)
        return 2
    print("\n".join(lines))
    print("all figures loaded" if ok else "SOME FIGURES DID NOT LOAD")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
