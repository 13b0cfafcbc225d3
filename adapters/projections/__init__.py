from adapters.projections.database import ProjectionDatabase, projection_database_for
from adapters.projections.store import SqlBatch, SqlProjectionStore, generation_tables

__all__ = [
    "ProjectionDatabase",
    "SqlBatch",
    "SqlProjectionStore",
    "generation_tables",
    "projection_database_for",
]
