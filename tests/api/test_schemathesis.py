"""Schemathesis against /api/v1/openapi.json, in process: no 5xx for any generated input,
and every response matches the document (status code, content type, body schema).

Driven from plain tests (schemathesis' pytest plugin does not yet run under pytest 9):
one Hypothesis run per operation, with and without a token.
"""

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
SETTINGS = settings(
    max_examples=20,
    deadline=None,
    database=None,
    suppress_health_check=list(HealthCheck),
)


def _operations(app):
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 9
    return operations


def _fuzz(operation, headers=None):
    @given(case=operation.as_strategy())
    @SETTINGS
    def run(case):
        case.call_and_validate(headers=headers, checks=CHECKS)

    run()


@pytest.mark.slow
def test_every_operation_with_a_token(app, make_user, make_listing, api_token):
    user = make_user()
    make_listing(enterprise=user.enterprise)
    make_listing(kind="capability")
    headers = api_token(user)
    for operation in _operations(app):
        _fuzz(operation, headers)


@pytest.mark.slow
def test_every_operation_anonymously(app, make_listing):
    make_listing()
    for operation in _operations(app):
        _fuzz(operation)
