"""Every query of the petitions domain, by sub-domain (the services and views call these;
controllers never do).

- :mod:`.listing`: the staff list (filters, search, keyset pages) and the dashboard counts.
"""

from service.petitions.repository.listing import (
    MAX_PAGE,
    PetitionFilter,
    SortOrder,
    dashboard,
    list_petitions,
)

__all__ = ["MAX_PAGE", "PetitionFilter", "SortOrder", "dashboard", "list_petitions"]
