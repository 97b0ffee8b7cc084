"""What the app writes: no reporter identity inside anonymous complaints, replies and
attachments within the profile's limits."""

import pytest

from conformance.client.suite import judge


@pytest.mark.client_check("client:anonymous_without_identity")
def test_anonymous_complaints_carry_no_identity_in_free_text():
    judge("client:anonymous_without_identity")


@pytest.mark.client_check("client:within_limits")
def test_replies_and_attachments_within_limits():
    judge("client:within_limits")
