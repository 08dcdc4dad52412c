"""Discord adapter tests: the real discord.py client against a fake Discord on loopback."""

import warnings

with warnings.catch_warnings():
    # discord.py imports the standard library's audioop (for voice), deprecated since Python 3.11;
    # the test suite turns warnings into errors, so import it once here with that one warning muted.
    warnings.filterwarnings("ignore", message="'audioop' is deprecated", category=DeprecationWarning)
    import discord  # noqa: F401
