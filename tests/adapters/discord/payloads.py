"""JSON payloads the fake Discord sends, shaped as Discord's own (only the fields discord.py reads)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

APP_ID = 910000000000000001
"""The application id; a bot user has the same id as its application."""
GUILD_ID = 920000000000000001
CHANNEL_ID = 930000000000000001
OWNER_ID = 940000000000000001

VIEW_CHANNEL, SEND_MESSAGES, READ_HISTORY = 1 << 10, 1 << 11, 1 << 16
MANAGE_CHANNELS, MANAGE_GUILD, MANAGE_MESSAGES, ADMINISTRATOR = 1 << 4, 1 << 5, 1 << 13, 1 << 3
USE_APPLICATION_COMMANDS = 1 << 31
MEMBER = VIEW_CHANNEL | SEND_MESSAGES | READ_HISTORY | USE_APPLICATION_COMMANDS
"""A plain member's permissions in the test channel."""
MODERATOR = MEMBER | MANAGE_MESSAGES
MANAGER = MEMBER | MANAGE_CHANNELS

EPHEMERAL, LOADING = 1 << 6, 1 << 7


def now_iso() -> str:
    return datetime.now(UTC).isoformat()


def user(user_id: int, name: str, *, bot: bool = False) -> dict[str, Any]:
    return {
        "id": str(user_id),
        "username": name.lower().replace(" ", "_")[:32],
        "global_name": name,
        "discriminator": "0",
        "avatar": None,
        "bot": bot,
        "public_flags": 0,
        "flags": 0,
    }


BOT_USER = user(APP_ID, "debatebot", bot=True)


def member(user_id: int, name: str, permissions: int) -> dict[str, Any]:
    return {
        "user": user(user_id, name),
        "roles": [],
        "joined_at": "2025-01-01T00:00:00+00:00",
        "deaf": False,
        "mute": False,
        "flags": 0,
        "pending": False,
        "nick": None,
        "avatar": None,
        "premium_since": None,
        "communication_disabled_until": None,
        "permissions": str(permissions),
    }


def application() -> dict[str, Any]:
    return {
        "id": str(APP_ID),
        "name": "debatebot (fake)",
        "description": "",
        "icon": None,
        "bot_public": True,
        "bot_require_code_grant": False,
        "owner": user(OWNER_ID, "Owner"),
        "verify_key": "0" * 64,
        "flags": 0,
        "summary": "",
        "team": None,
        "interactions_endpoint_url": None,
    }


def channel(guild_id: int = GUILD_ID, channel_id: int = CHANNEL_ID) -> dict[str, Any]:
    return {
        "id": str(channel_id),
        "type": 0,
        "guild_id": str(guild_id),
        "name": "general",
        "position": 0,
        "permission_overwrites": [],
        "nsfw": False,
        "parent_id": None,
        "topic": None,
        "last_message_id": None,
        "rate_limit_per_user": 0,
        "flags": 0,
    }


def guild(guild_id: int = GUILD_ID, channel_id: int = CHANNEL_ID) -> dict[str, Any]:
    everyone = {
        "id": str(guild_id),
        "name": "@everyone",
        "permissions": str(MEMBER),
        "position": 0,
        "color": 0,
        "hoist": False,
        "managed": False,
        "mentionable": False,
        "flags": 0,
    }
    return {
        "id": str(guild_id),
        "name": "Debate Club",
        "icon": None,
        "owner_id": str(OWNER_ID),
        "roles": [everyone],
        "channels": [channel(guild_id, channel_id)],
        "members": [],
        "member_count": 250,
        "features": [],
        "emojis": [],
        "stickers": [],
        "threads": [],
        "stage_instances": [],
        "guild_scheduled_events": [],
        "voice_states": [],
        "presences": [],
        "large": False,
        "unavailable": False,
        "joined_at": "2025-01-01T00:00:00+00:00",
        "verification_level": 0,
        "default_message_notifications": 0,
        "explicit_content_filter": 0,
        "mfa_level": 0,
        "nsfw_level": 0,
        "premium_tier": 0,
        "preferred_locale": "en-US",
        "system_channel_flags": 0,
        "afk_timeout": 300,
    }


def interaction(
    interaction_id: int,
    token: str,
    kind: int,
    data: dict[str, Any],
    actor: dict[str, Any],
    message: dict[str, Any] | None = None,
    *,
    guild_id: int = GUILD_ID,
    channel_id: int = CHANNEL_ID,
) -> dict[str, Any]:
    """An INTERACTION_CREATE payload in a guild's channel (``kind``: 2 command, 3 component, 4 autocomplete); by
    default the test guild's."""
    payload: dict[str, Any] = {
        "id": str(interaction_id),
        "application_id": str(APP_ID),
        "type": kind,
        "token": token,
        "version": 1,
        "guild_id": str(guild_id),
        "guild": {"id": str(guild_id), "locale": "en-US", "features": []},
        "channel_id": str(channel_id),
        "channel": channel(guild_id, channel_id),
        "member": actor,
        "data": data,
        "locale": "en-US",
        "guild_locale": "en-US",
        "app_permissions": str(MEMBER),
        "entitlements": [],
        "authorizing_integration_owners": {"0": str(guild_id)},
        "context": 0,
        "attachment_size_limit": 8 * 1024 * 1024,
    }
    if message is not None:
        payload["message"] = message
    return payload
