"""Schema versions, whatever the backend: where a database is, what this code expects, and what to say about it.

Policy (issue 11): migrations run once per deploy, from ``debatebot db upgrade``; ``debatebot db check`` tells
whether the schema is current. A bot process never starts on a schema newer than its code. SQLite, which
needs no setup, still brings its file up to date when the store opens; PostgreSQL, shared by several
processes, does not: its store refuses to open on a schema that is behind, and names the command to run.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.core.ports import StoreError


@dataclass(frozen=True)
class SchemaState:
    """The schema version a database is at (0: no schema yet) and the one this code expects."""

    current: int
    latest: int

    @property
    def is_current(self) -> bool:
        return self.current == self.latest

    @property
    def is_behind(self) -> bool:
        return self.current < self.latest

    @property
    def is_newer(self) -> bool:
        return self.current > self.latest

    def describe(self, *, other: str = "database") -> str:
        """One line for an operator: current; behind, and what to run; or newer, and what to do."""
        if self.is_current:
            return f"schema current (version {self.current})"
        if self.is_behind:
            return (
                f"schema behind: version {self.current}, this debatebot expects {self.latest}: "
                "run `debatebot db upgrade`"
            )
        return (
            f"schema newer than this debatebot: version {self.current}, this debatebot knows {self.latest}; "
            f"upgrade debatebot or point DATABASE_URL at another {other}"
        )


class SchemaError(StoreError):
    """The database's schema is not the one this code expects; the message says what to run or do."""

    def __init__(self, state: SchemaState, *, other: str = "database") -> None:
        super().__init__(state.describe(other=other))
        self.state = state
