"""The wheel ships the knowledge base and both sets of migrations, so an installed bot works outside the checkout."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from tests.cli.conftest import REPO

SHIPPED = [
    "bot/_knowledge/commentators/lecun.yaml",
    "bot/_knowledge/commentators/lee.yaml",
    "bot/_knowledge/commentators/ng.yaml",
    "bot/_knowledge/commentators/sacks.yaml",
    "bot/_knowledge/commentators/wang.yaml",
    "bot/_knowledge/topics.yaml",
    "bot/_knowledge/polls.yaml",
    "bot/_knowledge/sources.yaml",
    "bot/store/migrations/0001_initial.sql",
    "bot/store/pg_migrations/0001_initial.sql",
]


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    hatchling = subprocess.run([sys.executable, "-c", "import hatchling"], capture_output=True, text=True, check=False)
    assert hatchling.returncode == 0, f"hatchling must be importable in the test venv: {hatchling.stderr}"
    out = tmp_path_factory.mktemp("wheel")
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "--no-cache-dir",
            "--disable-pip-version-check",
            "-q",
            "-w",
            str(out),
            str(REPO),
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    wheels = list(out.glob("debatebot-*.whl"))
    assert len(wheels) == 1, wheels
    return wheels[0]


def test_wheel_contains_knowledge_and_migrations(wheel: Path) -> None:
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
    missing = [name for name in SHIPPED if name not in names]
    assert not missing, missing


def test_wheel_knowledge_files_match_the_checkout(wheel: Path) -> None:
    with zipfile.ZipFile(wheel) as archive:
        for name in SHIPPED:
            if name.startswith("bot/_knowledge/"):
                source = REPO / "knowledge" / name.removeprefix("bot/_knowledge/")
            else:
                source = REPO / name
            assert archive.read(name) == source.read_bytes(), name


def test_wheel_declares_the_console_script(wheel: Path) -> None:
    with zipfile.ZipFile(wheel) as archive:
        entry_points = next(n for n in archive.namelist() if n.endswith(".dist-info/entry_points.txt"))
        text = archive.read(entry_points).decode()
    assert "debatebot = bot.cli:main" in text
