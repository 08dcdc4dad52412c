"""Running the real ``python -m bot`` (a subprocess) or ``bot.cli.main`` (in-process) in a clean environment."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[2]

_SETTINGS = {
    "KNOWLEDGE_DIR",
    "DATABASE_URL",
    "LOG_LEVEL",
    "DIGEST_DEFAULT_TIME",
    "DIGEST_DEFAULT_TZ",
    "RATE_LIMIT_COMMANDS",
    "RATE_LIMIT_WINDOW_SECONDS",
    "OPS_PORT",
    "OPS_HOST",
    "LOG_FORMAT",
}


def _foreign(name: str) -> bool:
    """Variables of the developer's own environment that would change what the CLI does."""
    upper = name.upper()
    return upper.startswith(("DISCORD_", "SLACK_")) or upper in _SETTINGS


def clean_env(database: Path, extra: Mapping[str, str] | None = None) -> dict[str, str]:
    env = {name: value for name, value in os.environ.items() if not _foreign(name)}
    env.update(
        DATABASE_URL=f"sqlite:///{database}",
        LOG_LEVEL="WARNING",
        PYTHONUTF8="1",
        PYTHONIOENCODING="utf-8",
    )
    env.update(extra or {})
    return env


@dataclass
class Cli:
    """``python -m bot`` in its own folder (so no stray .env is read), on its own database."""

    cwd: Path
    database: Path

    def run(
        self, *args: str, stdin: str = "", env: Mapping[str, str] | None = None, **options: Any
    ) -> subprocess.CompletedProcess[str]:
        """``options`` go to :func:`subprocess.run` (``user=``, ``stdout=``…)."""
        if "stdout" in options:
            options.setdefault("stderr", subprocess.PIPE)
        else:
            options.setdefault("capture_output", True)
        return subprocess.run(
            [sys.executable, "-m", "bot", *args],
            cwd=self.cwd,
            env=clean_env(self.database, env),
            input=stdin,
            text=True,
            encoding="utf-8",
            timeout=60,
            check=False,
            **options,
        )


@pytest.fixture
def cli(tmp_path: Path) -> Cli:
    work = tmp_path / "cwd"
    work.mkdir()
    return Cli(cwd=work, database=tmp_path / "db" / "x.db")


@pytest.fixture
def in_process(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """Environment for calling ``bot.cli.main`` directly: a clean env, cwd without a .env, a fresh database."""
    work = tmp_path / "cwd"
    work.mkdir(exist_ok=True)
    monkeypatch.chdir(work)
    for name in list(os.environ):
        if _foreign(name):
            monkeypatch.delenv(name)
    database = tmp_path / "db" / "x.db"
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{database}")
    monkeypatch.setenv("LOG_LEVEL", "WARNING")
    return database


def exchanges(stdout: str) -> list[tuple[str, str]]:
    """The console's piped output as (command echoed after '> ', the answer printed under it)."""
    pairs = []
    for chunk in re.split(r"^> ", stdout, flags=re.MULTILINE)[1:]:
        command, _, answer = chunk.partition("\n")
        pairs.append((command, answer.strip("\n")))
    return pairs
