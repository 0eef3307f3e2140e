"""The admin console (``/console/admin``): accounts, API clients, the calendar, routing
rules, failed jobs and the audit chain, over the admin API's services. Each section is a
router of table-made routes (``service.web.routes``)."""

from service.web.admin import accounts, system

controllers = [*system.routers, *accounts.routers]
