"""The oversight section of the console (``/console/oversight``, Giám sát): supervision plans
(``plans``) and the live online session (``sessions``); shared form handling in ``forms``."""

from service.web.oversight.plans import PlanPages, plan_action, recommendation_action
from service.web.oversight.sessions import SessionPages, session_action

controllers = [PlanPages, SessionPages, plan_action, session_action, recommendation_action]
