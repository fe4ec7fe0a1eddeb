"""API keys: an unknown key has no scopes; a known one has exactly its configured scopes; every
service reads its own keys from its own prefixed variable."""

import pytest
from pydantic import ValidationError

from services.matcher.settings import MatcherSettings
from services.notifier.settings import NotifierSettings
from services.profiles.settings import ProfilesSettings
from shared.auth import Scope, permits, scopes_of

KEYS = {"reader-key-1": frozenset({Scope.READ}), "admin-key-22": frozenset({Scope.ADMIN})}


def test_a_configured_key_has_its_scopes() -> None:
    assert scopes_of(KEYS, "reader-key-1") == {Scope.READ}
    assert scopes_of(KEYS, "admin-key-22") == {Scope.ADMIN}


def test_a_missing_or_unknown_key_has_none() -> None:
    assert scopes_of(KEYS, None) is None
    assert scopes_of(KEYS, "") is None
    assert scopes_of(KEYS, "reader-key-") is None
    assert scopes_of(KEYS, "reader-key-1 ") is None


def test_keys_come_from_json_in_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(
        "PROFILES_API_KEYS", '{"demo-read-key": ["read"], "demo-admin-key": ["admin"]}'
    )

    settings = ProfilesSettings()

    assert settings.api_keys == {
        "demo-read-key": {Scope.READ},
        "demo-admin-key": {Scope.ADMIN},
    }


def test_a_short_key_is_refused_without_being_echoed() -> None:
    with pytest.raises(ValidationError) as caught:
        ProfilesSettings(api_keys={"abc": ["read"]})

    assert "abc" not in str(caught.value)


def test_settings_never_show_their_keys() -> None:
    settings = ProfilesSettings(api_keys={"secret-key-0001": ["admin"]})

    assert "secret-key-0001" not in f"{settings!r} {settings!s}"


@pytest.mark.parametrize(
    ("settings", "variable"),
    [
        (ProfilesSettings, "PROFILES_API_KEYS"),
        (MatcherSettings, "MATCHER_API_KEYS"),
        (NotifierSettings, "NOTIFIER_API_KEYS"),
    ],
)
def test_each_service_reads_its_own_keys_and_two_can_be_valid_at_once(
    monkeypatch: pytest.MonkeyPatch, settings: type[ProfilesSettings], variable: str
) -> None:
    monkeypatch.setenv(variable, '{"old-portal-key": ["respond"], "new-portal-key": ["respond"]}')

    keys = settings().api_keys

    assert scopes_of(keys, "old-portal-key") == scopes_of(keys, "new-portal-key") == {Scope.RESPOND}


def test_admin_implies_every_scope_and_no_other_scope_implies_another() -> None:
    assert all(permits(frozenset({Scope.ADMIN}), scope) for scope in Scope)
    for held in set(Scope) - {Scope.ADMIN}:
        assert [scope for scope in Scope if permits(frozenset({held}), scope)] == [held]
