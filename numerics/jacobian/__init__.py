"""The Jacobian of ``F_hat`` and its certified spectrum (docs/theory.md, section 3).

* :mod:`numerics.jacobian.derivatives`: directional derivatives and the full Jacobian
  in the trace-zero basis (exact chain rule over any arithmetic context, or central
  differences for RS);
* :mod:`numerics.jacobian.rs_integral`: ball enclosures of the RS map and its
  derivatives (the s-integral under ``acb.integral``);
* :mod:`numerics.jacobian.symmetry`: isotypic blocks under permutations of cells;
* :mod:`numerics.jacobian.certify`: interval enclosures of the eigenvalues.
"""

from theory.lazy import lazy_exports

__all__, __getattr__, __dir__ = lazy_exports(__name__, {
    "DerivativeResult": "derivatives", "JacobianResult": "derivatives",
    "directional_derivatives": "derivatives", "jacobian": "derivatives",
    "shape_and_derivatives": "derivatives", "trace_zero_basis": "derivatives",
    "rs_shape_and_derivatives": "rs_integral",
    "Block": "symmetry", "Component": "symmetry", "blocks": "symmetry",
    "components": "symmetry",
    "Certificate": "certify", "CertifiedEigenvalue": "certify", "certify": "certify",
})
