"""Why a database file cannot be opened, as one message an operator can act on."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from bot.core.ports import StoreError


class DatabaseFileError(StoreError):
    """``DATABASE_URL`` names a path that cannot hold the bot's database; the message says why and what to do."""


def database_error(path: Path, exc: sqlite3.Error) -> StoreError:
    """The error to raise for ``exc``, raised by SQLite while opening ``path``."""
    name = getattr(exc, "sqlite_errorname", "") or ""
    if name.startswith("SQLITE_NOTADB"):
        return DatabaseFileError(
            f"{path} is not a SQLite database. Point DATABASE_URL at the bot's database, or move this file "
            "away to start a new one."
        )
    if name.startswith("SQLITE_CORRUPT"):
        return DatabaseFileError(
            f"{path} is damaged (SQLite: {exc}); it may have been truncated or overwritten. Restore it from a "
            "backup, or move it away (with any -wal and -shm files next to it) to start a new one."
        )
    if name.startswith(("SQLITE_READONLY", "SQLITE_PERM", "SQLITE_AUTH")):
        return DatabaseFileError(
            f"{path} is read-only for this user; the bot writes the file and, next to it, {path.name}-wal and "
            f"{path.name}-shm. Give this user write access to the file and its folder, or point DATABASE_URL "
            "at a writable location."
        )
    if name.startswith("SQLITE_CANTOPEN"):
        return DatabaseFileError(
            f"cannot open or create {path}: the folder is not writable by this user, or the path is a folder. "
            "Point DATABASE_URL at a file in a writable folder (such as sqlite:///data/debatebot.db)."
        )
    if name.startswith(("SQLITE_BUSY", "SQLITE_LOCKED")):
        return StoreError(f"{path} stayed locked by another process; try again when it is done")
    if name.startswith("SQLITE_FULL"):
        return StoreError(f"the disk holding {path} is full; free some space and start again")
    return StoreError(f"{path}: SQLite error while opening it ({exc})")


def make_folder(path: Path) -> None:
    """Create the database's folder, or say why it cannot be."""
    folder = path.parent
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except (FileExistsError, NotADirectoryError):
        blocker = next((p for p in (folder, *folder.parents) if p.exists() and not p.is_dir()), folder)
        raise DatabaseFileError(
            f"{path}: {blocker} is a file, not a folder. Point DATABASE_URL at a file inside a folder "
            "(such as sqlite:///data/debatebot.db), or move that file away."
        ) from None
    except OSError as exc:
        raise DatabaseFileError(
            f"{path}: cannot create the folder {folder} ({exc.strerror or exc}). Create it with write "
            "access for this user, or point DATABASE_URL at a writable location."
        ) from None
