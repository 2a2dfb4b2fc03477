"""Numerics: the mean-field maps at any precision, certified stability verdicts, and the
exact finite-width simulator.

Imports ``theory`` (to evaluate what it derived), never ``proofs_check``.  The public
API is listed in ``__all__`` and loaded lazily (``import numerics`` is cheap):

==========================  ==============================================================
``mean_field_map``          ``F(G)`` and ``F_hat(G)`` at any precision, with an error bound
``shape_map``               ``F_hat(G)`` alone
``fast_mean_field_map``     the float64 twin, vectorised over a batch of Gram matrices
``jacobian``                the Jacobian of ``F_hat`` in the trace-zero basis
``directional_derivatives`` ``D F_hat(G)[E]`` along given directions
``certify``                 interval enclosures of the eigenvalues at a fixed point
``find_fixed_points``       every fixed point of a family (with proof where complete)
``analyse_fixed_points``    search -> Jacobian -> certificate -> verdict, one pipeline
``hermite_kernel``          a certified kernel for any activation (Hermite series)
``finite_width_expansion``  the O(1/d) bias and variance of the simulator's statistics
``simulate``, ``lyapunov``  finite-width runs and Lyapunov exponents
``read_gram_file``          the one reader of Gram files
==========================  ==============================================================

Layout: :mod:`numerics.arith` (arithmetic contexts), :mod:`numerics.kernels` (each kernel
family once), :mod:`numerics.precision`, :mod:`numerics.parameters`, :mod:`numerics.gram`,
and the subpackages :mod:`numerics.maps`, :mod:`numerics.jacobian`,
:mod:`numerics.fixed_points`, :mod:`numerics.simulation`.
"""

from theory.lazy import lazy_exports

__all__, __getattr__, __dir__ = lazy_exports(__name__, {
    "MapResult": "maps.precise", "mean_field_map": "maps.precise",
    "shape_map": "maps.precise", "fast_mean_field_map": "maps.fast",
    "jacobian": "jacobian.derivatives", "directional_derivatives": "jacobian.derivatives",
    "certify": "jacobian.certify",
    "find_fixed_points": "fixed_points.search",
    "analyse_fixed_points": "fixed_points.analysis",
    "FixedPointAnalysis": "fixed_points.analysis",
    "hermite_kernel": "hermite",
    "finite_width_expansion": "simulation.finite_width",
    "SimulationConfig": "simulation.simulate", "simulate": "simulation.simulate",
    "LyapunovConfig": "simulation.lyapunov", "lyapunov": "simulation.lyapunov",
    "read_gram_file": "gram", "validate_gram": "gram",
    "DEFAULT_DPS": "precision", "working_precision": "precision",
})
