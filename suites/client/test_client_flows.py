"""The integration flows: upload before reference, paging to the end, rerouting to a listed
institution, polling no more often than the profile allows."""

import pytest

from conformance.client.suite import judge


@pytest.mark.client_check("client:upload_before_reference")
def test_attachments_uploaded_before_the_complaint_references_them():
    judge("client:upload_before_reference")


@pytest.mark.client_check("client:paged_to_end")
def test_lists_paged_until_next_page_url_is_null():
    judge("client:paged_to_end")


@pytest.mark.client_check("client:reroute_target_listed")
def test_reroute_only_to_a_listed_institution():
    judge("client:reroute_target_listed")


@pytest.mark.client_check("client:poll_interval")
def test_polling_no_more_often_than_allowed():
    judge("client:poll_interval")
