"""Flags typed into a text option: ``/poll question:Tea? | Yes | No --duration 2h --anonymous``.

/help shows commands as they are typed in the console and on Slack, flags and all; on Discord
that whole line lands in the text option. When the text carries one of the command's flags (or
anything written as ``--word``), it is read with the core's own parser, as the typed command would
be; options filled in through Discord's own fields win over flags in the text.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Set

from bot.core.parsing import parse_line
from bot.core.registry import Command, Registry

_FLAG = re.compile(r"(?:^|\s)(--|—|–)([^\W\d_][\w-]*)")
"""A word written as a flag; the core's tokenizer reads the dashes a phone types (— and –) as ``--`` too."""


def _command(registry: Registry, name: str, subcommand: str | None) -> Command | None:
    command = registry.get(name)
    if command is not None and subcommand is not None:
        return command.subcommand(subcommand)
    return command


def has_typed_flags(command: Command, text: str) -> bool:
    """Whether ``text`` contains ``--word`` or, written with a typographic dash, one of ``command``'s flags."""
    names = {arg.name for arg in command.args if arg.kind in ("flag", "option")}
    return bool(names) and any(dash == "--" or name.casefold() in names for dash, name in _FLAG.findall(text))


def read_typed_flags(
    registry: Registry, name: str, subcommand: str | None, args: Mapping[str, str], given: Set[str]
) -> dict[str, str]:
    """``args`` with the flags typed into the command's text option read out of it.

    Args:
        registry: The commands.
        name: The command.
        subcommand: Its subcommand, if any.
        args: The option values Discord sent, as text.
        given: The options the member filled in (a ``False`` flag included); these win over typed flags.

    Raises:
        UserError: the core's message for an unknown flag or a flag without its value.
    """
    command = _command(registry, name, subcommand)
    if command is None:
        return dict(args)
    positional = [arg for arg in command.args if arg.kind in ("word", "text")]
    if len(positional) != 1 or positional[0].kind != "text":
        return dict(args)  # only a lone text option holds a whole typed line
    text_name = positional[0].name
    text = args.get(text_name)
    if text is None or not has_typed_flags(command, text):
        return dict(args)
    typed = parse_line(registry, f"/{command.path} {text}").args
    kept = {key: value for key, value in typed.items() if key == text_name or key not in given}
    return {**kept, **{key: value for key, value in args.items() if key != text_name}}
