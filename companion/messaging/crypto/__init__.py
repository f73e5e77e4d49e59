"""End-to-end encryption for the clinic conversation (vodozemac: Olm and Megolm; no libolm).

``machine``: the device's keys and sessions (no I/O). ``engine``: keys and to-device traffic over the C-S
API, decryption of sync/history events, encryption of outgoing ones. ``attachments``: EncryptedFile
(AES-256-CTR). ``backup``: server-side key backup with a recovery key. Imported lazily by the messaging
service: nothing here is on the app's start-up path.
"""
