"""REDIS_URL: checked at start-up without ever echoing it, its password kept out of the logs, and Redis used only
when it is set."""

from __future__ import annotations

import logging
import subprocess
import sys
from collections.abc import Iterator

import pytest

from bot.coord import coordination_for
from bot.coord.redis_coordination import RedisCoordination
from bot.core.coordination import LocalCoordination
from bot.logredact import install_redaction
from bot.settings import Settings, SettingsError, load_settings
from tests.conftest import FakeClock


@pytest.mark.parametrize(
    "url",
    [
        "redis://127.0.0.1:6379/0",
        "redis://localhost",
        "rediss://:s3cret-pass@cache.internal:6380/2",
        "redis://bot:s3cret-pass@[::1]:6379",
        "unix:///run/redis/redis.sock?db=1",
    ],
)
def test_redis_urls_redis_py_takes_are_accepted(url: str) -> None:
    settings = load_settings(_env_file=None, redis_url=url)
    assert settings.redis_url is not None
    assert settings.redis_url.get_secret_value() == url


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("http://:hunter22-secret@cache:6379", "expected redis://[[USER]:PASSWORD@]HOST[:PORT][/DB], rediss://"),
        ("127.0.0.1:6379", "expected redis://"),
        ("redis://:hunter22-secret@cache:63a9/0", "not a valid URL (a port that is not a number?)"),
        ("redis://:hunter22-secret@cache:0", "the port must be from 1 to 65535"),
        ("redis://:hunter22-secret@/0", "no host"),
        ("redis://:hunter22-secret@cache/zero", "the path is the database number, such as /0"),
        ("unix://", "unix:// needs the socket's path"),
        ("redis://:hunter22-secret@cache\n:6379", "contains a line break"),
    ],
)
def test_a_bad_redis_url_is_named_with_the_reason_and_never_echoed(url: str, reason: str) -> None:
    with pytest.raises(SettingsError) as raised:
        load_settings(_env_file=None, redis_url=url)
    message = str(raised.value)
    assert message.startswith("invalid settings:\n  REDIS_URL: ")
    assert reason in message
    assert "hunter22" not in message


def test_blank_means_no_redis() -> None:
    assert load_settings(_env_file=None, redis_url="  ").redis_url is None


def test_the_redis_url_is_hidden_in_the_settings_repr() -> None:
    settings = load_settings(_env_file=None, redis_url="redis://:hunter22-secret@cache:6379/0")
    assert "hunter22" not in repr(settings)


@pytest.fixture
def restore_logging() -> Iterator[None]:
    factory = logging.getLogRecordFactory()
    yield
    logging.setLogRecordFactory(factory)


@pytest.mark.usefixtures("restore_logging")
def test_the_redis_password_is_redacted_from_every_log_record(caplog: pytest.LogCaptureFixture) -> None:
    settings = load_settings(_env_file=None, redis_url="redis://bot:p%40ss-hunter22@cache:6379/0")
    assert set(settings.secret_values()) == {"p%40ss-hunter22", "p@ss-hunter22"}
    install_redaction(settings.secret_values())
    with caplog.at_level(logging.INFO):
        logging.getLogger("redis").info("AUTH bot p@ss-hunter22 failed for redis://bot:p%40ss-hunter22@cache")
    assert "hunter22" not in caplog.text
    assert "AUTH bot [redacted] failed" in caplog.text


def test_a_bad_key_prefix_is_refused() -> None:
    with pytest.raises(SettingsError, match="REDIS_KEY_PREFIX"):
        load_settings(_env_file=None, redis_key_prefix="a prefix with spaces")


async def test_redis_is_used_only_when_redis_url_is_set(clock: FakeClock) -> None:
    alone = coordination_for(Settings(_env_file=None), clock)  # type: ignore[call-arg]
    assert isinstance(alone, LocalCoordination)
    assert await alone.ready()
    settings = load_settings(_env_file=None, redis_url="redis://127.0.0.1:1/0", redis_key_prefix="bot-a:")
    shared = coordination_for(settings, clock)
    assert isinstance(shared, RedisCoordination)
    assert shared.link.prefix == "bot-a:"
    assert shared.link.where == "127.0.0.1:1/0"
    await shared.close()  # never connected: nothing to wait for


def test_without_redis_url_the_bot_does_not_even_import_redis() -> None:
    code = "import sys, bot.app, bot.cli; print('redis' in sys.modules)"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60)
    assert result.stdout.strip() == "False"
