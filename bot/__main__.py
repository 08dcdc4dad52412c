"""``python -m bot``: the same as the ``debatebot`` command."""

import sys

from bot.cli import main

sys.exit(main())
