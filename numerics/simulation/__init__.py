"""Finite-width networks, simulated exactly (docs/theory.md, sections 1 and 6).

* :mod:`numerics.simulation.sampling`: one random layer per weight ensemble in
  ``O(d n^2)`` (the ``d x d`` path kept as the reference);
* :mod:`numerics.simulation.simulate`: deep runs over many trials, recorded per layer;
* :mod:`numerics.simulation.statistics`: exact clusters, merges, the cluster + odd test,
  confidence intervals;
* :mod:`numerics.simulation.float_range`: exact power-of-two rescaling, no non-finite
  value reported;
* :mod:`numerics.simulation.lyapunov`: finite-width Lyapunov exponents, compared with
  the mean-field rates of :mod:`numerics.simulation.mean_field_rates`;
* :mod:`numerics.simulation.finite_width` (with :mod:`~.layer_covariance`): the O(1/d)
  theory of the simulator's mean and covariance.
"""

from theory.lazy import lazy_exports

__all__, __getattr__, __dir__ = lazy_exports(__name__, {
    "LayerSampler": "sampling",
    "SimulationConfig": "simulate", "SimulationResult": "simulate", "simulate": "simulate",
    "batch_from_gram": "simulate",
    "LyapunovConfig": "lyapunov", "LyapunovResult": "lyapunov", "lyapunov": "lyapunov",
    "mean_field_exponent": "mean_field_rates",
    "FiniteWidthResult": "finite_width", "finite_width_expansion": "finite_width",
    "cluster_odd_test": "statistics", "mean_interval": "statistics",
    "wilson_interval": "statistics",
})
