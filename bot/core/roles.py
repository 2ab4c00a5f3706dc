"""Who may do what: the roles of a community's people, in rank order."""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    """owner < steward < supervisor < manager < admin. A role includes the ones below it."""

    OWNER = "owner"
    STEWARD = "steward"
    SUPERVISOR = "supervisor"
    MANAGER = "manager"
    ADMIN = "admin"

    @property
    def is_staff(self) -> bool:
        return self is not Role.OWNER

    @property
    def rank(self) -> int:
        return _RANK[self]

    def at_least(self, minimum: Role) -> bool:
        return self.rank >= minimum.rank


_RANK = {Role.OWNER: 0, Role.STEWARD: 1, Role.SUPERVISOR: 2, Role.MANAGER: 3, Role.ADMIN: 4}
