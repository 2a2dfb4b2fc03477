"""``bnverify report``: figures (one function per figure) and the writer."""
