"""Who does something: what services need of a person, whether they act from chat, the
command line, a scheduled job or (later) the web console.

Services take an `Actor` instead of the chat `Context`, so the same use case serves every
entry point: the role decides what is allowed, `label` is what the audit trail records, and
`name` is what other people are told.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.core.roles import Role
from storage.directory.models import Member, Steward


@dataclass(frozen=True)
class Actor:
    role: Role
    label: str  # the audit trail's "who": "steward:3", "member:12", "telegram:4242", "system"
    name: str = ""
    steward: Steward | None = None
    member: Member | None = None

    @property
    def community_id(self) -> int | None:
        """The community a staff member belongs to (None for owners, admins and the system)."""
        return self.steward.community_id if self.steward is not None else None

    def at_least(self, minimum: Role) -> bool:
        return self.role.at_least(minimum)

    @classmethod
    def system(cls) -> Actor:
        """Scheduled jobs: above every check, recorded as "system"."""
        return cls(Role.ADMIN, "system", "system")

    @classmethod
    def admin(cls, label: str) -> Actor:
        """An operator at the command line (`steward notice send`, `steward report`)."""
        return cls(Role.ADMIN, label[:64], label[:64])
