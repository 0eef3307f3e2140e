"""Imports every models module so that ``SQLModel.metadata`` describes the whole schema.

Alembic's env and the drift test use this; add a line when a package gains a models module.
"""

from service.auth import models as auth_models
from service.db import metadata
from service.directory import models as directory_models

__all__ = ["auth_models", "directory_models", "metadata"]
