"""`make bench`: speed targets, each a ratio against a baseline measured in the same run (see bench/__main__.py)."""
