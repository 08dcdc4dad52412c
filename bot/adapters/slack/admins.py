"""Who may moderate: users in ``SLACK_ADMIN_USER_IDS``, and workspace admins and owners via ``users.info``.

The ``users.info`` look-up needs the ``users:read`` scope; without it the check falls back to the
list alone (and says so once). Answers are cached, and only commands that need them ask.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable

import aiohttp
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.adapters.slack.outbound import error_code
from bot.core.registry import Moderates

logger = logging.getLogger(__name__)


class AdminCheck:
    def __init__(
        self,
        web: AsyncWebClient,
        admin_ids: Iterable[str],
        *,
        lookup: bool = True,
        ttl: float = 600.0,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._web = web
        self.admin_ids = frozenset(admin_ids)
        self.lookup = lookup
        self._ttl = ttl
        self._monotonic = monotonic
        self._cache: dict[str, tuple[bool, float]] = {}

    async def is_admin(self, user_id: str, moderates: Moderates | None) -> bool:
        """Whether ``user_id`` moderates; ``users.info`` is asked only for commands the registry flags as
        needing an admin (``moderates`` set), so a vote never waits for it."""
        if user_id in self.admin_ids:
            return True
        if not self.lookup or moderates is None:
            return False
        cached = self._cache.get(user_id)
        if cached is not None and self._monotonic() - cached[1] < self._ttl:
            return cached[0]
        try:
            response = await self._web.users_info(user=user_id)
        except SlackApiError as exc:
            error = error_code(exc)
            if error in ("missing_scope", "not_allowed_token_type"):
                logger.warning("users.info needs the users:read scope; only SLACK_ADMIN_USER_IDS are admins")
                self.lookup = False
            else:
                logger.warning("users.info failed for %s (%s); treating them as not an admin", user_id, error)
            return False
        except (aiohttp.ClientError, TimeoutError) as exc:
            logger.warning("users.info for %s did not answer (%s); treating them as not an admin", user_id, exc)
            return False
        user = response.get("user") or {}
        admin = bool(user.get("is_admin") or user.get("is_owner") or user.get("is_primary_owner"))
        self._cache[user_id] = (admin, self._monotonic())
        return admin
