"""Credentials never reach a log line: URLs that carry tokens, token patterns and the configured secrets."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest

from bot.logredact import REDACTED, install_redaction, redact


@pytest.fixture
def restore_logging() -> Iterator[None]:
    factory = logging.getLogRecordFactory()
    yield
    logging.setLogRecordFactory(factory)


@pytest.mark.parametrize(
    ("line", "secret_part"),
    [
        ("POST https://discord.com/api/v10/interactions/123/aW50ZXJhY3Rpb246MTIz/callback", "aW50ZXJhY3Rpb246MTIz"),
        ("PATCH http://127.0.0.1:8/api/v10/webhooks/99/tok3n.Abc-def/messages/@original", "tok3n.Abc-def"),
        ("POST https://hooks.slack.com/commands/T1/123/AbCdEf", "commands/T1/123/AbCdEf"),
        ("sending to http://127.0.0.1:5000/hooks/response/xyz123", "response/xyz123"),
        ("token xoxb-1234-5678-abcdef used", "xoxb-1234-5678-abcdef"),
        ("app token xapp-1-A1-2-ff", "xapp-1-A1-2-ff"),
        ("headers {'Authorization': 'Bot MTIzNDU2Nzg5.abc.def'}", "MTIzNDU2Nzg5.abc.def"),
        ("connecting to postgresql://bot:pw@db.internal:5432/debatebot", ":pw@"),
        ("DATABASE_URL=postgres://bot:p%40ss-w0rd@10.0.0.5/bot?sslmode=require", "p%40ss-w0rd"),
    ],
)
def test_credential_bearing_parts_are_redacted(line: str, secret_part: str) -> None:
    clean = redact(line)
    assert secret_part not in clean
    assert REDACTED in clean


def test_ordinary_lines_are_left_alone() -> None:
    line = "POST /api/v10/channels/12/messages 200 in 3 ms; /ask who thinks open source wins?"
    assert redact(line) == line


def test_every_logger_and_every_later_handler_sees_only_clean_records(
    restore_logging: None, caplog: pytest.LogCaptureFixture
) -> None:
    install_redaction(["signing-secret-value"])
    with caplog.at_level(logging.DEBUG):
        logging.getLogger("discord.http").debug("POST %s", "/interactions/1/sekrit-token/callback")
        logging.getLogger("slack_bolt").debug("secret is %s", "signing-secret-value")
        try:
            raise RuntimeError("failed at /webhooks/5/another-token/messages")
        except RuntimeError:
            logging.getLogger("bot").exception("boom")
    text = caplog.text
    assert "sekrit-token" not in text
    assert "signing-secret-value" not in text
    assert "/interactions/1/[redacted]/callback" in text
    assert "secret is [redacted]" in text
    assert "another-token" not in text
    assert "/webhooks/5/[redacted]/messages" in text


def test_a_token_field_in_a_logged_payload_is_redacted() -> None:
    line = "WebSocket Event: {'t': 'INTERACTION_CREATE', 'd': {'id': '1', 'token': 'itoken-abc.def', 'type': 2}}"
    clean = redact(line)
    assert "itoken-abc.def" not in clean
    assert "'token': '[redacted]'" in clean


def test_a_database_url_keeps_its_user_and_host_and_loses_its_password() -> None:
    assert redact("postgresql://bot:pw@db:5432/x") == "postgresql://bot:[redacted]@db:5432/x"
    assert redact("postgresql://bot@db:5432/x") == "postgresql://bot@db:5432/x"
