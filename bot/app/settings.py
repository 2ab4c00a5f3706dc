"""The process settings: one typed model from `STEWARD_*` variables, read once at start.

The community file is read by `bot.app.communities`; each feature's policy is made from these
settings by `bot.app.policies`.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Literal

from pydantic import (
    AliasChoices,
    Field,
)
from pydantic_settings import BaseSettings, SettingsConfigDict

ROOT = Path(__file__).resolve().parents[2]
# The example community file ships inside the package, so an installed `steward` finds it.
EXAMPLE_COMMUNITY_FILE = Path(__file__).resolve().with_name("examples") / "community.toml"


class ConfigError(Exception):
    """A configuration problem, with a message fit to print as the program's last line."""


class Settings(BaseSettings):
    """Process settings. Every field can be set as `STEWARD_<NAME>` in the environment."""

    # An empty variable means the default (`STEWARD_TELEGRAM_TOKEN=` in an env file, or compose's
    # `${STEWARD_HTTP_PORT:-}` for a variable not set): deploy/steward.env.example, compose.yaml.
    model_config = SettingsConfigDict(
        env_prefix="STEWARD_", extra="ignore", populate_by_name=True, env_ignore_empty=True
    )

    database_url: str = "sqlite+aiosqlite:///steward.db"
    community_file: Path = EXAMPLE_COMMUNITY_FILE
    log_level: str = "WARNING"
    admins: str = ""  # comma-separated "platform:user_id", e.g. "telegram:12345,local:admin"

    http_host: str = "127.0.0.1"
    http_port: int = 8080
    # The web console (/console on the HTTP server; docs/CONSOLE.md): no secret, no console.
    # The secret signs the sign-in links and the forms' CSRF tokens (`openssl rand -hex 32`);
    # the URL is where people open it (https: the session cookie is Secure).
    console_secret: str = ""
    console_url: str = "http://127.0.0.1:8080"
    console_session_hours: float = Field(default=12.0, gt=0)

    telegram_token: str | None = None
    telegram_api_url: str = "https://api.telegram.org/bot"
    telegram_mode: Literal["polling", "webhook"] = "polling"
    telegram_webhook_url: str | None = None
    # STEWARD_TELEGRAM_SECRET_TOKEN; STEWARD_TELEGRAM_SECRET (bot/telegram/README.md) works too.
    telegram_secret_token: str | None = Field(
        default=None,
        validation_alias=AliasChoices("STEWARD_TELEGRAM_SECRET_TOKEN", "STEWARD_TELEGRAM_SECRET"),
    )
    telegram_overall_rate: float = 30.0  # messages per second, all chats
    telegram_group_rate: int = 20  # messages per group ...
    telegram_group_period: float = 60.0  # ... per this many seconds
    # Connection tuning (README "Telegram setup"); tests scale these down.
    telegram_poll_timeout: int = Field(default=30, ge=0)  # long-poll seconds
    telegram_request_timeout: float = Field(default=10.0, gt=0)
    telegram_retry_backoff: float = Field(default=1.0, ge=0)  # first back-off after a 5xx/timeout
    telegram_callback_answer_grace: float = Field(default=1.0, ge=0)
    telegram_set_commands: bool = True  # register the command menu when `steward run` starts

    # WeCom (README "WeCom setup"). The intelligent robot (智能机器人, API mode, JSON callbacks
    # at /wecom/aibot/callback) uses WECOM_TOKEN / WECOM_AES_KEY; the group robot (群机器人,
    # XML callbacks at /wecom/robot/callback) has its own pair. Each callback is mounted only
    # when its pair is set; pushes need nothing but the group robots' webhook keys.
    wecom_api_base: str = "https://qyapi.weixin.qq.com"
    wecom_token: str | None = None
    wecom_aes_key: str | None = None
    wecom_group_robot_token: str | None = None
    wecom_group_robot_aes_key: str | None = None
    wecom_receive_id: str = ""
    wecom_rate: int = 20
    wecom_period: float = 60.0
    wecom_rate_limited_backoff: float = Field(default=10.0, ge=0)  # wait after a 45009
    wecom_callback_max_skew: float = Field(default=300.0, ge=0)  # replay window, seconds
    wecom_reply_timeout: float = Field(default=4.0, gt=0)  # ack a callback after at most this
    # The robots' display names, comma-separated, the one people should @-mention first: cards
    # and /help tell people to write "@<first name> 接单 BX-…" (README "WeCom setup"), a
    # mention of any of them is taken off what was said, and archive records that @-mention
    # any of them were delivered live by a callback, so `steward wecom import-archive` skips
    # them. STEWARD_WECOM_ROBOT_NAME (one name) is read too.
    wecom_robot_names: str = Field(
        default="物业管家",
        validation_alias=AliasChoices("STEWARD_WECOM_ROBOT_NAMES", "STEWARD_WECOM_ROBOT_NAME"),
    )
    # The robots' sender ids in the chat archive (the `from` of their own messages, comma-
    # separated): the import skips what the robots said themselves.
    wecom_robot_ids: str = ""

    http_shutdown_timeout: float = Field(default=10.0, ge=0)  # in-flight requests at stop
    stop_step_timeout: float = Field(default=30.0, gt=0)  # each step of a stop (bot/shutdown.py)

    # The inbox (docs/RELIABILITY.md): every update is stored before it is acknowledged, and a
    # failed one retried with back-off (1 s, 2 s, ... up to the cap); after this many failures
    # of its own it is parked (`steward inbox failed` / `retry`) and the admins are told.
    inbox_max_failures: int = Field(default=5, ge=1)
    inbox_retry_base: float = Field(default=1.0, gt=0)  # seconds before the first retry
    inbox_retry_cap: float = Field(default=30.0, gt=0)  # the longest wait between retries
    # How long an update stays reserved for the process that stored it (or leased to a worker)
    # before another worker may take it: what a crash costs in delay.
    inbox_lease: float = Field(default=30.0, gt=0)
    inbox_poll_interval: float = Field(default=1.0, gt=0)  # the worker looks at least this often
    inbox_concurrency: int = Field(default=4, ge=1)  # updates the worker handles at once
    inbox_keep_hours: float = Field(default=24.0, gt=0)  # handled updates are forgotten after this

    outbox_max_attempts: int = 8
    outbox_poll_interval: float = 1.0
    # Leases and instances (docs/RELIABILITY.md): a row being sent is leased for this long,
    # renewed by the holder's heartbeat; a holder silent for `stale_after` seconds (killed,
    # frozen) loses its leases to any running sender.
    outbox_lease_seconds: float = Field(default=30.0, gt=0)
    outbox_heartbeat_interval: float = Field(default=2.0, gt=0)
    outbox_stale_after: float = Field(default=10.0, gt=0)
    outbox_bulk_in_flight: int = Field(default=20, ge=1)  # broadcasts, tips, digests in flight at once
    outbox_send_timeout: float = Field(default=180.0, gt=0)  # one send, rate-limit waits included
    # Offices (the scheduler, each token's sender and poller: bot/core/election.py): a standby
    # process tries for a free office this often (a dead holder's office is taken within it).
    election_interval: float = Field(default=1.0, gt=0)

    # /healthz (docs/RELIABILITY.md, "Health and metrics"): each check runs in the background
    # every `health_interval` seconds, bounded by `health_check_timeout`; requests read the
    # cached results. Degraded (503) when the oldest due message has waited more than
    # `health_outbox_max_age` s, a chat's head has failed 3+ times for `health_blocked_after`
    # s (or is held by a dead sender), a platform's last `health_platform_failures` calls
    # failed or it has had no success for `health_platform_stale_after` s while failing, the
    # database refuses the probe write, or the sender's loop or heartbeat stopped.
    health_interval: float = Field(default=2.0, gt=0)
    health_check_timeout: float = Field(default=2.0, gt=0)
    health_outbox_max_age: float = Field(default=300.0, gt=0)
    # ... or the oldest stored, unhandled update has waited this long (s), or any update is parked.
    health_inbox_max_age: float = Field(default=120.0, gt=0)
    health_blocked_after: float = Field(default=60.0, gt=0)
    health_platform_failures: int = Field(default=3, ge=1)
    health_platform_stale_after: float = Field(default=120.0, gt=0)
    sla_check_interval: float = 60.0
    # Broadcasts (issue 7, docs/BROADCASTS.md): non-urgent ones wait out the quiet hours (local);
    # a scheduled run missed by more than the grace period is skipped and logged, not sent late.
    broadcast_quiet_hours: str = Field(
        default="22:00-08:00", pattern=r"^(off|([01]\d|2[0-3]):[0-5]\d-([01]\d|2[0-3]):[0-5]\d)$"
    )
    broadcast_grace_minutes: int = Field(default=30, ge=0)
    broadcast_tick_seconds: float = Field(default=60.0, gt=0)

    # -- public-opinion monitoring and reports (issue 8; docs/OPINION.md gives the reasoning) --
    # Repeats of one matter (same topic or same owner) within this many minutes of its first
    # alert are folded into it: long enough to cover one burst of discussion in a group.
    opinion_cooldown_minutes: int = Field(default=120, ge=1)
    # A group complaint: this many distinct owners negative about one topic within the window
    # below (3 households is the usual threshold for 群体性投诉 in property practice).
    opinion_group_owners: int = Field(default=3, ge=2)
    opinion_group_window_minutes: int = Field(default=120, ge=1)
    # A spike: negative owner messages in the last hour >= max(min_count, mean + k * max(sd,
    # sqrt(mean))) of the same hour on the previous `baseline_days` days.
    opinion_spike_min_count: int = Field(default=5, ge=1)
    opinion_spike_k: float = Field(default=3.0, gt=0)
    opinion_spike_baseline_days: int = Field(default=7, ge=1)
    # Local time of the daily digest to the supervisors (covers the preceding 24 hours).
    opinion_digest_time: str = Field(default="18:00", pattern=r"^([01]\d|2[0-3]):[0-5]\d$")
    # -- the stewards' digest of uncertain owner messages (issue 17; docs/ARCHITECTURE.md,
    # "Tickets"): the local times it is due each day ("off": never), the most messages one
    # digest lists (the rest wait for the next), and how old a message may be to be listed.
    triage_digest_times: str = Field(
        default="08:00,10:00,12:00,14:00,16:00,18:00,20:00",
        pattern=r"^(off|([01]\d|2[0-3]):[0-5]\d(,([01]\d|2[0-3]):[0-5]\d)*)$",
    )
    triage_digest_lines: int = Field(default=10, ge=1, le=20)
    triage_horizon_hours: int = Field(default=48, ge=1)
    # The monthly service report goes to the supervisors on this day of the month, at this time.
    report_monthly_day: int = Field(default=1, ge=1, le=28)
    report_time: str = Field(default="09:00", pattern=r"^([01]\d|2[0-3]):[0-5]\d$")
    # Where report charts and CSVs are written (images wait there for the outbox sender);
    # unset: `reports/` in the data directory (never a fixed path in a shared /tmp).
    report_dir: Path | None = None
    # Steward's private directory (created 0700): reports and what it caches. Unset:
    # $XDG_STATE_HOME/steward, else ~/.local/state/steward.
    data_dir: Path = Field(default_factory=lambda: default_data_dir())
    # Where report charts find their CJK font, in order: "package" (the noto-cjk-sans-otc
    # dependency), "system" (Debian's fonts-noto-cjk), or a font file's path; "none": text
    # and CSV only.
    report_fonts: str = "package,system"

    @property
    def robot_names(self) -> tuple[str, ...]:
        """STEWARD_WECOM_ROBOT_NAMES as a list, without "@" or blanks, in the order given."""
        return split_names(self.wecom_robot_names, strip="@")

    @property
    def robot_ids(self) -> tuple[str, ...]:
        return split_names(self.wecom_robot_ids)


def split_names(raw: str, *, strip: str = "") -> tuple[str, ...]:
    """ "a, b，c" -> ("a", "b", "c"): commas (half- or full-width), blanks dropped, no repeats."""
    names: list[str] = []
    for part in raw.replace("，", ",").split(","):
        name = part.strip().lstrip(strip).strip()
        if name and name not in names:
            names.append(name)
    return tuple(names)


def default_data_dir() -> Path:
    """$XDG_STATE_HOME/steward, else ~/.local/state/steward: the user's own, not a shared /tmp."""
    state = os.environ.get("XDG_STATE_HOME") or str(Path.home() / ".local" / "state")
    return Path(state) / "steward"
