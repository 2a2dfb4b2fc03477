"""Fixed points of ``F_hat`` in a family at concrete ``n``, with proof, and their analysis.

:mod:`numerics.fixed_points.search` chooses a route (a registry: complete searches on the
recentred simplex, closed forms entry by entry, 1-D interval searches) and
:mod:`numerics.fixed_points.analysis` runs search -> Jacobian -> certificate -> verdict.
The other modules are the routes and their interval tools (:mod:`~.krawczyk`).
"""

from theory.lazy import lazy_exports

__all__, __getattr__, __dir__ = lazy_exports(__name__, {
    "FixedPointSearchResult": "search", "FoundFixedPoint": "search",
    "find_fixed_points": "search",
    "FixedPointAnalysis": "analysis", "FixedPointVerdict": "analysis",
    "EigenvalueReport": "analysis", "analyse_fixed_points": "analysis",
})
