"""Request payloads shaped like Slack's: slash commands, button presses, modal submissions, events."""

from __future__ import annotations

import itertools
from typing import Any

from tests.adapters.slack.fake_slack import BOT_USER, TEAM

CHANNEL = "C0GENERAL"
_ids = itertools.count(1)


def slash_command(
    command: str, text: str, *, user: str, response_url: str, channel: str = CHANNEL, user_name: str | None = None
) -> dict[str, str]:
    return {
        "token": "legacy-verification-token",
        "team_id": TEAM,
        "team_domain": "fake",
        "channel_id": channel,
        "channel_name": "directmessage" if channel.startswith("D") else "general",
        "user_id": user,
        "user_name": user_name or user.lower(),
        "command": command,
        "text": text,
        "api_app_id": "A0FAKE",
        "response_url": response_url,
        "trigger_id": f"trigger-{next(_ids)}",
    }


def button_press(
    action_id: str,
    *,
    user: str,
    message_ts: str,
    response_url: str,
    channel: str = CHANNEL,
    ephemeral: bool = False,
) -> dict[str, Any]:
    return {
        "type": "block_actions",
        "team": {"id": TEAM, "domain": "fake"},
        "user": {"id": user, "username": user.lower(), "name": user.lower(), "team_id": TEAM},
        "api_app_id": "A0FAKE",
        "token": "legacy-verification-token",
        "container": {"type": "message", "message_ts": message_ts, "channel_id": channel, "is_ephemeral": ephemeral},
        "trigger_id": f"trigger-{next(_ids)}",
        "channel": {"id": channel, "name": "general"},
        "message": {"type": "message", "ts": message_ts, "text": "poll"},
        "response_url": response_url,
        "actions": [
            {
                "action_id": action_id,
                "block_id": "poll",
                "text": {"type": "plain_text", "text": "button"},
                "value": action_id,
                "type": "button",
                "action_ts": "1700000001.000001",
            }
        ],
    }


def form_state(
    question: str, options: str = "", *, duration: str | None = None, settings: tuple[str, ...] = ()
) -> dict[str, Any]:
    """``view.state.values`` for the poll modal, as Slack fills it in."""
    selected = {"text": {"type": "plain_text", "text": duration}, "value": duration} if duration else None
    return {
        "question": {"value": {"type": "plain_text_input", "value": question}},
        "options": {"value": {"type": "plain_text_input", "value": options or None}},
        "duration": {"value": {"type": "static_select", "selected_option": selected}},
        "settings": {"value": {"type": "checkboxes", "selected_options": [{"value": s} for s in settings]}},
    }


def form_submission(opened_view: dict[str, Any], state: dict[str, Any], *, user: str) -> dict[str, Any]:
    """Submitting the modal the bot opened (``opened_view`` as it was sent to ``views.open``)."""
    return {
        "type": "view_submission",
        "team": {"id": TEAM, "domain": "fake"},
        "user": {"id": user, "username": user.lower(), "name": user.lower(), "team_id": TEAM},
        "api_app_id": "A0FAKE",
        "token": "legacy-verification-token",
        "trigger_id": f"trigger-{next(_ids)}",
        "view": {**opened_view, "id": "V0FAKE", "team_id": TEAM, "state": {"values": state}},
    }


def event_callback(event: dict[str, Any], *, event_id: str | None = None) -> dict[str, Any]:
    return {
        "token": "legacy-verification-token",
        "team_id": TEAM,
        "api_app_id": "A0FAKE",
        "event": event,
        "type": "event_callback",
        "event_id": event_id or f"Ev{next(_ids):08d}",
        "event_time": 1700000000,
        "authorizations": [{"team_id": TEAM, "user_id": BOT_USER, "is_bot": True}],
    }


def mention(text: str, *, user: str, channel: str = CHANNEL, event_id: str | None = None) -> dict[str, Any]:
    ts = f"1700000100.{next(_ids):06d}"
    event = {"type": "app_mention", "user": user, "text": text, "ts": ts, "channel": channel, "event_ts": ts}
    return event_callback(event, event_id=event_id)


def direct_message(text: str, *, user: str, channel: str = "D0ALICE", event_id: str | None = None) -> dict[str, Any]:
    ts = f"1700000200.{next(_ids):06d}"
    event = {"type": "message", "channel_type": "im", "user": user, "text": text, "ts": ts, "channel": channel}
    return event_callback(event, event_id=event_id)
