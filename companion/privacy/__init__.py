"""Privacy: purposes and legal bases, the consent gate every feature asks, the notice.

The one small API other capabilities call: ``allowed(store, purpose)`` / ``require(store, purpose)``.
"""

from companion.privacy.gate import ProcessingNotAllowed, allowed, require

__all__ = ["ProcessingNotAllowed", "allowed", "require"]
