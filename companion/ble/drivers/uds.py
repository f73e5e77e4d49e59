"""What drivers with UDS-style user slots (User Control Point 0x2A9F) say when the conversation goes wrong.

Shared by the standard driver (``sig.py``) and vendor families that borrow the User Data service (Soehnle), so
the person sees the same words whatever scale refused them.
"""

from __future__ import annotations

from companion.ble.drivers.base import ConsentRefused, HandshakeFailed, HandshakeTimeout
from companion.i18n import _

#: How long a scale may take to answer a User Control Point request.
UCP_TIMEOUT_S = 5.0


def refused_while_listening(reason: str = "consent refused") -> ConsentRefused:
    return ConsentRefused(reason, _("The scale did not accept your consent code; pair it again on the Pair screen."))


def no_free_slot(reason: str = "no free user slot") -> ConsentRefused:
    return ConsentRefused(reason, _("The scale has no free user slot. Delete a user on the scale and try again."))


def ucp_timeout() -> HandshakeTimeout:
    return HandshakeTimeout(
        "no user control point response", _("The scale did not answer the user registration in time.")
    )


def wrong_answer(reason: str) -> HandshakeFailed:
    return HandshakeFailed(
        f"user control point: {reason}",
        _("The scale answered the user registration wrongly ({reason}).").format(reason=reason),
    )
