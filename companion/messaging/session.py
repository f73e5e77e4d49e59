"""The patient's Matrix session: login, where its tokens live, and a client that keeps them current.

Tokens go into the OS keyring (service ``companion``, one entry holding both tokens as JSON, so a refreshed
pair is always saved together) or, without a usable keyring, into the encrypted store (``matrix_account``).
The non-secret part (homeserver, user id, device id, clinic account) is always in the store.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING

import httpx

from companion.messaging.client import MatrixClient, Tokens
from companion.messaging.errors import LoginFailed, MessagingError, NotConfigured
from companion.store.keys import KEYRING_SERVICE, keyring_usable
from companion.store.messages import MatrixAccount, Messages

if TYPE_CHECKING:
    from companion.store import Store


def _keyring_name(account: MatrixAccount) -> str:
    return f"matrix-tokens:{account.user_id}:{account.device_id}"


def load_tokens(account: MatrixAccount) -> Tokens | None:
    if account.token_storage == "store":
        if not account.access_token:
            return None
        return Tokens(account.access_token, account.refresh_token, account.expires_at_ms)
    try:
        import keyring

        raw = keyring.get_password(KEYRING_SERVICE, _keyring_name(account))
    except Exception:
        return None
    if not raw:
        return None
    try:
        data = json.loads(raw)
        return Tokens(str(data["access_token"]), data.get("refresh_token"), data.get("expires_at_ms"))
    except (ValueError, KeyError, TypeError):
        return None


def save_tokens(store: Store, account: MatrixAccount, tokens: Tokens | None) -> None:
    repo = Messages(store)
    if account.token_storage == "store":
        if tokens is None:
            repo.save_tokens(None, None, None)
        else:
            repo.save_tokens(tokens.access_token, tokens.refresh_token, tokens.expires_at_ms)
        return
    import keyring

    name = _keyring_name(account)
    if tokens is None:
        try:
            keyring.delete_password(KEYRING_SERVICE, name)
        except Exception:
            pass
        return
    keyring.set_password(
        KEYRING_SERVICE,
        name,
        json.dumps(
            {
                "access_token": tokens.access_token,
                "refresh_token": tokens.refresh_token,
                "expires_at_ms": tokens.expires_at_ms,
            }
        ),
    )


def now_ms(store: Store) -> int:
    return int(store.clock.now().timestamp() * 1000)


async def login(
    store: Store,
    homeserver: str,
    user: str,
    password: str,
    clinic_mxid: str,
    *,
    transport: httpx.AsyncBaseTransport | None = None,
    registration_token: str | None = None,
) -> MatrixAccount:
    """Discover the server, log in with refresh tokens (or first register with the clinic's one-time
    registration token), check with whoami, save the session."""
    from companion.i18n import _

    clinic = clinic_mxid.strip()
    if not (clinic.startswith("@") and ":" in clinic):
        raise LoginFailed(
            _("The clinic account must look like @name:server (got {value}).").format(value=clinic)
        )
    if not password:
        raise LoginFailed(_("No password given."))
    base = await MatrixClient.discover(homeserver, transport=transport)
    repo = Messages(store)
    previous = repo.account()
    device = None
    if (
        previous is not None
        and previous.homeserver == base
        and previous.user_id.lstrip("@").split(":")[0] == user.lstrip("@").split(":")[0]
    ):
        device = previous.device_id  # keep the device: the server's txnId deduplication is per device
    async with MatrixClient(base, transport=transport) as client:
        if registration_token:
            result = await client.register_with_token(user, password, registration_token.strip())
        else:
            result = await client.login(user, password, device_id=device)
        who = await client.whoami()
        if who.get("user_id") != result.user_id:
            raise LoginFailed(_("The homeserver's answer does not match the login."))
    storage = "keyring" if keyring_usable() else "store"
    account = MatrixAccount(base, result.user_id, result.device_id, clinic, storage)
    if previous is not None and (previous.user_id, previous.device_id) != (result.user_id, result.device_id):
        save_tokens(store, previous, None)
        repo.forget_account()
    repo.save_account(account, now_ms(store))
    save_tokens(store, account, result.tokens)
    return account


def open_client(
    store: Store,
    *,
    transport: httpx.AsyncBaseTransport | None = None,
    password: Callable[[], Awaitable[str | None]] | None = None,
) -> tuple[MatrixAccount, MatrixClient]:
    """A client for the saved session (``NotConfigured`` without one). New tokens are saved as they arrive."""
    repo = Messages(store)
    account = repo.account()
    if account is None:
        raise NotConfigured()
    tokens = load_tokens(account)

    def persist(new: Tokens) -> None:
        save_tokens(store, account, new)

    client = MatrixClient(
        account.homeserver,
        tokens=tokens,
        user_id=account.user_id,
        device_id=account.device_id,
        on_tokens=persist,
        password=password,
        transport=transport,
    )
    return account, client


async def logout(store: Store, *, transport: httpx.AsyncBaseTransport | None = None) -> None:
    """End the session on the server (best effort) and forget it locally; messages stay."""
    repo = Messages(store)
    account = repo.account()
    if account is None:
        return
    _account, client = open_client(store, transport=transport)
    try:
        await client.logout()
    except MessagingError:
        pass
    finally:
        await client.aclose()
    save_tokens(store, account, None)
    repo.forget_account()


def forget_local_session(store: Store) -> None:
    """Forget the session on this device without contacting the server (for erasure): the keyring entry, the
    tokens and the sync position go; messages are left to the caller."""
    repo = Messages(store)
    account = repo.account()
    if account is not None:
        save_tokens(store, account, None)
    repo.forget_account()
