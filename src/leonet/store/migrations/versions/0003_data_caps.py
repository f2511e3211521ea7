"""account data caps: plan data per billing period and the data used (DATA_OVERAGE_SANDBOX_POLICY)

Revision ID: 0003_data_caps
Revises: 0002_telemetry
Create Date: 2026-11-25 14:00:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0003_data_caps'
down_revision = '0002_telemetry'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column('accounts', sa.Column('data_cap_gb', sa.Float(), nullable=True))
    op.add_column('accounts', sa.Column('data_used_gb', sa.Float(), nullable=False, server_default='0'))
    op.add_column('accounts', sa.Column('data_used_at', sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('accounts') as batch:
        batch.drop_column('data_used_at')
        batch.drop_column('data_used_gb')
        batch.drop_column('data_cap_gb')
