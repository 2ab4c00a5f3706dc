"""Knowledge: each community's answers to common inquiries (a TOML file named in the
community file), and the service that answers an inquiry from them. Intake uses it; it has
no chat entry points of its own.
"""

from __future__ import annotations

from handlers.knowledge.base import Entry, KnowledgeBase, KnowledgeError
from handlers.knowledge.service import Answer, KnowledgeService

__all__ = ["Answer", "Entry", "KnowledgeBase", "KnowledgeError", "KnowledgeService"]
