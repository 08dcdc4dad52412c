"""The app manifest in docs/ matches what the adapter listens for."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from bot.adapters.slack.names import DEFAULT_SLASH_COMMANDS

MANIFEST = Path(__file__).resolve().parents[3] / "docs" / "slack-app-manifest.yaml"


def manifest() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load(MANIFEST.read_text(encoding="utf-8"))
    return data


def test_the_manifest_declares_every_default_slash_command() -> None:
    commands = manifest()["features"]["slash_commands"]
    assert sorted(c["command"] for c in commands) == sorted(DEFAULT_SLASH_COMMANDS.values())
    assert all(c["should_escape"] is False and len(c["description"]) <= 100 for c in commands)


def test_the_manifest_asks_for_the_events_scopes_and_socket_mode_the_adapter_uses() -> None:
    data = manifest()
    assert set(data["settings"]["event_subscriptions"]["bot_events"]) == {"app_mention", "message.im"}
    assert {"commands", "chat:write", "app_mentions:read", "im:history"} <= set(data["oauth_config"]["scopes"]["bot"])
    assert data["settings"]["interactivity"]["is_enabled"] is True
    assert data["settings"]["socket_mode_enabled"] is True
    assert data["features"]["app_home"]["messages_tab_enabled"] is True
