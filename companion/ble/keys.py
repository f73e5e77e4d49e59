"""Per-device secrets of encrypted scales (the Xiaomi bind key): in the OS keyring or the encrypted store.

Where a usable OS keyring exists (``companion.store.keys.keyring_usable``) the key goes there, under service
``companion`` and the name ``ble-bind-key:<address>``; the store only records that it is there. Without a
keyring it is kept in ``ble_device_key`` inside the encrypted database. Never in a plain file, never logged.
A key is only saved once it has decrypted one of the scale's adverts, together with the paired device (one
transaction; the keyring entry is removed again if that transaction fails).
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from companion.store.keys import KEYRING_SERVICE, keyring_usable

if TYPE_CHECKING:
    from companion.store import Store
    from companion.store.ble import PairedScale

log = logging.getLogger("companion.ble")


def keyring_name(address: str) -> str:
    return f"ble-bind-key:{address.upper()}"


def remember_scale_with_key(
    store: Store, address: str, name: str | None, protocol: str, transport: str, key: bytes
) -> PairedScale:
    """Pair ``address`` and keep its key (keyring if usable, else the encrypted store)."""
    from companion.store.ble import BleRepository

    repo = BleRepository(store)
    if keyring_usable():
        import keyring

        try:
            keyring.set_password(KEYRING_SERVICE, keyring_name(address), key.hex())
        except Exception as exc:  # a keyring that refuses: fall back to the encrypted store
            log.info("keyring refused the scale key (%s); keeping it in the encrypted store", type(exc).__name__)
        else:
            try:
                return repo.remember_with_key(address, name, protocol, transport, "keyring", None)
            except Exception:
                _delete_keyring_entry(address)
                raise
    return repo.remember_with_key(address, name, protocol, transport, "store", bytes(key))


def bind_key(store: Store, address: str) -> bytes | None:
    """The key kept for ``address`` (``None`` when there is none, or the keyring lost it)."""
    from companion.store.ble import BleRepository

    entry = BleRepository(store).key_entry(address)
    if entry is None:
        return None
    storage, key = entry
    if storage == "store":
        return key
    try:
        import keyring

        text = keyring.get_password(KEYRING_SERVICE, keyring_name(address))
    except Exception:
        return None
    if not text:
        return None
    try:
        value = bytes.fromhex(text)
    except ValueError:
        return None
    return value if len(value) == 16 else None


def forget_key(store: Store, address: str) -> None:
    """Remove the keyring entry of a scale (its store row goes with the paired device)."""
    from companion.store.ble import BleRepository

    entry = BleRepository(store).key_entry(address)
    if entry is not None and entry[0] == "keyring":
        _delete_keyring_entry(address)


def _delete_keyring_entry(address: str) -> None:
    try:
        import keyring

        keyring.delete_password(KEYRING_SERVICE, keyring_name(address))
    except Exception:
        pass


def forget_all_keys(store: Store) -> None:
    """Before the paired scales are erased: remove their keyring entries (the store rows cascade away)."""
    from companion.store.ble import BleRepository

    for scale in BleRepository(store).paired():
        forget_key(store, scale.address)
