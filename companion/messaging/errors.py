"""Everything that can go wrong talking to the clinic's homeserver, each with a message a patient can act
on."""

from __future__ import annotations

from companion.i18n import _


class MessagingError(Exception):
    """Base class: ``str(exc)`` is a one-line human message."""


class NotConfigured(MessagingError):
    def __init__(self) -> None:
        super().__init__(_("Messaging is not set up yet; run `companion messages login` first."))


class HomeserverUnreachable(MessagingError):
    def __init__(self, url: str, detail: str = "") -> None:
        message = _("Cannot reach the homeserver at {url}.").format(url=url)
        if detail:
            message += " " + detail
        super().__init__(message)
        self.url = url


class TLSFailure(MessagingError):
    def __init__(self, url: str) -> None:
        super().__init__(
            _("The secure connection to {url} failed (certificate not trusted or TLS error).").format(url=url)
        )


class NotAHomeserver(MessagingError):
    def __init__(self, url: str, why: str = "") -> None:
        message = _("{url} does not look like a Matrix homeserver.").format(url=url)
        if why:
            message += " " + why
        super().__init__(message)


class BadResponse(MessagingError):
    """The server answered something that is not the JSON the spec describes (or far too much of it)."""

    def __init__(self, what: str) -> None:
        super().__init__(_("The homeserver sent an unexpected answer ({what}).").format(what=what))


class MatrixError(MessagingError):
    """A spec error response: ``{"errcode": "M_...", "error": "..."}`` with its HTTP status."""

    def __init__(
        self,
        status: int,
        errcode: str,
        error: str,
        *,
        soft_logout: bool = False,
        retry_after_s: float | None = None,
    ) -> None:
        self.status = status
        self.errcode = errcode
        self.error = error
        self.soft_logout = soft_logout
        self.retry_after_s = retry_after_s
        super().__init__(self._human())

    def _human(self) -> str:
        code = self.errcode
        if code == "M_FORBIDDEN" and self.status == 403 and "password" in self.error.lower():
            return _("Wrong user name or password.")
        known = {
            "M_FORBIDDEN": _("The homeserver refused this ({detail})."),
            "M_UNKNOWN_TOKEN": _("Your session has ended; please log in again."),
            "M_MISSING_TOKEN": _("Not logged in to the homeserver."),
            "M_LIMIT_EXCEEDED": _("The homeserver asks us to slow down; trying again shortly."),
            "M_TOO_LARGE": _("That is too large for the homeserver."),
            "M_NOT_FOUND": _("The homeserver does not know this ({detail})."),
            "M_USER_DEACTIVATED": _("This account has been deactivated."),
            "M_USER_LOCKED": _("This account is locked; contact your clinic."),
            "M_USER_IN_USE": _("That user name is already taken."),
            "M_INVALID_USERNAME": _("That user name is not valid."),
            "M_UNRECOGNIZED": _("The homeserver does not support this request."),
        }
        template = known.get(code, _("The homeserver reported an error: {detail}"))
        return template.format(detail=f"{code}: {self.error}" if self.error else code)


class LoginFailed(MessagingError):
    pass


class SessionEnded(MessagingError):
    """The server ended the session for good (``soft_logout: false``); local session data was wiped."""

    def __init__(self) -> None:
        super().__init__(
            _("Your clinic's homeserver ended this session; log in again with `companion messages login`.")
        )


class PasswordNeeded(MessagingError):
    """The session expired and refreshing failed: the password is needed to log in again (same device)."""

    def __init__(self) -> None:
        super().__init__(_("Your session expired; enter your password to log in again."))


class NoClinicRoom(MessagingError):
    def __init__(self) -> None:
        super().__init__(
            _("There is no conversation with your clinic yet; it appears once the clinic has invited you.")
        )


class AttachmentError(MessagingError):
    pass
