"""The platform-neutral core: one entry, ``await core.handle(request) -> Reply``."""

from __future__ import annotations

import logging
import math
import time
from datetime import timedelta

from bot.core.commands.ask import AskCommands
from bot.core.commands.digest import DigestCommands
from bot.core.commands.help import HelpCommands
from bot.core.commands.people import PeopleCommands
from bot.core.commands.polls import PollCommands
from bot.core.coordination import LocalRateLimit, RateLimit
from bot.core.errors import UserError
from bot.core.parsing import validate_args
from bot.core.ports import StoreBusy, StoreError, StoreFull
from bot.core.ratelimit import RateLimiter
from bot.core.redraw import Redrawer
from bot.core.registry import Command, Registry
from bot.core.render_text import error_reply
from bot.core.reply import Reply
from bot.core.request import Request, User
from bot.core.services import Services
from bot.core.suggest import respell, unknown_command
from bot.core.telemetry import new_request_id, request_id
from bot.core.usertext import clean_text

logger = logging.getLogger(__name__)


def build_registry(services: Services, help_commands: HelpCommands | None = None) -> Registry:
    """Every command, in the order /help lists them."""
    registry = Registry()
    for group in (
        PeopleCommands(services),
        AskCommands(services),
        PollCommands(services),
        DigestCommands(services),
    ):
        for command in group.commands():
            registry.add(command)
    help_commands = help_commands or HelpCommands(registry)
    help_commands.registry = registry
    registry.add(help_commands.command())
    return registry


class Core:
    """Validates, rate-limits and dispatches requests; never raises for bad input."""

    UNLIMITED_PLATFORMS = frozenset({"console", "cli"})
    """The operator's own terminal is not rate-limited; chat users are."""

    def __init__(
        self,
        services: Services,
        *,
        redrawer: Redrawer | None = None,
        rate_limit: int = 5,
        rate_window: timedelta = timedelta(seconds=10),
        limiter: RateLimit | None = None,
    ):
        self.services = services
        self.redrawer = redrawer or Redrawer(services.store, services.clock, {})
        self.help = HelpCommands(Registry())
        self.registry = build_registry(services, self.help)
        self.limiter = limiter or LocalRateLimit(RateLimiter(services.clock, rate_limit, rate_window))
        """Per chat user; shared by every process when ``limiter`` is (see :mod:`bot.core.coordination`)."""

    def set_command_names(self, platform: str, names: dict[str, str]) -> None:
        """How ``platform`` spells commands (registry name → slash command), for /help."""
        self.help.command_names[platform] = dict(names)

    def command_names(self, platform: str) -> dict[str, str] | None:
        """How ``platform`` spells commands, if it renames them (for parsing typed lines and suggestions)."""
        return self.help.command_names.get(platform)

    async def handle(self, request: Request) -> Reply:
        """Answer one request: a command, or a button press sent as a hidden command (see :mod:`bot.core.inbound`
        for building one). Polls the answer changed are handed to the :class:`~bot.core.redraw.Redrawer`.

        While it runs, :data:`~bot.core.telemetry.request_id` names the request (in every log record); the answer
        is counted, with its latency, in the services' telemetry."""
        started = time.perf_counter()
        token = request_id.set(new_request_id()) if request_id.get() is None else None
        try:
            if (slow := await self._slow_down(request.platform, request.workspace, request.user)) is not None:
                self._count(request, "rate_limited", started)
                return slow
            answer = await self._dispatch(request)
            if answer.changed_polls:
                self.redrawer.request(*answer.changed_polls)
            self._count(request, "error" if answer.error else "ok", started)
            return self._spelled(answer, request.platform)
        finally:
            if token is not None:
                request_id.reset(token)

    def _count(self, request: Request, outcome: str, started: float) -> None:
        # only registered names: a typo typed by a user must not become a new time series
        found = self.registry.get(request.command)
        self.services.telemetry.command_answered(
            platform=request.platform,
            command=found.name if found is not None else "unknown",
            outcome=outcome,
            seconds=time.perf_counter() - started,
        )

    def refused(self, error: UserError, platform: str) -> Reply:
        """The answer to input that did not make a request (see :mod:`bot.core.inbound`), spelled for ``platform``."""
        return self._spelled(error_reply(str(error)), platform)

    async def _slow_down(self, platform: str, workspace: str, user: User) -> Reply | None:
        if platform in self.UNLIMITED_PLATFORMS:
            return None
        wait = await self.limiter.retry_after(f"{platform}:{workspace}:{user.id}")
        if wait <= 0:
            return None
        seconds = math.ceil(wait)
        return error_reply(
            f"Slow down: at most {self.limiter.limit} commands every {self.limiter.window.total_seconds():g} seconds. "
            f"Try again in {seconds} second{'s' if seconds != 1 else ''}."
        )

    def _spelled(self, answer: Reply, platform: str) -> Reply:
        """``answer`` with each command named the way ``platform`` spells it ("/topics" → "/debate-topics")."""
        names = self.help.command_names.get(platform)
        return answer if names is None else respell(answer, self.registry, names)

    def resolve(self, request: Request) -> Command:
        command = self.registry.get(request.command)
        if command is None:
            raise unknown_command(self.registry, request.command, self.help.command_names.get(request.platform))
        if command.subcommands:
            names = ", ".join(c.name for c in command.subcommands)
            if request.subcommand is None:
                raise UserError(f"/{command.name} needs one of: {names}.")
            sub = command.subcommand(request.subcommand)
            if sub is None:
                raise UserError(f"Unknown /{command.name} action {request.subcommand!r}; use one of: {names}.")
            return sub
        return command

    @staticmethod
    def _cleaned(request: Request, command: Command) -> Request:
        """``request`` with its text cleaned (see :func:`clean_text`) and its arguments checked against ``command``.

        Raises:
            UserError: an argument is missing, unknown or too long.
        """
        args = validate_args(command, {name: clean_text(value) for name, value in request.args.items()})
        name = clean_text(request.user.display_name)
        if args == request.args and name == request.user.display_name:
            return request  # the common case: nothing to copy
        user = request.user.model_copy(update={"display_name": name})
        return request.model_copy(update={"args": args, "user": user})

    async def _dispatch(self, request: Request) -> Reply:
        try:
            command = self.resolve(request)
            assert command.handler is not None
            return await command.handler(self._cleaned(request, command))
        except UserError as exc:
            return error_reply(str(exc), changed_polls=exc.changed_polls)
        except StoreBusy as exc:
            logger.warning(
                "command /%s: the database stayed busy (%s); the user was asked to retry", request.command, exc
            )
            return error_reply("The database is busy right now; nothing was changed. Please try again in a moment.")
        except StoreFull as exc:
            logger.error("command /%s: the database cannot grow (%s): free disk space", request.command, exc)
            return error_reply(
                "The bot cannot save anything right now (its disk is full); nothing was changed. "
                "An operator has been told; please try again later."
            )
        except StoreError as exc:  # the database went away (a restart, a network cut): nothing to do but wait
            logger.warning("command /%s: the database cannot be used right now (%s)", request.command, exc)
            return error_reply(
                "The bot cannot reach its database right now, so this may not have been saved. "
                "Please try again in a moment."
            )
        except Exception:
            logger.exception("command /%s failed", request.command)
            return error_reply(
                f"Something went wrong while running /{request.command}. It has been logged; please try again."
            )
