"""/help: generated from the command registry."""

from __future__ import annotations

from bot.core.errors import UserError
from bot.core.registry import Argument, Command, Registry
from bot.core.render_text import reply
from bot.core.reply import Block, Context, FieldItem, Fields, Reply, Title
from bot.core.request import Request


class HelpCommands:
    """/help, spelled the way each platform spells the commands.

    ``command_names[platform]`` maps a registry command to that platform's slash command
    (Slack renames ``help`` to ``/debatehelp``, and may rename others); a command missing
    from a platform's map is shown as typed text, for mentions and direct messages.
    """

    def __init__(self, registry: Registry) -> None:
        self.registry = registry
        self.command_names: dict[str, dict[str, str]] = {}

    def usage(self, command: Command, platform: str) -> str:
        names = self.command_names.get(platform)
        root = command.parent or command.name
        if names is None:
            return command.usage
        if root in names:
            return command.usage.replace(f"/{root}", names[root], 1)
        return command.usage.removeprefix("/") + " (in a mention or direct message)"

    async def help(self, request: Request) -> Reply:
        name = request.args.get("command", "").removeprefix("/")
        if name:
            command = self.registry.get(name)
            if command is None or command.hidden:
                raise UserError(f"There is no command /{name}. Type /help for the list.")
            entries = list(command.subcommands) or [command]
            fields = [FieldItem(name=self.usage(c, request.platform), value=c.help) for c in entries]
            fields += [
                FieldItem(name=f"--{a.name}" if a.kind in ("flag", "option") else f"<{a.name}>", value=a.help)
                for c in entries
                for a in c.args
            ]
            examples = [e for c in (command, *command.subcommands) for e in c.examples]
            blocks: list[Block] = [Title(text=f"/{command.name}"), Fields(fields=tuple(fields))]
            if examples:
                blocks.append(Context(text="Examples: " + "  ".join(examples)))
            return reply(*blocks, ephemeral=True)
        overview = tuple(FieldItem(name=self.usage(c, request.platform), value=c.help) for c in self.registry.visible())
        return reply(
            Title(text="debatebot commands"),
            Fields(fields=overview),
            Context(text="/help <command> shows a command's options and examples."),
            ephemeral=True,
        )

    def command(self) -> Command:
        return Command(
            "help",
            "The commands, or one command in detail",
            self.help,
            (Argument("command", "A command name", max_length=32),),
        )
