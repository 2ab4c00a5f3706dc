"""Signing in to the web console: single-use links, sessions and who a person is there.

A link is `<console url>/console/login?t=<token>`; the token is signed with the console's
secret (itsdangerous, timestamped: it is refused after `LINK_TTL`) and carries a nonce that
is a `console_links` row, marked used by the first opening, so a second one is refused even
within the ten minutes. Opening it starts a session: a random cookie value whose SHA-256 is a
`console_sessions` row with an expiry; logging out ends the row. Every form carries a CSRF
token, the HMAC of the session's cookie under the secret, compared in constant time.

Who someone is in the console is read from the roster at every request (`person`): the
communities they are on, their highest role there, and the language of their first
community. An admin (STEWARD_ADMINS) sees every community. Owners never get a link.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from itsdangerous import BadData, URLSafeTimedSerializer

from bot.core.actor import Actor
from bot.core.errors import DomainError
from bot.core.roles import Role
from storage.console.models import ConsoleLink, ConsoleSession
from storage.directory.models import Steward
from storage.uow import UnitOfWork

LINK_TTL = timedelta(minutes=10)
SALT = "steward-console-link"


@dataclass(frozen=True)
class ConsolePolicy:
    """From the settings: the secret (empty: no console), the public URL, a session's life."""

    secret: str
    url: str
    session_life: timedelta

    @property
    def enabled(self) -> bool:
        return bool(self.secret)

    @property
    def secure(self) -> bool:
        """Behind HTTPS: the cookie is sent over HTTPS only."""
        return self.url.lower().startswith("https://")


@dataclass(frozen=True)
class Person:
    """Someone signed in: their roster entries (one per community), their highest role, the
    communities they see (every one for an admin) and their language."""

    platform: str
    user_id: str
    name: str
    role: Role
    stewards: tuple[Steward, ...]
    community_ids: frozenset[int]
    language: str

    def steward_in(self, community_id: int) -> Steward | None:
        return next((s for s in self.stewards if s.community_id == community_id), None)

    def sees(self, community_id: int) -> bool:
        return community_id in self.community_ids

    def actor_in(self, community_id: int) -> Actor:
        """The person acting on a ticket of `community_id`, as the services see them: with
        their roster entry there (the audit trail names it, as in chat)."""
        steward = self.steward_in(community_id)
        if self.role is Role.ADMIN:
            label = f"{self.platform}:{self.user_id}"[:64]
            return Actor(Role.ADMIN, label, steward.name if steward else self.name, steward)
        if steward is None:
            raise DomainError("err.forbidden")
        return Actor(Role(steward.role), f"steward:{steward.id}", steward.name, steward)


@dataclass(frozen=True)
class Opened:
    """A session just started: the cookie's value (given to the browser once) and who."""

    cookie: str
    person: Person


def token_hash(cookie: str) -> str:
    return hashlib.sha256(cookie.encode("utf-8", "replace")).hexdigest()


class ConsoleService:
    def __init__(self, policy: ConsolePolicy, admins: frozenset[str]) -> None:
        self.policy = policy
        self.admins = admins
        self._links = URLSafeTimedSerializer(policy.secret or "-", salt=SALT)

    # -- who someone is ----------------------------------------------------------------------
    async def person(self, uow: UnitOfWork, platform: str, user_id: str) -> Person | None:
        """The person behind a platform account, or None if they are nobody's staff."""
        stewards = tuple(await uow.directory.accounts(platform, user_id))
        admin = f"{platform}:{user_id}" in self.admins
        if not stewards and not admin:
            return None
        communities = await uow.directory.communities()
        if admin:
            role, ids = Role.ADMIN, frozenset(c.id for c in communities)
        else:
            role = max((Role(s.role) for s in stewards), key=lambda r: r.rank)
            ids = frozenset(s.community_id for s in stewards)
        first = stewards[0].community_id if stewards else None
        language = next(
            (c.language for c in communities if c.id == first),
            "zh-Hant" if platform == "telegram" else "zh-Hans",
        )
        name = stewards[0].name if stewards else f"{platform}:{user_id}"
        return Person(platform, user_id, name, role, stewards, ids, language)

    # -- links -------------------------------------------------------------------------------
    async def issue_link(self, uow: UnitOfWork, platform: str, user_id: str, now: datetime) -> str:
        """A signed single-use link for this person; staff and admins only."""
        if not self.policy.enabled:
            raise DomainError("console.off")
        if await self.person(uow, platform, user_id) is None:
            raise DomainError("err.forbidden")
        nonce = secrets.token_urlsafe(24)
        await uow.console.add_link(
            ConsoleLink(
                nonce=nonce,
                platform=platform,
                user_id=user_id,
                created_at=now,
                expires_at=now + LINK_TTL,
                used_at=None,
            )
        )
        token = self._links.dumps({"n": nonce})
        return f"{self.policy.url.rstrip('/')}/console/login?t={token}"

    async def open_link(self, uow: UnitOfWork, token: str, now: datetime) -> Opened:
        """Start a session from a link's token. Refused (`console.link_bad`): a token not
        signed by us, older than ten minutes, used before, or for someone no longer staff."""
        try:
            data = self._links.loads(token, max_age=int(LINK_TTL.total_seconds()))
        except BadData as exc:
            raise DomainError("console.link_bad") from exc
        nonce = data.get("n") if isinstance(data, dict) else None
        if not isinstance(nonce, str):
            raise DomainError("console.link_bad")
        link = await uow.console.use_link(nonce, now)
        if link is None:
            raise DomainError("console.link_bad")
        person = await self.person(uow, link.platform, link.user_id)
        if person is None:
            raise DomainError("console.link_bad")
        cookie = secrets.token_urlsafe(32)
        await uow.console.add_session(
            ConsoleSession(
                token_hash=token_hash(cookie),
                platform=link.platform,
                user_id=link.user_id,
                created_at=now,
                expires_at=now + self.policy.session_life,
                ended_at=None,
            )
        )
        return Opened(cookie, person)

    # -- sessions ----------------------------------------------------------------------------
    async def session_person(self, uow: UnitOfWork, cookie: str, now: datetime) -> Person | None:
        """Who a cookie belongs to: None when it is unknown (tampered), ended or expired, or
        its person is no longer staff."""
        if not cookie or len(cookie) > 200:
            return None
        row = await uow.console.live_session(token_hash(cookie), now)
        if row is None:
            return None
        return await self.person(uow, row.platform, row.user_id)

    async def end_session(self, uow: UnitOfWork, cookie: str, now: datetime) -> None:
        await uow.console.end_session(token_hash(cookie), now)

    def csrf_token(self, cookie: str) -> str:
        key = hashlib.sha256(("csrf:" + self.policy.secret).encode()).digest()
        return hmac.new(key, cookie.encode("utf-8", "replace"), hashlib.sha256).hexdigest()

    def csrf_ok(self, cookie: str, token: str) -> bool:
        return hmac.compare_digest(self.csrf_token(cookie).encode(), token.encode("utf-8", "replace"))
