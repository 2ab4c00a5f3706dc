"""Every table Steward has: the core models plus each feature's own models module.

Alembic and the schema tests use `metadata` from here, so a feature's tables are part of the
schema as soon as its module is listed below.
"""

from __future__ import annotations

import importlib

from storage.models import Base

FEATURE_MODELS = ("storage.models", "storage.models_opinion", "storage.models_broadcasts")

for _module in FEATURE_MODELS:
    importlib.import_module(_module)

metadata = Base.metadata
