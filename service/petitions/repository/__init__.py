"""Every query of the petitions domain, by sub-domain (the services and views call these;
controllers never do).

- :mod:`.listing`: the staff list (filters, search, keyset pages);
- :mod:`.dashboard`: the dashboard counts (summary + change log) and the fold of the log;
- :mod:`.petitions`: one petition and what hangs off it (petitioner, history, questions,
  additions, files, merged petitions, the notification delivery log as staff read it);
- :mod:`.duplicates`: similarity search, stored suggestions, the row moves of a merge;
- :mod:`.intake`: the tracking-number counter and the ``Idempotency-Key`` rows;
- :mod:`.sweep`: the set-based statements of the routing-step sweep;
- :mod:`.reference`: the directory rows petitions name (units, categories, agencies);
- :mod:`.notices`: the recipients and petitions of a staff notice;
- :mod:`.deliveries`: the statements of the ``petitions.notify`` job (done already? one
  ``notification_delivery`` row per attempt).

The notification, sweep and replies-provider modules run no SQL of their own: they call these.
"""

from service.petitions.repository.dashboard import dashboard
from service.petitions.repository.listing import (
    MAX_PAGE,
    PetitionFilter,
    SortOrder,
    list_petitions,
)

__all__ = ["MAX_PAGE", "PetitionFilter", "SortOrder", "dashboard", "list_petitions"]
