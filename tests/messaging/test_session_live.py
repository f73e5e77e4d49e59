"""Login, whoami, refresh after expiry (soft logout), re-login keeping the device, logout — on a real
Synapse."""

from __future__ import annotations

import asyncio
import time

import pytest

from companion.messaging.client import Tokens
from companion.messaging.errors import LoginFailed, NotAHomeserver, PasswordNeeded, SessionEnded
from companion.messaging.service import Messenger
from companion.messaging.session import load_tokens, login, logout
from companion.store.messages import Messages

from .conftest import REFRESH_LIFETIME_S


def test_login_saves_session_in_store_without_keyring(logged_in, patient, clinic) -> None:  # type: ignore[no-untyped-def]
    account = Messages(logged_in).account()
    assert account is not None
    assert account.user_id == patient.mxid
    assert account.clinic_mxid == clinic.user_id
    assert account.token_storage == "store"  # the keyring is disabled in tests
    tokens = load_tokens(account)
    assert tokens is not None and tokens.refresh_token and tokens.expires_at_ms


def test_wrong_password_is_a_clear_message(live_store, synapse, clinic, patient) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(LoginFailed, match="Wrong user name or password"):
        asyncio.run(login(live_store, synapse.url, patient.user, "nope", clinic.user_id))
    assert Messages(live_store).account() is None


def test_unreachable_and_not_a_homeserver(live_store, clinic) -> None:  # type: ignore[no-untyped-def]
    from companion.messaging.devserver import free_port
    from companion.messaging.errors import HomeserverUnreachable

    with pytest.raises(HomeserverUnreachable):
        asyncio.run(login(live_store, f"http://127.0.0.1:{free_port()}", "x", "y", clinic.user_id))
    with pytest.raises(NotAHomeserver):
        asyncio.run(login(live_store, "ftp://example", "x", "y", clinic.user_id))


def test_expired_token_is_refreshed_and_saved(logged_in) -> None:  # type: ignore[no-untyped-def]
    async def scenario() -> None:
        async with Messenger(logged_in) as m:
            before = m.client.tokens
            assert before is not None
            # Pretend we do not know the expiry so the server's soft logout path is exercised.
            m.client.tokens = Tokens(before.access_token, before.refresh_token, None)
            time.sleep(REFRESH_LIFETIME_S + 0.5)
            assert await m.check_session() == m.account.user_id
            after = m.client.tokens
            assert after is not None and after.access_token != before.access_token
            saved = load_tokens(Messages(logged_in).account())  # type: ignore[arg-type]
            assert saved is not None and saved.access_token == after.access_token
            assert saved.refresh_token == after.refresh_token

    asyncio.run(scenario())


def test_failed_refresh_relogs_in_with_same_device(logged_in, patient) -> None:  # type: ignore[no-untyped-def]
    async def password() -> str:
        return patient.password

    async def scenario() -> None:
        async with Messenger(logged_in, password=password) as m:
            device = m.account.device_id
            tokens = m.client.tokens
            assert tokens is not None
            m.client.tokens = Tokens(tokens.access_token, "bogus-refresh-token", None)
            time.sleep(REFRESH_LIFETIME_S + 0.5)
            who = await m.client.whoami()
            assert who["device_id"] == device

    asyncio.run(scenario())


def test_failed_refresh_without_password_asks_for_it(logged_in) -> None:  # type: ignore[no-untyped-def]
    async def scenario() -> None:
        async with Messenger(logged_in) as m:
            tokens = m.client.tokens
            assert tokens is not None
            m.client.tokens = Tokens(tokens.access_token, "bogus-refresh-token", None)
            time.sleep(REFRESH_LIFETIME_S + 0.5)
            with pytest.raises(PasswordNeeded):
                await m.client.whoami()

    asyncio.run(scenario())


def test_logout_ends_session_and_whoami_reports_it(logged_in) -> None:  # type: ignore[no-untyped-def]
    account = Messages(logged_in).account()
    assert account is not None
    old = load_tokens(account)
    asyncio.run(logout(logged_in))
    assert Messages(logged_in).account() is None

    async def reuse() -> None:
        from companion.messaging.client import MatrixClient

        async with MatrixClient(account.homeserver, tokens=Tokens(old.access_token, None, None)) as c:  # type: ignore[union-attr]
            await c.whoami()

    with pytest.raises(SessionEnded):
        asyncio.run(reuse())


class MemoryKeyring:
    """A keyring backend that keeps secrets in memory (the OS keyring is disabled in tests)."""

    priority = 10

    def __init__(self) -> None:
        self.secrets: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self.secrets.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.secrets[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        self.secrets.pop((service, username), None)


def test_tokens_in_the_keyring(live_store, synapse, clinic, patient, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    import keyring
    from keyring.backend import KeyringBackend

    class Backend(MemoryKeyring, KeyringBackend):  # type: ignore[misc]
        pass

    backend = Backend()
    previous = keyring.get_keyring()
    keyring.set_keyring(backend)
    try:
        account = asyncio.run(login(live_store, synapse.url, patient.user, patient.password, clinic.user_id))
        assert account.token_storage == "keyring"
        row = live_store.query_one("SELECT access_token, refresh_token FROM matrix_account")
        assert row == (None, None)  # nothing secret in the database
        stored = load_tokens(Messages(live_store).account())  # type: ignore[arg-type]
        assert stored is not None and stored.refresh_token
        assert any(name.startswith("matrix-tokens:") for _service, name in backend.secrets)

        async def refreshed() -> None:
            async with Messenger(live_store) as m:
                tokens = m.client.tokens
                assert tokens is not None
                m.client.tokens = Tokens(tokens.access_token, tokens.refresh_token, None)
                time.sleep(REFRESH_LIFETIME_S + 0.5)
                await m.check_session()

        asyncio.run(refreshed())
        again = load_tokens(Messages(live_store).account())  # type: ignore[arg-type]
        assert again is not None and again.access_token != stored.access_token
        asyncio.run(logout(live_store))
        assert not backend.secrets
    finally:
        keyring.set_keyring(previous)
