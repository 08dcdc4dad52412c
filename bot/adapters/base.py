"""What every chat adapter provides to the runner."""

from __future__ import annotations

from typing import Protocol


class AdapterFatal(Exception):
    """The adapter cannot go on (bad token, refused intent, port in use). The message is safe to print."""


class Adapter(Protocol):
    name: str

    async def run(self) -> None:
        """Connect and serve until :meth:`stop` is called; raise :class:`AdapterFatal` when it cannot."""
        ...

    async def stop(self) -> None:
        """Disconnect and finish pending work (such as the last poll-message update)."""
        ...

    def is_ready(self) -> bool:
        """Connected to the platform and taking requests now (``GET /readyz``); ``False`` while reconnecting."""
        ...
