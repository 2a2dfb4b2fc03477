"""The exception classes users catch (defined, with their table, in :mod:`theory.errors`).

Every failure the tool reports on bad input is a :class:`BnverifyError` (a
``ValueError``) carrying the Python parameter at fault in ``.parameter``; the
command line (:func:`proofs_check.cli.main`) turns it into exit status 2 and one
line on stderr naming the flag.
"""

from theory.errors import *  # noqa: F403  (the classes, re-exported)
from theory.errors import __all__  # noqa: F401
