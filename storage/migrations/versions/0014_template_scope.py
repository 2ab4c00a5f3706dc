"""notice templates belong to a community (issue 18: a supervisor could overwrite and list
another community's templates)

`broadcast_templates.community_id`: a supervisor's template is their community's; an
operator's (NULL) is shared by all. The name is unique per community, no longer across all.
Templates saved before are kept as shared ones (who saved them is not known by community).

Revision ID: 0014
Revises: 0011
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0014"
down_revision: str | Sequence[str] | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("broadcast_templates") as batch:
        batch.add_column(sa.Column("community_id", sa.Integer(), nullable=True))
        batch.drop_constraint("uq_broadcast_templates_name", type_="unique")
        batch.create_foreign_key(
            op.f("fk_broadcast_templates_community_id_communities"), "communities", ["community_id"], ["id"]
        )
        batch.create_unique_constraint(op.f("uq_broadcast_templates_community_id"), ["community_id", "name"])


def downgrade() -> None:
    with op.batch_alter_table("broadcast_templates") as batch:
        batch.drop_constraint(op.f("uq_broadcast_templates_community_id"), type_="unique")
        batch.drop_constraint(op.f("fk_broadcast_templates_community_id_communities"), type_="foreignkey")
        batch.drop_column("community_id")
        batch.create_unique_constraint(op.f("uq_broadcast_templates_name"), ["name"])
