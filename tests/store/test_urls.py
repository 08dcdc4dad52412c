"""``DATABASE_URL``: which backend, the settings that check it, and how it is shown and redacted."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.settings import Settings, SettingsError, load_settings
from bot.store.factory import store_for
from bot.store.postgres import PostgresStore
from bot.store.sqlite import SQLiteStore
from bot.store.urls import Backend, parse_database_url


def settings(**values: object) -> Settings:
    return load_settings(_env_file=None, **values)


@pytest.mark.parametrize(
    ("url", "backend", "address"),
    [
        ("sqlite:///data/debatebot.db", Backend.SQLITE, "data/debatebot.db"),
        ("postgresql://bot:pw@db.example:6543/debatebot", Backend.POSTGRES, "db.example:6543"),
        ("postgres://bot@127.0.0.1/debatebot?search_path=bot", Backend.POSTGRES, "127.0.0.1:5432"),
    ],
)
def test_the_backend_and_where_it_is(url: str, backend: Backend, address: str) -> None:
    database = parse_database_url(url)
    assert database.backend is backend
    assert database.address == address


def test_a_postgresql_url_is_shown_without_its_password() -> None:
    database = parse_database_url("postgresql://bot:s3cret%40pw@db:5432/debatebot?search_path=bot")
    assert database.password == "s3cret@pw"
    assert database.shown == "postgresql://bot@db:5432/debatebot?search_path=bot"
    assert parse_database_url("postgresql://bot@db/x").password is None


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("mysql://root@localhost/bot", "use sqlite:///PATH (for example sqlite:///data/debatebot.db) or postgresql://"),
        ("data/debatebot.db", "use sqlite:///PATH"),
        ("sqlite:///", "sqlite:/// needs a file path after it"),
        ("postgresql://bot:secretpw@db:port/x", "a PostgreSQL URL looks like postgresql://USER:PASSWORD@HOST:5432/"),
    ],
)
def test_other_urls_are_refused_with_a_reason_that_shows_the_accepted_forms(url: str, reason: str) -> None:
    with pytest.raises(SettingsError) as info:
        settings(database_url=url)
    assert f"DATABASE_URL: {reason}" in str(info.value)
    assert "secretpw" not in str(info.value)


def test_the_database_password_is_a_secret_to_redact() -> None:
    configured = settings(database_url="postgresql://bot:hunter2@db/x", discord_token="discord-token-value")
    assert set(configured.secret_values()) == {"discord-token-value", "hunter2"}
    assert settings(database_url="postgresql://bot@db/x").secret_values() == ()


def test_pool_sizes_are_settings_and_must_agree() -> None:
    configured = settings(database_url="postgresql://bot@db/x", database_pool_min_size=2, database_pool_max_size=20)
    store = store_for(configured)
    assert isinstance(store, PostgresStore)
    assert (store.min_size, store.max_size) == (2, 20)

    with pytest.raises(SettingsError, match="DATABASE_POOL_MIN_SIZE must not be larger than DATABASE_POOL_MAX_SIZE"):
        settings(database_pool_min_size=5, database_pool_max_size=4)


def test_the_factory_picks_the_backend_the_url_names(tmp_path: Path) -> None:
    store = store_for(settings(database_url=f"sqlite:///{tmp_path / 'x.db'}"))
    assert isinstance(store, SQLiteStore)
    assert store.path == tmp_path / "x.db"
    assert not store.path.exists(), "making a store opens nothing"
