"""Fixtures the fault tests share with the adapter tests: the same fake Slack, started and stopped per test."""

from tests.adapters.slack.conftest import fake

__all__ = ["fake"]
