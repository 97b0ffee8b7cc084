"""Faults and unusual answers (chosen by Hypothesis per episode): no duplicate complaint after a
failed create, retries that wait (Retry-After, back-off), and an app that keeps working."""

import pytest

from conformance.client.suite import judge


@pytest.mark.client_check("client:no_duplicate_complaint")
def test_no_duplicate_complaint_after_a_failed_create():
    judge("client:no_duplicate_complaint")


@pytest.mark.client_check("client:retry_backoff")
def test_retries_honour_retry_after_and_back_off():
    judge("client:retry_backoff")


@pytest.mark.client_check("client:survives_unusual_responses")
def test_app_survives_unusual_but_valid_answers():
    judge("client:survives_unusual_responses")
