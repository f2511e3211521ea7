"""web sessions: browser session tokens stored hashed (a restart no longer logs browsers out)

Revision ID: 0006_web_sessions
Revises: 0005_i13b_history_sources
Create Date: 2026-11-26 18:10:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0006_web_sessions'
down_revision = '0005_i13b_history_sources'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'web_sessions',
        sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
        sa.Column('token_hash', sa.String(length=64), nullable=False),
        sa.Column('key_id', sa.Integer(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('ended_at', sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(['key_id'], ['api_keys.id']),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('token_hash'),
    )


def downgrade() -> None:
    op.drop_table('web_sessions')
