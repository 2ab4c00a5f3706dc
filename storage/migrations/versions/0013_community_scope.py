"""notice templates belong to a community, and a community has one safety-tip schedule
(issue 18: a supervisor could overwrite and list another community's templates; two
processes starting together created two tip schedules, so every tip was sent twice)

`broadcast_templates.community_id`: a supervisor's template is their community's; an
operator's (NULL) is shared by all. The name is unique per community, no longer across all.
Templates saved before are kept as shared ones (who saved them is not known by community).
A partial unique index holds `broadcast_schedules` to one `tips` row per community; of
duplicates already there the earliest is kept, the others are retired (kind `tips-dup`,
status `deleted`: their broadcasts still refer to them).

Revision ID: 0013
Revises: 0012
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013"
down_revision: str | Sequence[str] | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


TIPS = "kind = 'tips'"


def upgrade() -> None:
    op.execute(
        "UPDATE broadcast_schedules SET kind = 'tips-dup', status = 'deleted' "
        f"WHERE {TIPS} AND id NOT IN (SELECT keep FROM (SELECT MIN(id) AS keep FROM broadcast_schedules "
        f"WHERE {TIPS} GROUP BY community_id) AS earliest)"
    )
    op.create_index(
        "uq_broadcast_schedules_tips",
        "broadcast_schedules",
        ["community_id"],
        unique=True,
        sqlite_where=sa.text(TIPS),
        postgresql_where=sa.text(TIPS),
    )
    with op.batch_alter_table("broadcast_templates") as batch:
        batch.add_column(sa.Column("community_id", sa.Integer(), nullable=True))
        batch.drop_constraint("uq_broadcast_templates_name", type_="unique")
        batch.create_foreign_key(
            op.f("fk_broadcast_templates_community_id_communities"), "communities", ["community_id"], ["id"]
        )
        batch.create_unique_constraint(op.f("uq_broadcast_templates_community_id"), ["community_id", "name"])


def downgrade() -> None:
    op.drop_index("uq_broadcast_schedules_tips", table_name="broadcast_schedules")
    with op.batch_alter_table("broadcast_templates") as batch:
        batch.drop_constraint(op.f("uq_broadcast_templates_community_id"), type_="unique")
        batch.drop_constraint(op.f("fk_broadcast_templates_community_id_communities"), type_="foreignkey")
        batch.drop_column("community_id")
        batch.create_unique_constraint(op.f("uq_broadcast_templates_name"), ["name"])
