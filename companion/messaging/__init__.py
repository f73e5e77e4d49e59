"""Messaging with the clinic over Matrix (Client-Server API over httpx; no Textual here).

Public entry points: ``outbox.queue_message`` / ``outbox.queue_file`` (store first, send later),
``session.login`` / ``session.logout``, ``service.Messenger`` (sync, outbox, history, read state, files),
``provision.provision_patient`` (clinic side), ``retention.purge_if_due``, ``video.inspect``.
"""
