"""Every request on its own: schema-valid, both credentials, Accept: application/json, proper
multipart file parts, and credentials never sent to an origin other than the configured one."""

import pytest

from conformance.client.suite import judge


@pytest.mark.client_check("client:request_valid")
def test_requests_valid_against_the_pack():
    judge("client:request_valid")


@pytest.mark.client_check("client:both_auth_headers")
def test_both_credentials_on_every_call():
    judge("client:both_auth_headers")


@pytest.mark.client_check("client:accept_json")
def test_accept_json():
    judge("client:accept_json")


@pytest.mark.client_check("client:multipart_file_parts")
def test_multipart_file_parts_carry_filenames():
    judge("client:multipart_file_parts")


@pytest.mark.client_check("client:credentials_within_origin")
def test_no_credentials_outside_the_configured_origin():
    judge("client:credentials_within_origin")
