"""API keys: an unknown key has no scopes; a known one has exactly its configured scopes."""

import pytest
from pydantic import ValidationError

from services.profiles.auth import scopes_of
from services.profiles.settings import ProfilesSettings, Scope

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
