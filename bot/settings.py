"""Settings from the environment and ``.env``, validated once at start-up.

Every setting is listed, with a comment, in ``.env.example``.
"""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from bot.core.schedule import check_hhmm, check_time_zone
from bot.settings_checks import (
    check_plain_text,
    check_redis_url,
    check_secret,
    env_file_problem,
    parse_command_names,
    parse_grace,
    parse_id_list,
    redis_passwords,
)
from bot.store.urls import DatabaseUrl, parse_database_url

__all__ = ["Settings", "SettingsError", "check_hhmm", "check_time_zone", "load_settings"]

_SECRETS = ("discord_token", "slack_bot_token", "slack_app_token", "slack_signing_secret")


class SettingsError(Exception):
    """A setting is missing or malformed; the message names the variable, never a secret value."""


class Settings(BaseSettings):
    """debatebot's configuration."""

    model_config = SettingsConfigDict(
        env_file=".env", env_file_encoding="utf-8", env_ignore_empty=True, extra="ignore", frozen=True
    )

    database_url: str = Field(default="sqlite:///data/debatebot.db")
    database_pool_min_size: int = Field(default=1, ge=0, le=1000)
    """PostgreSQL only: connections opened at start and kept open."""
    database_pool_max_size: int = Field(default=10, ge=1, le=1000)
    """PostgreSQL only: at most this many connections per process."""
    knowledge_dir: Path | None = None
    log_level: str = "INFO"
    digest_default_time: str = "09:00"
    digest_default_tz: str = "UTC"
    digest_grace: timedelta = timedelta(hours=6)
    """A digest missed by less than this (the bot was down) is posted once on start; older ones are skipped."""
    rate_limit_commands: int = Field(default=5, ge=1, le=1_000_000)
    rate_limit_window_seconds: float = Field(default=10.0, gt=0, le=3600)

    ops_port: int | None = Field(default=None, ge=0, le=65535)
    """The port of ``/healthz``, ``/readyz`` and ``/metrics``; unset: no ops server (0: any free port, for tests)."""
    ops_host: str = "127.0.0.1"
    log_format: Literal["text", "json"] = "text"

    discord_token: SecretStr | None = None
    discord_guild_ids: Annotated[tuple[int, ...], NoDecode] = ()
    discord_api_base_url: str = "https://discord.com/api/v10"
    discord_gateway_url: str = "wss://gateway.discord.gg/"
    discord_shard_count: int | None = Field(default=None, ge=1)
    discord_shard_ids: Annotated[tuple[int, ...], NoDecode] = ()

    slack_bot_token: SecretStr | None = None
    slack_app_token: SecretStr | None = None
    slack_signing_secret: SecretStr | None = None
    slack_http_port: int = Field(default=3000, ge=1, le=65535)
    slack_admin_user_ids: Annotated[tuple[str, ...], NoDecode] = ()
    slack_api_base_url: str = "https://slack.com/api/"
    slack_command_names: Annotated[dict[str, str], NoDecode] = Field(default_factory=dict)
    """Registry command → Slack slash command, e.g. ``poll=/debatepoll,help=/debatehelp``."""

    redis_url: SecretStr | None = None
    """Set: the rate limit and poll redraws are shared by every process using this Redis; unset: each on its own."""
    redis_key_prefix: str = Field(default="debatebot:", pattern=r"^[A-Za-z0-9:_.-]{1,64}$")

    @field_validator("discord_guild_ids", "discord_shard_ids", mode="before")
    @classmethod
    def _int_list(cls, value: object) -> object:
        return parse_id_list(value) if isinstance(value, str) else value

    @field_validator("slack_admin_user_ids", mode="before")
    @classmethod
    def _str_list(cls, value: object) -> object:
        if isinstance(value, str):
            return tuple(check_plain_text(part.strip()) for part in value.split(",") if part.strip())
        return value

    @field_validator(
        "database_url",
        "knowledge_dir",
        "discord_api_base_url",
        "discord_gateway_url",
        "slack_api_base_url",
        mode="before",
    )
    @classmethod
    def _one_line(cls, value: object) -> object:
        return check_plain_text(value) if isinstance(value, str) else value

    @field_validator("slack_command_names", mode="before")
    @classmethod
    def _command_names(cls, value: object) -> object:
        return parse_command_names(value) if isinstance(value, str) else value

    @field_validator("discord_api_base_url", "slack_api_base_url", "discord_gateway_url")
    @classmethod
    def _url(cls, value: str) -> str:
        if not re.match(r"^(https?|wss?)://[^\s/]+", value):
            raise ValueError("expected an absolute http(s):// or ws(s):// URL")
        return value

    @field_validator("database_url")
    @classmethod
    def _database_url(cls, value: str) -> str:
        parse_database_url(value)
        return value

    @field_validator("ops_port", mode="before")
    @classmethod
    def _port(cls, value: object) -> object:
        if isinstance(value, str) and not (value.strip().isascii() and value.strip().isdigit()):
            raise ValueError("expected a port number from 1 to 65535, such as 9100")
        if isinstance(value, str | int) and not 0 <= int(value) <= 65535:
            raise ValueError("expected a port number from 1 to 65535, such as 9100")
        return value

    @field_validator("ops_host")
    @classmethod
    def _host(cls, value: str) -> str:
        if not re.fullmatch(r"[A-Za-z0-9.:_-]{1,253}", value.strip()):
            raise ValueError("expected an interface address or host name, such as 127.0.0.1 or 0.0.0.0")
        return value.strip()

    @field_validator("log_format", mode="before")
    @classmethod
    def _log_format(cls, value: object) -> object:
        if isinstance(value, str):
            if value.strip().lower() not in ("text", "json"):
                raise ValueError("use text (one readable line per record) or json (one JSON object per line)")
            return value.strip().lower()
        return value

    @model_validator(mode="after")
    def _pool_sizes(self) -> Settings:
        if self.database_pool_min_size > self.database_pool_max_size:
            raise ValueError("DATABASE_POOL_MIN_SIZE must not be larger than DATABASE_POOL_MAX_SIZE")
        return self

    @field_validator("log_level")
    @classmethod
    def _log_level(cls, value: str) -> str:
        level = value.upper()
        if level not in {"DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"}:
            raise ValueError("use one of DEBUG, INFO, WARNING, ERROR, CRITICAL")
        return level

    @field_validator("digest_grace", mode="before")
    @classmethod
    def _grace(cls, value: object) -> object:
        return parse_grace(value) if isinstance(value, str) else value

    @field_validator("digest_default_time")
    @classmethod
    def _time(cls, value: str) -> str:
        return check_hhmm(value)

    @field_validator("digest_default_tz")
    @classmethod
    def _zone(cls, value: str) -> str:
        return check_time_zone(value)

    @field_validator("knowledge_dir", mode="before")
    @classmethod
    def _blank_is_unset(cls, value: object) -> object:
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator(*_SECRETS, mode="before")
    @classmethod
    def _secret(cls, value: object) -> object:
        if isinstance(value, str):
            return None if not value.strip() else check_secret(value)
        return value

    @field_validator("redis_url", mode="before")
    @classmethod
    def _redis_url(cls, value: object) -> object:
        if isinstance(value, str):
            return None if not value.strip() else check_redis_url(check_plain_text(value.strip()))
        return value

    def secret_values(self) -> tuple[str, ...]:
        """The configured tokens and secrets (the database and Redis passwords among them), for log redaction."""
        values = (getattr(self, name) for name in _SECRETS)
        secrets = tuple(value.get_secret_value() for value in values if value is not None)
        password = self.database.password
        secrets += (password,) if password else ()
        return secrets + (redis_passwords(self.redis_url.get_secret_value()) if self.redis_url else ())

    @property
    def database(self) -> DatabaseUrl:
        """``DATABASE_URL``, parsed: its backend, and how to show it without the password."""
        return parse_database_url(self.database_url)

    @property
    def database_path(self) -> Path:
        """The SQLite file named by ``DATABASE_URL`` (``ValueError`` for a PostgreSQL URL)."""
        return self.database.path


def load_settings(**overrides: object) -> Settings:
    """Read the settings, turning validation errors into one readable :class:`SettingsError`.

    The message names each bad variable and the reason; input values are left out so
    a malformed token is never echoed.
    """
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except (UnicodeDecodeError, OSError) as exc:
        problem = env_file_problem(overrides.get("_env_file", Settings.model_config.get("env_file")))
        raise SettingsError(f"invalid settings:\n  {problem or f'.env: cannot be read ({exc})'}") from None
    except ValidationError as exc:
        lines = []
        for error in exc.errors(include_input=False, include_url=False):
            variable = "_".join(str(part) for part in error["loc"]).upper() or "settings"
            reason = str(error["msg"]).removeprefix("Value error, ")
            lines.append(f"  {variable}: {reason}")
        raise SettingsError("invalid settings:\n" + "\n".join(lines)) from None
