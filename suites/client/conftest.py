"""Client suites: judge the traffic an agency's app sent to the simulator (client mode).

`lapor-conformance run` records the traffic first (conformance/client/run.py) and then runs these
suites on it; conformance/client/suite.py holds `judge(check)`.
"""

from __future__ import annotations

import allure
import pytest

from conformance.client.suite import state
from conformance.i18n import t


def _check_of(item: pytest.Item) -> str | None:
    marker = item.get_closest_marker("client_check")
    return marker.args[0] if marker else None


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "client_check(name): the client check a test runs")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Progress lines and Allure titles name the requirement (`LAPOR-CLIENT-006 — ...`)."""
    pack, lang = state()["pack"], state()["context"].lang
    for item in items:
        check = _check_of(item)
        requirements = pack.requirements_checked_by(check) if check else []
        if requirements:
            item.operation_label = " · ".join(t("client.suite.title", requirement=r.id, title=r.title_in(lang))
                                              for r in requirements)


@pytest.fixture(autouse=True)
def _client_labels(request: pytest.FixtureRequest):
    # After the shared plugin's fixture (plugins first), so these labels come last; the run keeps the last.
    allure.dynamic.suite("client")
    allure.dynamic.sub_suite(request.node.module.__name__.removeprefix("test_client_"))
    yield
