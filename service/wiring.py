"""Connects the domain packages to each other's in-process events and item providers.

Called once by the app factory and by the worker; every ``register()`` is idempotent.
"""

from service.settings import Settings


def register_domains(settings: Settings) -> None:
    """Each domain adds one line here for its ``subscriptions.register``."""
    from service.deadlines import tasks as deadlines

    deadlines.register()
    from service.replies import subscriptions as replies

    replies.register()
    from service.oversight import subscriptions as oversight

    oversight.register()
    from service.petitions import subscriptions as petitions

    petitions.register(settings)
