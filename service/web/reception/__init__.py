"""``/console/reception``: the Front's online receptions (``service.reception``): the
bookings of the officer's unit by slot, and one booking's page with its actions (identity
check, record, outcome, no-show) through the API's own action routes (``perform``)."""

from service.web.reception.pages import ReceptionPagesController

controllers = [ReceptionPagesController]
