"""One module per ``bnverify`` subcommand (see :mod:`proofs_check.cli`)."""
