"""Who may see and do what on a supervision plan.

- ``admin`` sees every plan and approves;
- a ``front_officer`` whose area covers the plan's unit (city level covers all) sees it and
  is an *approver* (approves, archives, issues recommendations);
- plan members (head, member, secretary; supervisors or front officers) see their plan;
  only members write the session log; head and secretary run sessions;
- everyone else (other supervisors, agency officers, council readers) gets 404 for a plan
  (agency officers see recommendations addressed to them through the replies inbox).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from service.auth.models import Role
from service.auth.principals import StaffPrincipal
from service.errors import Forbidden, NotFound
from service.i18n import Message, msg
from service.oversight.models import PlanRole, SupervisionPlan
from service.oversight.workflow import Capacity, SessionParty


@dataclass(frozen=True)
class PlanAccess:
    plan_id: uuid.UUID
    member_role: PlanRole | None
    approver: bool

    @property
    def visible(self) -> bool:
        return self.member_role is not None or self.approver

    @property
    def is_member(self) -> bool:
        return self.member_role is not None

    @property
    def runs_sessions(self) -> bool:
        return self.member_role in (PlanRole.head, PlanRole.secretary)

    @property
    def capacities(self) -> frozenset[Capacity]:
        found = set()
        if self.member_role is PlanRole.head:
            found.add(Capacity.head)
        if self.approver:
            found.add(Capacity.approver)
        return frozenset(found)

    @property
    def session_parties(self) -> frozenset[SessionParty]:
        """The caller's parties in ``workflow.SESSION_FLOW``."""
        found = set()
        if self.runs_sessions:
            found.add(SessionParty.runner)
        if self.manages:
            found.add(SessionParty.manager)
        return frozenset(found)

    @property
    def manages(self) -> bool:
        """Head or approver: schedules sessions, concludes, issues recommendations."""
        return self.member_role is PlanRole.head or self.approver

    def require_member(self, what: Message) -> None:
        _require(self.is_member, msg("plan_members_only", what=what))

    def require_session_runner(self, what: Message) -> None:
        _require(self.runs_sessions, msg("plan_runners_only", what=what))

    def require_manager(self, what: Message) -> None:
        _require(self.manages, msg("plan_managers_only", what=what))

    def require_approver(self, what: Message) -> None:
        _require(self.approver, msg("plan_approvers_only", what=what))


def _require(allowed: bool, refusal: Message) -> None:
    """403 with ``refusal`` (who may do what) unless the caller is ``allowed``."""
    if not allowed:
        raise Forbidden(refusal)


def is_approver(viewer: StaffPrincipal, plan_unit_code: str) -> bool:
    if viewer.role is Role.admin:
        return True
    return viewer.role is Role.front_officer and viewer.sees_unit(plan_unit_code)


def plan_access(
    viewer: StaffPrincipal, plan: SupervisionPlan, member_role: PlanRole | None
) -> PlanAccess:
    """The caller's relation to ``plan``; raises NotFound when they may not see it at all."""
    access = PlanAccess(
        plan_id=plan.id, member_role=member_role, approver=is_approver(viewer, plan.unit_code)
    )
    if not access.visible:
        raise NotFound(msg("plan_not_found"))
    return access


# Roles that may take part in plans as members.
MEMBER_ROLES = frozenset({Role.supervisor, Role.front_officer, Role.admin})
# Roles that may create a plan (a supervisor creating one becomes its head).
CREATOR_ROLES = frozenset({Role.supervisor, Role.front_officer, Role.admin})
