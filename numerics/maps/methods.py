"""The names of the routes of :func:`numerics.maps.precise.mean_field_map`.

A module without heavy imports, so that the command line can offer the routes as
choices (``bnverify map --method``) without loading the numerics.
"""

__all__ = ["METHODS"]

#: The evaluation routes, in the order of the table of :mod:`numerics.maps.precise`.
METHODS = ("closed-form", "rs-integral", "gaussian-quadrature", "rqmc", "hermite")
