"""The policy for tests that need a server: skip with one reason where it is missing, fail on CI."""

from __future__ import annotations

import pytest

from tests.services import require_service


def down(url: str) -> str | None:
    return "Connection refused"


def up(url: str) -> str | None:
    return None


@pytest.mark.parametrize("ci", [None, "", "0", "false"])
def test_a_missing_server_skips_with_one_reason_off_ci(monkeypatch: pytest.MonkeyPatch, ci: str | None) -> None:
    if ci is None:
        monkeypatch.delenv("CI", raising=False)
    else:
        monkeypatch.setenv("CI", ci)

    with pytest.raises(pytest.skip.Exception) as info:
        require_service("Thing", "thing://127.0.0.1:9/x", down, variable="TEST_THING_URL")

    assert str(info.value) == "Thing not reachable at 127.0.0.1:9 (set TEST_THING_URL)"


@pytest.mark.parametrize("ci", ["1", "true"])
def test_a_missing_server_fails_on_ci(monkeypatch: pytest.MonkeyPatch, ci: str) -> None:
    monkeypatch.setenv("CI", ci)

    with pytest.raises(pytest.fail.Exception, match=r"Thing not reachable at 127.0.0.1:8 .* CI is set"):
        require_service("Thing", "thing://127.0.0.1:8/x", down, variable="TEST_THING_URL")


def test_a_server_that_answers_is_used(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CI", "1")
    assert require_service("Thing", "thing://127.0.0.1:7/x", up, variable="TEST_THING_URL") == "thing://127.0.0.1:7/x"
