"""Imports every models module so that ``SQLModel.metadata`` describes the whole schema.

Alembic's env and the drift test use this; add a line when a package gains a models module.
"""

from reports import models as reports_models
from service.audit import models as audit_models
from service.auth import models as auth_models
from service.channels import models as channels_models
from service.criticism import models as criticism_models
from service.db import metadata
from service.deadlines import models as deadlines_models
from service.directory import models as directory_models
from service.jobs import models as jobs_models
from service.mail import models as mail_models
from service.opendata import models as opendata_models
from service.oversight import models as oversight_models
from service.petitions import models as petitions_models
from service.reception import models as reception_models
from service.replies import models as replies_models
from service.storage import models as storage_models
from service.voters import models as voters_models

__all__ = [
    "audit_models",
    "auth_models",
    "channels_models",
    "criticism_models",
    "deadlines_models",
    "directory_models",
    "jobs_models",
    "mail_models",
    "metadata",
    "opendata_models",
    "oversight_models",
    "petitions_models",
    "reception_models",
    "replies_models",
    "reports_models",
    "storage_models",
    "voters_models",
]
