"""``/xac-minh``: anyone holding a printed report checks it by the code in its footer.

The reports' verification service (``reports.service.verified_report``, which the API's
``/reports/verify/{code}`` answers with): an unknown code is counted against the caller's
address in the same counter as the API's (key ``verify``), so a page and the API give a
guesser no more tries together than one alone. The page shows what the copy itself prints
(issuer, number, date) beside the file's SHA-256, to compare with the paper.
"""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Controller, Request, get
from litestar.di import NamedDependency
from litestar.params import QueryParameter
from sqlalchemy.ext.asyncio import AsyncSession

from reports import service as reports
from reports.controllers import VERIFY_FAILURES
from service.errors import ServiceError
from service.i18n import msg
from service.ratelimit import AddressFailures, address_failures
from service.web.pages import Form, HTMXTemplate, render

PATH = "/xac-minh"


class VerifyController(Controller):
    path = PATH

    @get(
        "/",
        dependencies={
            "verify_failures": address_failures(
                "verify", VERIFY_FAILURES, msg("verification_rate_limited")
            )
        },
    )
    async def verify(
        self,
        request: Request[Any, Any, Any],
        db_session: NamedDependency[AsyncSession],
        verify_failures: NamedDependency[AddressFailures],
        ma: Annotated[str | None, QueryParameter(max_length=100)] = None,
    ) -> HTMXTemplate:
        code = (ma or "").strip()
        form = Form[Any](values={"ma": code})
        report = None
        status = 200
        if code:
            try:
                report = await reports.verified_report(db_session, code, verify_failures)
            except ServiceError as exc:
                form = Form(values=form.values, errors={"ma": exc.detail})
                status = exc.status_code
        return render(request, "portal/verify.html", status_code=status, form=form, report=report)
