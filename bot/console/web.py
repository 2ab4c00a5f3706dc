"""The web console's pages on Steward's one HTTP server (docs/CONSOLE.md).

    GET  /console/login?t=…      a page with one button (a link preview must not use the link)
    POST /console/login          opens the link: a session cookie, then the board
    GET  /console/               the board (filters in the query string)
    GET  /console/board          the board's rows alone: the page polls it every 15 s
    GET  /console/opinion        opinion alerts of the last 7 days by tier, with their follow-up
    GET  /console/ticket/{no}    one ticket: timeline, messages, reporters, classification, actions
    POST /console/ticket/{no}    an action (assign, transfer, note, resolve, cancel) with the
                                 form's CSRF token; answered with a redirect to the ticket
    POST /console/logout         ends the session
    GET  /console/static/…       the stylesheet and the script (our own, in bot/console/static)

Every change goes through the same `TicketService` use case as chat, as the signed-in person
(`Person.actor_in`: their roster entry in the ticket's community, so the audit trail names
them as chat does) in one transaction; the sender is woken after the commit. A refusal of the
service is a page saying it; anything unexpected is a plain error page (logged, never shown).

Slightly over 400 lines on purpose: every route and the checks each one makes (session, CSRF,
origin, field limits, community) read best side by side; the board's and the opinion page's
work is elsewhere (`board.py`, the features' services).
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import jinja2
from aiohttp import web

from bot.console.board import STATES, STATUSES, board
from bot.console.texts import UI_HANS, UI_HANT
from bot.core.errors import DomainError
from bot.core.roles import Role
from bot.core.runtime import Runtime
from bot.core.texts import Texts
from handlers.console import ConsoleService, Person
from handlers.shared.privacy import mask_unit, owner_name, owner_text
from handlers.tickets import TicketService
from storage.console.repository import BoardFilter
from storage.uow import UnitOfWork

log = logging.getLogger(__name__)

COOKIE = "steward_console"
HERE = Path(__file__).parent
TEXT_LIMIT = 500  # a note or a reason (the services' NOTE_LIMIT)
NAME_LIMIT = 64
OPINION_DAYS = 7
ACTIONS = {"assign": Role.SUPERVISOR, "transfer": Role.STEWARD, "note": Role.STEWARD}
ACTIONS |= {"resolve": Role.STEWARD, "cancel": Role.SUPERVISOR}

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
LANG = web.RequestKey("steward_console_lang", str)  # the signed-in person's language


class Refused(Exception):
    """A request the console answers with an error page: a text key and an HTTP status."""

    def __init__(self, status: int, key: str, **values: Any) -> None:
        super().__init__(key)
        self.status, self.key, self.values = status, key, values


class ConsoleWeb:
    def __init__(self, runtime: Runtime, auth: ConsoleService, tickets: TicketService) -> None:
        self.runtime = runtime
        self.auth = auth
        self.tickets = tickets
        self.texts: Texts = runtime.services.texts
        self.env = jinja2.Environment(
            loader=jinja2.FileSystemLoader(HERE / "templates"),
            autoescape=True,
            undefined=jinja2.StrictUndefined,
        )

    @staticmethod
    def register_texts(texts: Texts) -> None:
        texts.register(UI_HANS, UI_HANT)

    def mount(self, app: web.Application) -> None:
        app.router.add_get("/console", self._guard(self.to_board))
        app.router.add_get("/console/", self._guard(self.board_page))
        app.router.add_get("/console/board", self._guard(self.board_rows))
        app.router.add_get("/console/login", self._guard(self.login_page))
        app.router.add_post("/console/login", self._guard(self.login))
        app.router.add_post("/console/logout", self._guard(self.logout))
        app.router.add_get("/console/opinion", self._guard(self.opinion_page))
        app.router.add_get("/console/ticket/{number}", self._guard(self.ticket_page))
        app.router.add_post("/console/ticket/{number}", self._guard(self.ticket_action))
        app.router.add_static("/console/static", HERE / "static", append_version=True)
        app.router.add_route("*", "/console/{tail:.*}", self._guard(self.not_found))

    async def not_found(self, request: web.Request) -> web.StreamResponse:
        raise Refused(404, "c.err.not_found")

    # -- rendering and errors ----------------------------------------------------------------
    def render(self, name: str, lang: str, status: int = 200, **values: Any) -> web.Response:
        def t(key: str, **more: Any) -> str:
            return self.texts.render(key, lang, **more)

        html = self.env.get_template(name).render(t=t, lang=lang, **values)
        response = web.Response(text=html, status=status, content_type="text/html")
        response.headers["Cache-Control"] = "no-store"
        response.headers["X-Frame-Options"] = "DENY"
        response.headers["Content-Security-Policy"] = (
            "default-src 'self'; img-src 'self' data:; frame-ancestors 'none'; form-action 'self'"
        )
        # Not "no-referrer": Chromium then sends "Origin: null" with the page's own forms.
        response.headers["Referrer-Policy"] = "same-origin"
        return response

    def _guard(self, handler: Handler) -> Handler:
        """A clear page for every failure: the services' refusals in the person's words, bad
        requests, and anything else as a plain 500 (logged with its traceback, never shown)."""

        async def guarded(request: web.Request) -> web.StreamResponse:
            lang = request.get(LANG, "zh-Hans")
            try:
                return await handler(request)
            except Refused as exc:
                lang = request.get(LANG, lang)
                message = self.texts.render(exc.key, lang, **exc.values)
                return self.render("error.html", lang, exc.status, message=message, person=None)
            except DomainError as exc:
                lang = request.get(LANG, lang)
                message = self.texts.render(exc.key, lang, **exc.values)
                return self.render("error.html", lang, 400, message=message, person=None)
            except web.HTTPRequestEntityTooLarge:
                message = self.texts.render("c.err.too_long", lang, limit=TEXT_LIMIT)
                return self.render("error.html", lang, 413, message=message, person=None)
            except web.HTTPException:
                raise
            except Exception:
                log.exception("console: %s %s failed", request.method, request.path)
                message = self.texts.render("c.err.internal", lang)
                return self.render("error.html", lang, 500, message=message, person=None)

        return guarded

    # -- who is asking -----------------------------------------------------------------------
    async def _person(self, request: web.Request, uow: UnitOfWork) -> tuple[Person, str]:
        cookie = request.cookies.get(COOKIE, "")
        person = await self.auth.session_person(uow, cookie, self.runtime.now) if cookie else None
        if person is None:
            raise Refused(401, "c.err.signin")
        request[LANG] = person.language
        return person, cookie

    async def _form(self, request: web.Request, cookie: str) -> dict[str, str]:
        self._same_origin(request)
        form = await request.post()
        values = {k: v for k, v in form.items() if isinstance(v, str)}
        if not self.auth.csrf_ok(cookie, values.get("csrf", "")):
            raise Refused(403, "c.err.csrf")
        return values

    # -- signing in and out ------------------------------------------------------------------
    async def to_board(self, request: web.Request) -> web.StreamResponse:
        raise web.HTTPFound("/console/")

    async def login_page(self, request: web.Request) -> web.StreamResponse:
        token = request.query.get("t", "")
        if not token or len(token) > 500:
            raise Refused(400, "console.link_bad")
        return self.render("login.html", "zh-Hans", token=token, person=None)

    def _same_origin(self, request: web.Request) -> None:
        """A POST sent by another site's page is refused (the browser names the page's origin;
        this is what stops another site signing a visitor in to the sender's own session)."""
        origin = request.headers.get("Origin")
        if origin is None or (origin == "null" and not request.cookies):
            return
        allowed = {request.host, urlsplit(self.auth.policy.url).netloc}
        if urlsplit(origin).netloc not in allowed:
            raise Refused(403, "c.err.csrf")

    async def login(self, request: web.Request) -> web.StreamResponse:
        self._same_origin(request)
        form = await request.post()
        token = form.get("t")
        if not isinstance(token, str) or not token or len(token) > 500:
            raise Refused(400, "console.link_bad")
        async with self.runtime.transaction() as uow:
            opened = await self.auth.open_link(uow, token, self.runtime.now)
        response = web.HTTPSeeOther("/console/")
        response.set_cookie(
            COOKIE,
            opened.cookie,
            path="/console",
            httponly=True,
            samesite="Strict",
            secure=self.auth.policy.secure,
            max_age=int(self.auth.policy.session_life.total_seconds()),
        )
        raise response

    async def logout(self, request: web.Request) -> web.StreamResponse:
        async with self.runtime.transaction() as uow:
            person, cookie = await self._person(request, uow)
            await self._form(request, cookie)
            await self.auth.end_session(uow, cookie, self.runtime.now)
        response = self.render("message.html", person.language, message_key="c.signed_out", person=None)
        response.del_cookie(COOKIE, path="/console")
        return response

    # -- the board ---------------------------------------------------------------------------
    def _filter(self, request: web.Request) -> BoardFilter:
        query = request.query

        def text(name: str, limit: int = 32) -> str | None:
            value = query.get(name, "").strip()
            if len(value) > limit:
                raise Refused(400, "c.err.bad_input")
            return value or None

        def number(name: str) -> int | None:
            value = text(name)
            if value is None:
                return None
            if not value.isdigit() or len(value) > 9:
                raise Refused(400, "c.err.bad_input")
            return int(value)

        priority, source = text("priority"), text("source")
        if priority not in (None, "urgent", "normal") or source not in (None, "owner", "staff"):
            raise Refused(400, "c.err.bad_input")
        return BoardFilter(
            community_id=number("community"),
            building=text("building"),
            category=text("category"),
            assignee_id=number("steward"),
            priority=priority,
            source=source,
        )

    async def _board_values(self, request: web.Request) -> dict[str, Any]:
        where = self._filter(request)
        async with self.runtime.reading() as uow:
            person, cookie = await self._person(request, uow)
            shown = await board(uow, self.tickets, person, where, self.runtime.now)
        w = self.tickets.wording(person.language)
        return {
            "person": person,
            "csrf": self.auth.csrf_token(cookie),
            "board": shown,
            "w": w,
            "states": STATES,
            "statuses": STATUSES,
            "local": local_time,
            "place": lambda b: mask_unit(b, person.language) if b else "-",
            "summary": lambda s: owner_text(s, 40),
            "query": request.query_string,
        }

    async def board_page(self, request: web.Request) -> web.StreamResponse:
        values = await self._board_values(request)
        return self.render("board.html", values["person"].language, **values)

    async def board_rows(self, request: web.Request) -> web.StreamResponse:
        values = await self._board_values(request)
        return self.render("_board.html", values["person"].language, **values)

    # -- opinion -----------------------------------------------------------------------------
    async def opinion_page(self, request: web.Request) -> web.StreamResponse:
        """The opinion alerts of the person's communities of the last `OPINION_DAYS` days,
        by tier (3 first), newest first, with their follow-up state and who handled them."""
        now = self.runtime.now
        async with self.runtime.reading() as uow:
            person, cookie = await self._person(request, uow)
            communities = [c for c in await uow.directory.communities() if person.sees(c.id)]
            alerts = []
            for community in communities:
                for alert in await uow.opinion.alerts_between(
                    community.id, now - timedelta(days=OPINION_DAYS), now
                ):
                    alerts.append((community, alert))
            staff = {s.id: s.name for c in communities for s in await uow.directory.roster(c.id)}
        alerts.sort(key=lambda pair: (-pair[1].tier, -pair[1].last_at.timestamp()))
        lang = person.language

        def handler(label: str | None) -> str:
            if not label:
                return "-"
            kind, _, rest = label.partition(":")
            return staff.get(int(rest), label) if kind == "steward" and rest.isdigit() else label

        return self.render(
            "opinion.html",
            lang,
            person=person,
            csrf=self.auth.csrf_token(cookie),
            alerts=alerts,
            tiers=sorted({a.tier for _, a in alerts}, reverse=True),
            days=OPINION_DAYS,
            local=local_time,
            handler=handler,
            label=lambda key: self.texts.render(key, lang) if key in self.texts.hans else key,
        )

    # -- one ticket --------------------------------------------------------------------------
    async def _ticket(self, uow: UnitOfWork, person: Person, number: str) -> Any:
        """The ticket numbered `number`, if the person sees its community (another
        community's ticket is answered as one that does not exist)."""
        if len(number) > 32:
            raise Refused(404, "c.err.not_found")
        try:
            ticket = await self.tickets.find(uow, number, None)
        except DomainError as exc:
            raise Refused(404, "c.err.not_found") from exc
        if not person.sees(ticket.community_id):
            raise Refused(404, "c.err.not_found")
        return ticket

    async def ticket_page(self, request: web.Request) -> web.StreamResponse:
        async with self.runtime.reading() as uow:
            person, cookie = await self._person(request, uow)
            ticket = await self._ticket(uow, person, request.match_info["number"])
            community = await uow.directory.community(ticket.community_id)
            roster = list(await uow.directory.roster(ticket.community_id))
            staff = {s.id: s for s in roster}
            events = list(await uow.tickets.events(ticket.id))
            reporters = await uow.tickets.reporters(ticket.id)
            messages = list(await uow.messages.for_ticket(ticket.id))
        lang = person.language
        w = self.tickets.wording(lang)

        def who(label: str) -> str:
            kind, _, rest = label.partition(":")
            if kind == "steward" and rest.isdigit() and int(rest) in staff:
                return staff[int(rest)].name
            if kind == "member":
                return self.texts.render("c.actor.owner", lang)
            if label == "system":
                return self.texts.render("c.actor.system", lang)
            return label

        def action(name: str) -> str:
            key = f"c.ev.{name}"
            return self.texts.render(key, lang) if key in self.texts.hans else name

        def note(text: str) -> str:
            """A note naming a roster entry ("steward:3") names the person."""
            kind, _, rest = text.partition(":")
            if kind in ("steward", "supervisor", "manager") and rest.isdigit() and int(rest) in staff:
                return staff[int(rest)].name
            return owner_text(text)

        done = request.query.get("done", "")
        return self.render(
            "ticket.html",
            lang,
            person=person,
            csrf=self.auth.csrf_token(cookie),
            ticket=ticket,
            community=community,
            assignee=staff.get(ticket.assignee_id) if ticket.assignee_id else None,
            roster=[s for s in roster if s.active],
            events=events,
            reporters=reporters,
            messages=messages,
            who=who,
            action=action,
            note=note,
            w=w,
            local=local_time,
            masked=owner_text,
            owner_name=owner_name,
            place=lambda b: mask_unit(b, lang) if b else "-",
            done=done if done in ACTIONS else "",
            can=lambda action: person.role.at_least(ACTIONS[action]),
        )

    async def ticket_action(self, request: web.Request) -> web.StreamResponse:
        number = request.match_info["number"]
        async with self.runtime.transaction() as uow:
            person, cookie = await self._person(request, uow)
            form = await self._form(request, cookie)
            action = form.get("action", "")
            if action not in ACTIONS:
                raise Refused(400, "c.err.bad_input")
            ticket = await self._ticket(uow, person, number)
            actor = person.actor_in(ticket.community_id)
            if not actor.at_least(ACTIONS[action]):
                raise DomainError("err.forbidden", role=ACTIONS[action].value)
            now = self.runtime.now
            text, name = form.get("text", ""), form.get("name", "").strip()
            if len(text) > TEXT_LIMIT:
                raise Refused(400, "c.err.too_long", limit=TEXT_LIMIT)
            if len(name) > NAME_LIMIT:
                raise Refused(400, "c.err.too_long", limit=NAME_LIMIT)
            if action == "assign":
                await self.tickets.assign(uow, actor, ticket, name, now)
            elif action == "transfer":
                await self.tickets.transfer(uow, actor, ticket, name, now)
            elif action == "note":
                if not text.strip():
                    raise Refused(400, "c.err.bad_input")
                await self.tickets.add_note(uow, actor, ticket, text, now)
            elif action == "resolve":
                await self.tickets.resolve(uow, actor, ticket, text, now)
            else:
                await self.tickets.cancel(uow, actor, ticket, text, now)
            target = f"/console/ticket/{ticket.number}?done={action}"
        raise web.HTTPSeeOther(target)


def local_time(community: Any, when: datetime | None) -> str:
    if when is None:
        return "-"
    return when.astimezone(ZoneInfo(community.timezone)).strftime("%m-%d %H:%M")
