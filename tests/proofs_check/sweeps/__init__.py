"""Tests of proofs_check.sweeps (a package, so the fault hook pickles by module name)."""
