"""The mean-field map ``F`` and the shape map ``F_hat = n F / tr F`` (docs/theory.md, section 2).

* :mod:`numerics.maps.precise`: any precision (mpmath), with an error bound per route
  (closed form, the RS s-integral, Gaussian quadrature, randomized QMC);
* :mod:`numerics.maps.fast`: the float64 twin, vectorised over a batch of Gram matrices;
* :mod:`numerics.maps.quadrature`: the quadrature rules both use.
"""

from theory.lazy import lazy_exports

__all__, __getattr__, __dir__ = lazy_exports(__name__, {
    "MapResult": "precise", "map_method": "precise", "mean_field_map": "precise",
    "shape_map": "precise", "exact_covariance": "precise", "METHODS": "precise",
    "FastMapResult": "fast", "fast_mean_field_map": "fast",
})
