"""Shared pytest configuration: the Hypothesis profiles.

Select one with the ``HYPOTHESIS_PROFILE`` environment variable (default
``default``)::

    HYPOTHESIS_PROFILE=ci pytest -q          # what .ci/run uses
    HYPOTHESIS_PROFILE=thorough pytest -q    # long local runs

========== ============ ============= ========== ==========================
profile    max_examples derandomize   deadline   health checks suppressed
========== ============ ============= ========== ==========================
default    25           no            none       too_slow
ci         12           yes           none       too_slow
thorough   300          no            none       too_slow
========== ============ ============= ========== ==========================

* ``deadline=None`` everywhere: the property tests run simulations and
  high-precision maps whose time depends on the drawn sizes and on the load of a
  shared 2-core CI machine; a per-example deadline would only measure that
  load and make the suite flaky.
* ``too_slow`` is suppressed because composite strategies (family members built
  with SymPy, matrices built from drawn points) legitimately take more than the
  health check's generation budget on a loaded machine; the example counts are
  bounded by the profiles instead.
* ``ci`` is derandomized: the same examples on every run, so a CI failure is
  reproducible and a green CI is not luck of the draw.  ``thorough`` draws fresh
  examples each run (run it several times with different seeds,
  ``--hypothesis-seed=N``).

Property tests that are expensive per example scale their example count from
the active profile with ``examples()`` in ``tests/properties/_budget.py``.
"""

from __future__ import annotations

import os

from hypothesis import HealthCheck, Phase, settings

_COMMON = {"deadline": None, "suppress_health_check": [HealthCheck.too_slow]}

settings.register_profile("default", max_examples=25, **_COMMON)
settings.register_profile("ci", max_examples=12, derandomize=True, print_blob=True, **_COMMON)
settings.register_profile("thorough", max_examples=300, print_blob=True, **_COMMON)

# Debugging aid: the ci examples, reported unshrunk (a failure shows at once).
settings.register_profile("ci-noshrink", parent=settings.get_profile("ci"),
                          phases=[Phase.explicit, Phase.reuse, Phase.generate])

settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))
