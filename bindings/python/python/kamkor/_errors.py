"""The exception hierarchy: one class per stable ``ErrorCode`` of the core."""

from __future__ import annotations

import json
from typing import Any, Dict, Mapping, Optional, Type

from . import _native

__all__ = [
    "KamkorError",
    "AccessDenied",
    "Unauthenticated",
    "SessionInvalid",
    "SessionExpired",
    "ValidationError",
    "NotFound",
    "Conflict",
    "StorageError",
    "CryptoError",
    "ProfileError",
    "error_from_dict",
]


class KamkorError(Exception):
    """An error of the registry.

    ``code`` is the stable class (``"ACCESS_DENIED"``, ``"VALIDATION"``, ...), ``reason`` the
    fine-grained stable reason (``"NOT_IN_TERRITORY"``, ``"PIN_LENGTH"``, ...), ``field`` the input
    concerned (or None), ``args`` the named values of the message (a dict of strings) and
    ``message`` the localized message (in the registry's language).
    """

    code: str = ""

    def __init__(
        self,
        code: str,
        reason: str,
        field: Optional[str] = None,
        args: Optional[Mapping[str, str]] = None,
        lang: str = "en",
    ) -> None:
        self.code = code
        self.reason = reason
        self.field = field
        self.details: Dict[str, str] = dict(args or {})
        self.lang = lang
        self.message = localize(self.to_dict(), lang)
        super().__init__(self.message)

    @property
    def args(self) -> Dict[str, str]:  # type: ignore[override]  # the core's arguments, not BaseException's tuple
        """The named values the message interpolates (strings)."""
        return self.details

    def localized(self, lang: str) -> str:
        """The message in another language (``ru``, ``ky`` or ``en``)."""
        return localize(self.to_dict(), lang)

    def to_dict(self) -> Dict[str, Any]:
        """The core's JSON form of the error: ``{code, reason, field, args}``."""
        return {"code": self.code, "reason": self.reason, "field": self.field, "args": dict(self.details)}

    def __str__(self) -> str:
        return f"{self.message} ({self.code}/{self.reason})"

    def __repr__(self) -> str:
        extra = f", field={self.field!r}" if self.field is not None else ""
        return f"{type(self).__name__}(code={self.code!r}, reason={self.reason!r}{extra}, args={self.details!r})"

    def __reduce__(self) -> Any:
        return (error_from_dict, (self.to_dict(), self.lang))


class AccessDenied(KamkorError):
    """``ACCESS_DENIED``: the actor is known but may not do this; ``reason`` says why."""


class Unauthenticated(KamkorError):
    """``UNAUTHENTICATED``: no valid session or credentials (wrong password, locked account, ...)."""


class SessionInvalid(Unauthenticated):
    """``UNAUTHENTICATED/SESSION_INVALID``: the session is unknown, ended or revoked."""


class SessionExpired(SessionInvalid):
    """``UNAUTHENTICATED/SESSION_EXPIRED``: the session outlived its term; sign in again."""


class ValidationError(KamkorError, ValueError):
    """``VALIDATION``: the input is invalid; ``field`` names the offending part."""


class NotFound(KamkorError, LookupError):
    """``NOT_FOUND``: the record, user or file does not exist (or is not visible)."""


class Conflict(KamkorError):
    """``CONFLICT``: the change conflicts with the current state (duplicate, stale version)."""


class StorageError(KamkorError):
    """``STORAGE``: the store failed or is damaged."""


class CryptoError(KamkorError):
    """``CRYPTO``: a key is wrong or encrypted data is damaged."""


class ProfileError(KamkorError):
    """``PROFILE``: a jurisdiction profile or data file is invalid."""


_BY_CODE: Dict[str, Type[KamkorError]] = {
    "ACCESS_DENIED": AccessDenied,
    "UNAUTHENTICATED": Unauthenticated,
    "VALIDATION": ValidationError,
    "NOT_FOUND": NotFound,
    "CONFLICT": Conflict,
    "STORAGE": StorageError,
    "CRYPTO": CryptoError,
    "PROFILE": ProfileError,
}

_BY_REASON: Dict[str, Type[KamkorError]] = {
    "SESSION_INVALID": SessionInvalid,
    "SESSION_EXPIRED": SessionExpired,
}


def localize(error: Mapping[str, Any], lang: str) -> str:
    """The message of an error (its JSON form) in a language."""
    try:
        return _native.localize_error(json.dumps(dict(error)), lang)
    except _native.NativeError:
        return str(error.get("reason", "error"))


def error_from_dict(data: Mapping[str, Any], lang: str = "en") -> KamkorError:
    """The exception for an error in the core's JSON form."""
    code = str(data.get("code", ""))
    reason = str(data.get("reason", ""))
    cls = _BY_REASON.get(reason) if code == "UNAUTHENTICATED" else None
    cls = cls or _BY_CODE.get(code, KamkorError)
    return cls(code, reason, data.get("field"), data.get("args") or {}, lang)
