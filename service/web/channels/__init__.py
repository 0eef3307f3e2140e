"""``/console/publications``: the Front's publications to the portal, Zalo, Facebook and
webhooks (``service.channels``), with their per-channel status; a failed one is sent again."""

from service.web.channels.publications import PublicationPagesController

controllers = [PublicationPagesController]
