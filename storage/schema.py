"""Every table Steward has: each feature's models module.

Alembic and the schema tests use `metadata` from here, so a feature's tables are part of the
schema as soon as its module is listed below.
"""

from __future__ import annotations

import importlib

from storage.base import Base

FEATURE_MODELS = (
    "storage.directory.models",
    "storage.tickets.models",
    "storage.messages.models",
    "storage.outbox.models",
    "storage.opinion.models",
    "storage.broadcasts.models",
    "storage.feedback.models",
    "storage.instances.models",
    "storage.inbox.models",
    "storage.triage.models",
    "storage.hazards.models",
    "storage.console.models",
    "storage.engagement.models",
    "storage.voices.models",
)

for _module in FEATURE_MODELS:
    importlib.import_module(_module)

metadata = Base.metadata
