"""schemathesis generates requests from the app's own OpenAPI document, valid and invalid ones,
and sends them in-process (ASGI) to the app on the real store and broker: no request may end in a
server error, and every response must match what the document promises.

One check is left out: that schema-valid data is accepted. The profile contract validates more
than JSON Schema can say (an IANA timezone, a birth year relative to this year, time ranges that
end after they start), so a schema-valid body may rightly get 422.

The admin key is given to schemathesis as the API-key scheme's credential rather than laid over
each request behind its back: a case generated without the key then still counted as invalid in
its header, so a request whose only other fault vanished when sent (a query value that serializes
to nothing, e.g. `cursor=[{}]`) was taken for invalid data accepted.

(schemathesis' lazy pytest loader does not run on this pytest version, so each operation's
strategy is driven by hypothesis directly; the checks are schemathesis' own.)
"""

import hypothesis
import hypothesis.errors
import pytest
import schemathesis
from schemathesis import GenerationMode
from schemathesis.config import SchemathesisConfig
from schemathesis.python import asgi
from schemathesis.specs.openapi.checks import positive_data_acceptance

from services.profiles.app import create_app
from services.profiles.settings import ProfilesSettings
from tests.integration.profiles.conftest import ADMIN

pytestmark = [
    pytest.mark.integration,
    pytest.mark.filterwarnings("ignore::hypothesis.errors.HypothesisDeprecationWarning"),
]
EXAMPLES = 15  # per operation and mode: about 250 requests, a few seconds
AUTH = SchemathesisConfig.from_dict({"auth": {"openapi": {"APIKeyHeader": {"api_key": ADMIN}}}})


def test_no_generated_request_gets_a_server_error_or_an_undocumented_answer(
    settings: ProfilesSettings,
) -> None:
    schema = schemathesis.openapi.from_asgi("/openapi.json", create_app(settings), config=AUTH)
    try:
        operations = [result.ok() for result in schema.get_all_operations()]
        assert len(operations) >= 8
        for operation in operations:
            for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):

                @hypothesis.given(case=operation.as_strategy(generation_mode=mode))
                @hypothesis.settings(
                    max_examples=EXAMPLES,
                    deadline=None,
                    database=None,
                    suppress_health_check=list(hypothesis.HealthCheck),
                )
                def check(case: schemathesis.Case) -> None:
                    case.call_and_validate(excluded_checks=[positive_data_acceptance])

                try:
                    check()
                except hypothesis.errors.Unsatisfiable:
                    if mode is GenerationMode.POSITIVE:
                        raise  # (an operation without inputs has no invalid request to make)
    finally:
        asgi.shutdown_lifespans()  # the app's lifespan runs in schemathesis' event loop
