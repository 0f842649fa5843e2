"""The package's free functions: renderers, archives, link secrets, the household book, profiles."""

from __future__ import annotations

import datetime as _dt
import json
from typing import Any, Dict, List, Mapping, Optional, Union

from . import _native
from ._common import PathLike, _check_lang, _js, _key, _native_call

__all__ = ["open_archive", "render_document_pdf", "render_report_csv", "render_report_xlsx", "kyrgyzstan_profile",
           "builtin_profiles", "link_secret_generate", "link_secret_public_key", "link_secret_complete",
           "household_book_columns", "synth_household_book", "parse_mapping"]


def household_book_columns() -> List[str]:
    """The columns of the Sanarip aimak household book export, in order."""
    return list(_native.household_book_columns())


def synth_household_book(households: int, *, seed: int = 1, today: Optional[_dt.date] = None) -> str:
    """A synthetic household book (CSV text, ``;``-delimited; about 4.5 members per household)
    over the built-in Kyrgyz territories, the same for the same seed: sample files, benchmarks."""
    return _native.synth_household_book(seed, households, today or _dt.date(2026, 11, 23))


def parse_mapping(toml_text: str) -> Dict[str, Any]:
    """Checks an import mapping (TOML text) and returns it as a dict."""
    return dict(json.loads(_native_call(_native.parse_mapping, toml_text)))


def render_document_pdf(document: Mapping[str, Any]) -> bytes:
    """A printable document (a card or certificate document) as PDF bytes."""
    return bytes(_native_call(_native.render_document_pdf, _js(document)))


def render_report_csv(report: Mapping[str, Any], lang: str = "en") -> str:
    """A report as CSV text."""
    return str(_native_call(_native.render_report_csv, _js(report), _check_lang(lang)))


def render_report_xlsx(report: Mapping[str, Any], lang: str = "en") -> bytes:
    """A report as an XLSX workbook."""
    return bytes(_native_call(_native.render_report_xlsx, _js(report), _check_lang(lang)))


def open_archive(package: Union[bytes, PathLike], master_key: bytes) -> Dict[str, Any]:
    """Opens an archive package (from a retention run or an archive on request) with the master key."""
    if isinstance(package, (bytes, bytearray, memoryview)):
        data = bytes(package)
    else:
        with open(package, "rb") as f:
            data = f.read()
    return dict(json.loads(_native_call(_native.open_archive, data, _key(master_key))))


def kyrgyzstan_profile() -> str:
    """The built-in Kyrgyz profile (TOML text), e.g. to adapt it."""
    return _native.kyrgyzstan_profile()


def link_secret_generate() -> str:
    """A new sync link secret (JSON text with a fresh signing key): keep it like the master key."""
    return _native.link_secret_generate()


def link_secret_public_key(secret: str) -> str:
    """The public key (hex) of a link secret, for the receiving registry's administrator."""
    return str(_native_call(_native.link_secret_public_key, secret))


def link_secret_complete(secret: str, enrolment: Mapping[str, Any], origin: Optional[str] = None) -> str:
    """Completes a link secret with the receiver's enrolment (from :meth:`Registry.enrol_link`)."""
    return str(_native_call(_native.link_secret_complete, secret, _js(enrolment), origin))


def builtin_profiles() -> Dict[str, str]:
    """The built-in profiles by id (``kyrgyzstan``, ``omsk``, ``yamal``): their TOML text."""
    return dict(_native.builtin_profiles())
