"""Tests of proofs_check.formulas, one module per module of the package."""
