"""The "new poll" modal that ``/poll`` without text opens, and reading its submission.

Submissions are checked here with the core's own pure rules, so a mistake is shown next to the
field in the modal (``response_action: errors``) instead of after it has closed.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from bot.core.errors import UserError
from bot.core.polls import (
    MAX_OPTION,
    MAX_OPTIONS,
    MAX_QUESTION,
    MIN_OPTIONS,
    check_options,
    check_question,
    find_preset,
)
from bot.knowledge.base import KnowledgeBase

CALLBACK_ID = "debatebot-new-poll"
DURATIONS = (
    ("30m", "30 minutes"),
    ("1h", "1 hour"),
    ("2h", "2 hours"),
    ("6h", "6 hours"),
    ("1d", "1 day"),
    ("3d", "3 days"),
    ("7d", "1 week"),
)


@dataclass(frozen=True)
class ModalOrigin:
    """Where ``/poll`` was typed, carried through the modal in ``private_metadata``."""

    channel: str
    response_url: str | None = None

    def dump(self) -> str:
        return json.dumps({"channel": self.channel, "response_url": self.response_url})

    @classmethod
    def load(cls, text: str) -> ModalOrigin | None:
        try:
            data = json.loads(text)
            return cls(channel=str(data["channel"]), response_url=data.get("response_url") or None)
        except (ValueError, KeyError, TypeError):
            return None


def _plain(text: str) -> dict[str, Any]:
    return {"type": "plain_text", "text": text, "emoji": True}


def _input(block_id: str, label: str, element: dict[str, Any], *, optional: bool, hint: str = "") -> dict[str, Any]:
    block: dict[str, Any] = {
        "type": "input",
        "block_id": block_id,
        "label": _plain(label),
        "element": {**element, "action_id": "value"},
        "optional": optional,
    }
    if hint:
        block["hint"] = _plain(hint)
    return block


def poll_modal(origin: ModalOrigin, presets: Mapping[str, str]) -> dict[str, Any]:
    """The modal view for ``views.open``; ``presets`` maps preset ids to their questions (for the hint)."""
    preset_hint = ", ".join(presets) or "none"
    options = [{"text": _plain(label), "value": value} for value, label in DURATIONS]
    checkboxes = [
        {"text": _plain("Anonymous: nobody sees who voted"), "value": "anonymous"},
        {"text": _plain("Allow several choices"), "value": "multi"},
    ]
    return {
        "type": "modal",
        "callback_id": CALLBACK_ID,
        "private_metadata": origin.dump(),
        "title": _plain("New poll"),
        "submit": _plain("Create poll"),
        "close": _plain("Cancel"),
        "blocks": [
            _input(
                "question",
                "Question",
                {"type": "plain_text_input", "max_length": MAX_QUESTION, "placeholder": _plain("Who's losing?")},
                optional=False,
                hint=f"Or a preset poll's name, with no options: {preset_hint}",
            ),
            _input(
                "options",
                "Options, one per line",
                {"type": "plain_text_input", "multiline": True, "max_length": (MAX_OPTION + 1) * MAX_OPTIONS},
                optional=True,
                hint=f"2 to {MAX_OPTIONS} options, each up to {MAX_OPTION} characters",
            ),
            _input(
                "duration",
                "Close automatically after",
                {"type": "static_select", "placeholder": _plain("Never (close it by hand)"), "options": options},
                optional=True,
            ),
            _input("settings", "Settings", {"type": "checkboxes", "options": checkboxes}, optional=True),
        ],
    }


def _value(values: Mapping[str, Any], block_id: str) -> Mapping[str, Any]:
    found = values.get(block_id, {}).get("value", {})
    return found if isinstance(found, Mapping) else {}


@dataclass(frozen=True)
class FormErrors:
    """What is wrong, per input block id, for ``ack(response_action="errors")``."""

    errors: dict[str, str]


def read_submission(view: Mapping[str, Any], kb: KnowledgeBase) -> dict[str, str] | FormErrors:
    """The ``/poll`` arguments a submitted modal asks for, or what is wrong with it."""
    values = view.get("state", {}).get("values", {})
    question = str(_value(values, "question").get("value") or "")
    lines = str(_value(values, "options").get("value") or "").splitlines()
    labels = [line.strip() for line in lines if line.strip()]
    duration = (_value(values, "duration").get("selected_option") or {}).get("value")
    settings = {o.get("value") for o in _value(values, "settings").get("selected_options") or []}
    errors: dict[str, str] = {}
    try:
        question = check_question(question)
    except UserError as exc:
        errors["question"] = str(exc)
    if any("|" in label for label in labels):
        errors["options"] = "An option cannot contain the character |."
    elif not MIN_OPTIONS <= len(labels) <= MAX_OPTIONS and (labels or find_preset(kb, question) is None):
        errors["options"] = f"Give {MIN_OPTIONS} to {MAX_OPTIONS} options, one per line (you gave {len(labels)})."
    elif labels:
        try:
            check_options(labels)
        except UserError as exc:
            errors["options"] = str(exc)
    if duration is not None and duration not in dict(DURATIONS):
        errors["duration"] = "Choose one of the listed durations."
    if errors:
        return FormErrors(errors)
    args = {"question": question}
    if labels:
        args["options"] = "|".join(labels)
    if duration:
        args["duration"] = str(duration)
    if "anonymous" in settings:
        args["anonymous"] = "true"
    if "multi" in settings:
        args["multi"] = "all"
    return args
