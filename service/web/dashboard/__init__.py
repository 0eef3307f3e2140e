"""The dashboard (``/console/dashboard``) and the reports (``/console/reports``) of the
People's Council's members and the Front's leaders."""

from service.web.dashboard.overview import DashboardController
from service.web.dashboard.reports import ReportPagesController

controllers = [DashboardController, ReportPagesController]
