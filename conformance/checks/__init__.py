"""The harness's own checks. Importing this package registers every check by name."""

from conformance.checks import auth, http, lifecycle, paging, schema, schemathesis_checks  # noqa: F401
from conformance.checks import authz, lifecycle_dates, lifecycle_detail, lifecycle_model, privacy  # noqa: F401
from conformance.checks.base import Observation, Outcome, registered_checks

__all__ = ["Observation", "Outcome", "registered_checks"]
