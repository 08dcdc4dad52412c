"""What an adapter hands the core: who asked, where, and which command with which arguments."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from bot.core.models import ChannelRef


class User(BaseModel):
    """The person behind a request, as the platform describes them."""

    model_config = ConfigDict(frozen=True)

    id: str = Field(min_length=1, max_length=100)
    display_name: str = Field(default="", max_length=100)
    is_admin: bool = False
    """The platform says this user may moderate (close others' polls, manage the digest)."""


class Request(BaseModel):
    """One command or button press, platform neutral.

    ``args`` maps argument names from the command registry to their raw text; flags
    hold ``"true"``. Buttons arrive as the hidden commands ``vote`` and ``close``.
    """

    model_config = ConfigDict(frozen=True)

    platform: str = Field(min_length=1, max_length=32)
    workspace: str = Field(min_length=1, max_length=100)
    channel: str = Field(min_length=1, max_length=100)
    user: User
    command: str = Field(max_length=64)
    subcommand: str | None = None
    args: dict[str, str] = Field(default_factory=dict)

    @property
    def channel_ref(self) -> ChannelRef:
        return ChannelRef(platform=self.platform, workspace=self.workspace, channel=self.channel)
