"""lifecycle: API key owner/expiry/revocation/bootstrap, whitelist validity end, decision history

Revision ID: 0004_lifecycle
Revises: 0003_data_caps
Create Date: 2026-11-26 15:00:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0004_lifecycle'
down_revision = '0003_data_caps'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column('api_keys', sa.Column('owner', sa.String(length=120), nullable=False, server_default=''))
    op.add_column('api_keys', sa.Column('created_at', sa.DateTime(timezone=True), nullable=True))
    op.add_column('api_keys', sa.Column('created_by', sa.String(length=120), nullable=True))
    op.add_column('api_keys', sa.Column('expires_at', sa.DateTime(timezone=True), nullable=True))
    op.add_column('api_keys', sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True))
    op.add_column('api_keys', sa.Column('revoked_by', sa.String(length=120), nullable=True))
    op.add_column('api_keys', sa.Column('bootstrap', sa.Boolean(), nullable=False, server_default=sa.false()))
    op.execute("UPDATE api_keys SET owner = label")
    op.execute("UPDATE api_keys SET bootstrap = true WHERE label = 'LEONET_ADMIN_KEY'")
    op.add_column('whitelist', sa.Column('valid_to', sa.DateTime(timezone=True), nullable=True))
    op.add_column('whitelist', sa.Column('ended_by', sa.String(length=120), nullable=True))
    op.create_table(
        'decisions',
        sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
        sa.Column('at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('serial', sa.String(length=64), nullable=False),
        sa.Column('code', sa.String(length=40), nullable=False),
        sa.Column('reasons', sa.JSON(), nullable=False),
        sa.Column('lat_deg', sa.Float(), nullable=True),
        sa.Column('lon_deg', sa.Float(), nullable=True),
        sa.Column('speed_kmh', sa.Float(), nullable=False),
        sa.Column('zone_id', sa.Integer(), nullable=True),
        sa.Column('policy_version', sa.String(length=32), nullable=False),
        sa.Column('actor', sa.String(length=120), nullable=False),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_decisions_serial_at', 'decisions', ['serial', 'at'])
    op.create_index('ix_decisions_zone_at', 'decisions', ['zone_id', 'at'])


def downgrade() -> None:
    op.drop_index('ix_decisions_zone_at', table_name='decisions')
    op.drop_index('ix_decisions_serial_at', table_name='decisions')
    op.drop_table('decisions')
    with op.batch_alter_table('whitelist') as batch:
        batch.drop_column('ended_by')
        batch.drop_column('valid_to')
    with op.batch_alter_table('api_keys') as batch:
        for col in ('bootstrap', 'revoked_by', 'revoked_at', 'expires_at', 'created_by', 'created_at', 'owner'):
            batch.drop_column(col)
