"""The kernel's long-lived collaborators, built once by the composition root.

Only what every feature may need lives here: the classifier, the clock, the texts, the
admins and what each platform can do. A feature's own collaborators (its policy, its
content, its SLA book) are given to that feature's service by the composition root.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from bot.core.channel import NO_CAPABILITIES, Capabilities
from bot.core.clock import Clock
from bot.core.texts import Texts
from nlp.classifier import Classifier


@dataclass
class Services:
    classifier: Classifier
    clock: Clock
    texts: Texts
    admins: frozenset[str] = frozenset()  # "platform:user_id"
    platforms: Mapping[str, Capabilities] = field(default_factory=dict)

    def capabilities(self, platform: str) -> Capabilities:
        """What `platform`'s adapter can do (nothing special if it is not running here)."""
        return self.platforms.get(platform, NO_CAPABILITIES)

    def is_admin(self, platform: str, user_id: str) -> bool:
        return f"{platform}:{user_id}" in self.admins
