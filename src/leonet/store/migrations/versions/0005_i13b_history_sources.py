"""licensing status history per country (country_status_periods) and zone provenance (zones.source, zones.as_of)

Existing countries get one period each, copied from their current row.

Revision ID: 0005_i13b_history_sources
Revises: 0004_lifecycle
Create Date: 2026-11-26 15:20:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0005_i13b_history_sources'
down_revision = '0004_lifecycle'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'country_status_periods',
        sa.Column('id', sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column('iso_a2', sa.String(2), sa.ForeignKey('countries.iso_a2'), nullable=False),
        sa.Column('status', sa.String(16), nullable=False),
        sa.Column('valid_from', sa.DateTime(timezone=True), nullable=True),
        sa.Column('valid_to', sa.DateTime(timezone=True), nullable=True),
        sa.Column('source', sa.Text(), nullable=False, server_default=''),
        sa.Column('source_date', sa.DateTime(timezone=True), nullable=True),
        sa.Column('note', sa.Text(), nullable=False, server_default=''),
    )
    op.create_index('ix_country_status_periods_iso_a2', 'country_status_periods', ['iso_a2'])
    op.execute("INSERT INTO country_status_periods (iso_a2, status, valid_from, valid_to, source, note) "
               "SELECT iso_a2, status, valid_from, valid_to, source, '' FROM countries")
    op.add_column('zones', sa.Column('source', sa.Text(), nullable=False, server_default=''))
    op.add_column('zones', sa.Column('as_of', sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('zones') as batch:
        batch.drop_column('as_of')
        batch.drop_column('source')
    op.drop_index('ix_country_status_periods_iso_a2', 'country_status_periods')
    op.drop_table('country_status_periods')
