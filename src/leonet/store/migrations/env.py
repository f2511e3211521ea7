"""Alembic environment: runs migrations on the connection handed over by leonet.store.session.upgrade."""

from alembic import context
from sqlalchemy import create_engine

from leonet.store.models import Base

target_metadata = Base.metadata
config = context.config
connection = config.attributes.get("connection")
if connection is None:
    engine = create_engine(config.get_main_option("sqlalchemy.url"))
    with engine.begin() as conn:
        context.configure(connection=conn, target_metadata=target_metadata, render_as_batch=True)
        with context.begin_transaction():
            context.run_migrations()
else:
    context.configure(connection=connection, target_metadata=target_metadata, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()
