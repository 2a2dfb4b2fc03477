"""Numerics: the mean-field maps at any precision, certified stability
verdicts, and the exact finite-width simulator.

Imports ``theory`` (to evaluate what it derived), never ``proofs_check``.
"""
