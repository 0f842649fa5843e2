"""Shared helpers of the package: languages, import modes, JSON at the native boundary, errors."""

from __future__ import annotations

import datetime as _dt
import json
import os
import typing
from typing import IO, Any, Callable, Dict, Mapping, Optional, Tuple, Type, TypeVar, Union

from . import _native
from ._errors import error_from_dict
from ._records import Record, dump, parse_datetime

#: Import modes: a dry run, all or nothing, row by row.
IMPORT_MODES = ("validate", "all_or_nothing", "row_by_row")

#: The languages of messages.
LANGS = ("ru", "ky", "en")

R = TypeVar("R", bound=Record)
T = TypeVar("T")
PathLike = Union[str, "os.PathLike[str]"]
Out = Union[PathLike, IO[bytes]]
Arg = Union[Record, Mapping[str, Any]]


def _check_lang(lang: str) -> str:
    if lang not in LANGS:
        raise ValueError(f"lang must be one of {LANGS}, got {lang!r}")
    return lang


def _aware(at: Union[_dt.datetime, str]) -> _dt.datetime:
    if isinstance(at, str):
        return parse_datetime(at)
    if at.tzinfo is None or at.utcoffset() is None:
        raise ValueError("an aware datetime is needed (e.g. datetime(..., tzinfo=timezone.utc))")
    return at.astimezone(_dt.timezone.utc)


def _raise(e: _native.NativeError, lang: str) -> Exception:
    return error_from_dict(json.loads(str(e.args[0])), lang)


def _js(value: Any) -> str:
    return json.dumps(dump(value), ensure_ascii=False)


def _rec(cls: Type[R], value: Union[R, Mapping[str, Any]]) -> R:
    """A record from a record or a mapping (validated by the record's fields)."""
    if isinstance(value, cls):
        return value
    return cls.from_dict(typing.cast(Mapping[str, Any], value))


def _write(out: Out, data: bytes) -> None:
    if isinstance(out, (str, os.PathLike)):
        with open(out, "wb") as f:
            f.write(data)
    else:
        out.write(data)


def _key(master_key: bytes) -> bytes:
    if not isinstance(master_key, (bytes, bytearray, memoryview)):
        raise TypeError("master_key must be 32 bytes")
    return bytes(master_key)


def _native_call(fn: Callable[..., T], *args: Any) -> T:
    try:
        return fn(*args)
    except _native.NativeError as e:
        raise _raise(e, "en") from None


def _source(source: Union[bytes, PathLike, IO[bytes]], file_name: Optional[str]) -> Tuple[bytes, str]:
    if isinstance(source, (bytes, bytearray, memoryview)):
        return bytes(source), file_name or ""
    if isinstance(source, (str, os.PathLike)):
        with open(source, "rb") as f:
            return f.read(), file_name or os.path.basename(os.fspath(source))
    return source.read(), file_name or os.path.basename(str(getattr(source, "name", "")))


def _import_options(mode: str, file_name: str, encoding: Optional[str]) -> str:
    m = mode.replace("-", "_")
    if m not in IMPORT_MODES:
        raise ValueError(f"mode must be one of {IMPORT_MODES}, got {mode!r}")
    options: Dict[str, Any] = {"mode": m, "file_name": file_name}
    if encoding is not None:
        options["encoding"] = {"utf8": "utf-8", "windows-1251": "cp1251"}.get(encoding.lower(), encoding.lower())
    return json.dumps(options)
