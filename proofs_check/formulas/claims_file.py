"""Claims files: many formulas checked at once (``bnverify verify --file CLAIMS.toml``).

A claims file is TOML with one ``[[claim]]`` table per formula, keyed by
:data:`CLAIM_KEYS` (the keyword arguments of :func:`proofs_check.formulas.verify`
plus ``name``, ``quantity`` and ``expr``); ``examples/claims.toml`` is an example.
"""

from __future__ import annotations

import tomllib
from pathlib import Path

from proofs_check.formulas.quantities import verify
from proofs_check.formulas.results import ClaimsReport, VerifyResult
from theory.errors import BnverifyError, InvalidInputError

#: Keys a claim of a claims file may have.
CLAIM_KEYS = frozenset({"name", "quantity", "expr", "family", "layer", "activation",
                        "parameter", "at", "multiplicity", "symmetry", "point", "n", "dps",
                        "seed"})


def verify_file(path: str | Path) -> list[VerifyResult]:
    """Check every claim of a TOML claims file (``[[claim]]`` tables; see docs).

    Raises
    ------
    InvalidInputError
        For an unreadable file, invalid TOML, unknown keys or a claim without
        ``quantity``/``expr``; errors of a claim are prefixed with its name.
    """
    path = Path(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else exc
        raise InvalidInputError(f"cannot read claims file {str(path)!r}: {reason}",
                                parameter="path") from None
    except tomllib.TOMLDecodeError as exc:
        raise InvalidInputError(f"claims file {str(path)!r} is not valid TOML: {exc}",
                                parameter="path") from None
    claims = data.get("claim")
    if not isinstance(claims, list) or not claims:
        raise InvalidInputError(f"claims file {str(path)!r} has no [[claim]] tables",
                                parameter="path")
    results = []
    for index, claim in enumerate(claims, start=1):
        if not isinstance(claim, dict):
            raise InvalidInputError(f"claims file {str(path)!r}: claim {index} is not a "
                                    "[[claim]] table", parameter="path")
        label = str(claim.get("name", f"claim {index}"))
        unknown = sorted(set(claim) - CLAIM_KEYS)
        if unknown:
            raise InvalidInputError(f"{label}: unknown keys {unknown} "
                                    f"(allowed: {', '.join(sorted(CLAIM_KEYS))})",
                                    parameter="path")
        for key in ("quantity", "expr"):
            if key not in claim:
                raise InvalidInputError(f"{label}: missing {key!r}", parameter="path")
        kwargs = {k: v for k, v in claim.items() if k not in ("quantity", "expr", "name")}
        if "point" in kwargs and not isinstance(kwargs["point"], dict):
            raise InvalidInputError(f"{label}: 'point' must be a table of name = \"expr\"",
                                    parameter="path")
        if "multiplicity" in kwargs:
            kwargs["multiplicity"] = str(kwargs["multiplicity"])
        try:
            results.append(verify(claim["quantity"], claim["expr"], name=label, **kwargs))
        except BnverifyError as exc:
            raise type(exc)(f"{label}: {exc}", parameter="path") from None  # a key of the file
        except TypeError as exc:
            raise InvalidInputError(f"{label}: {exc}", parameter="path") from None
    return results


def claims_report(path: str | Path) -> ClaimsReport:
    """:func:`verify_file` as a table (exit status 1 when a claim is refuted)."""
    return ClaimsReport(str(path), verify_file(path))


__all__ = ["CLAIM_KEYS", "claims_report", "verify_file"]
