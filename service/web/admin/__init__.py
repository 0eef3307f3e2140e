"""The admin console (``/console/admin``): accounts, API clients, the calendar, routing
rules, failed jobs and the audit chain, over the admin API's services."""

from service.web.admin.accounts import ApiClientAdminPages, UserAdminPages
from service.web.admin.system import (
    AdminHomePage,
    CalendarAdminPages,
    JobAdminPages,
    RoutingAdminPages,
)

controllers = [
    AdminHomePage,
    UserAdminPages,
    ApiClientAdminPages,
    CalendarAdminPages,
    RoutingAdminPages,
    JobAdminPages,
]
