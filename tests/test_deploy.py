"""The deployment files (``Dockerfile``, ``compose.yaml``, ``.env.example``) agree with the settings the code reads.

A setting misspelt in compose.yaml would be silently ignored by the bot (it ignores unknown variables), so each
one must be a real setting, listed in .env.example, and each bot service's values must pass validation.
"""

from __future__ import annotations

import re
import shlex
from pathlib import Path
from typing import Any

import pytest
import yaml

from bot.cli import _parser
from bot.settings import Settings, load_settings

REPO = Path(__file__).resolve().parents[1]
NOT_SETTINGS = {"PYTHONUNBUFFERED"}
"""Variables the Dockerfile sets for Python itself, not for debatebot."""


def example_names() -> set[str]:
    text = (REPO / ".env.example").read_text(encoding="utf-8")
    return set(re.findall(r"^([A-Z][A-Z0-9_]*)=", text, flags=re.MULTILINE))


def dockerfile_env() -> dict[str, str]:
    """The ``ENV`` instructions of the final stage, joined across line continuations."""
    text = (REPO / "Dockerfile").read_text(encoding="utf-8").replace("\\\n", " ")
    final_stage = text.rsplit("\nFROM ", 1)[1]
    env: dict[str, str] = {}
    for line in final_stage.splitlines():
        if line.startswith("ENV "):
            env.update(part.split("=", 1) for part in shlex.split(line[4:]))  # type: ignore[arg-type]
    return env


def compose() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load((REPO / "compose.yaml").read_text(encoding="utf-8"))
    return loaded


def debatebot_services() -> dict[str, dict[str, Any]]:
    """The services that run the image built from this repository."""
    return {name: service for name, service in compose()["services"].items() if service.get("build") == "."}


def interpolated(value: object) -> str:
    """A compose value with ``${NAME:-default}`` replaced by its default, as compose does when NAME is unset."""
    return re.sub(r"\$\{[A-Z_]+:-([^}]*)\}", r"\1", str(value))


def test_every_setting_is_listed_in_env_example_and_nothing_else_is() -> None:
    assert example_names() == {name.upper() for name in Settings.model_fields}


def test_the_dockerfile_sets_only_real_settings() -> None:
    names = set(dockerfile_env())
    assert names, "the Dockerfile sets no ENV: the test would prove nothing"
    assert names - NOT_SETTINGS <= example_names()


def test_compose_bot_services_use_only_real_settings() -> None:
    services = debatebot_services()
    assert {"migrate", "bot-1", "bot-2"} <= set(services)
    for name, service in services.items():
        unknown = set(service.get("environment", {})) - example_names()
        assert not unknown, f"{name} sets variables debatebot does not read: {sorted(unknown)}"


@pytest.mark.parametrize("service", ["migrate", "bot-1", "bot-2"])
def test_each_bot_service_settings_validate(service: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)  # no developer .env
    for name in example_names():
        monkeypatch.delenv(name, raising=False)
    for name, value in {**dockerfile_env(), **debatebot_services()[service]["environment"]}.items():
        monkeypatch.setenv(name, interpolated(value))
    settings = load_settings()
    assert settings.database_url.startswith("postgresql://")
    assert settings.redis_url is not None
    assert settings.redis_url.get_secret_value() == "redis://redis:6379/0"


def test_each_service_command_is_a_debatebot_command() -> None:
    image_default = ["run"]
    for name, service in debatebot_services().items():
        command = service.get("command", image_default)
        _parser().parse_args(command)  # exits (SystemExit) on an unknown command
        assert name != "migrate" or command == ["db", "upgrade"], "migrations run once, in the migrate service"


def test_the_bot_processes_split_the_shards_and_the_ports() -> None:
    bots = [service for name, service in debatebot_services().items() if name != "migrate"]
    counts = {service["environment"]["DISCORD_SHARD_COUNT"] for service in bots}
    assert len(counts) == 1
    shards = sorted(int(s) for service in bots for s in service["environment"]["DISCORD_SHARD_IDS"].split(","))
    assert shards == list(range(int(counts.pop()))), "every shard runs in exactly one process"
    published = [port.split(":")[0] for service in bots for port in service["ports"]]
    assert len(published) == len(set(published)), "each process has its own host ports"
