"""The notices tests use the petitions fixtures (reference data, policy, an API client) and
the local fake services of ``fakes``."""

from tests.notices.fakes import sms_gateway, zns
from tests.petitions.conftest import api, policy

__all__ = ["api", "policy", "sms_gateway", "zns"]
