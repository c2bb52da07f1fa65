"""Persistence through SQLAlchemy: models, engine and units of work, repositories."""
