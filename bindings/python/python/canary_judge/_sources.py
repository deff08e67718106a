"""Live fetches: :func:`gate` (fetch a window from a metric source and judge it) and
:func:`record` (fetch it into a fixture), the Python side of ``canary gate`` and
``canary record``."""

from __future__ import annotations

import datetime as _dt
import os
from typing import Mapping, Optional, Union

from . import _native
from ._errors import DataError
from ._judge import ConfigLike, Fixture, PathLike, Verdict, _as_config

__all__ = ["gate", "record"]

#: A time: RFC 3339 text, ``"now"``, ``"now-30m"``, unix seconds, or an aware datetime.
TimeLike = Union[str, int, float, _dt.datetime]
#: A duration: text (``"60s"``, ``"5m"``, ``"500ms"``), seconds, or a timedelta.
DurationLike = Union[str, int, float, _dt.timedelta]


def _time(what: str, value: TimeLike) -> str:
    if isinstance(value, _dt.datetime):
        if value.tzinfo is None:
            raise DataError(f"{what}: a naive datetime is ambiguous; give it a timezone")
        return str(int(value.timestamp()))
    if isinstance(value, bool):
        raise DataError(f"{what}: expected a time, got a bool")
    if isinstance(value, (int, float)):
        if value != int(value):
            raise DataError(f"{what}: times are whole unix seconds, got {value}")
        return str(int(value))
    if isinstance(value, str):
        return value
    raise DataError(f"{what}: expected a time (str, int or datetime), got {type(value).__name__}")


def _duration(what: str, value: Optional[DurationLike]) -> Optional[str]:
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, _dt.timedelta):
        millis = value / _dt.timedelta(milliseconds=1)
    elif isinstance(value, (int, float)) and not isinstance(value, bool):
        millis = value * 1000
    else:
        raise DataError(f"{what}: expected a duration, got {type(value).__name__}")
    if millis <= 0 or millis != int(millis):
        raise DataError(f"{what}: expected a positive duration in whole milliseconds")
    return f"{int(millis)}ms"


def _variables(variables: Optional[Mapping[str, object]]) -> dict[str, str]:
    if variables is None:
        return {}
    if not isinstance(variables, Mapping):
        raise DataError(f"variables: expected a mapping, got {type(variables).__name__}")
    return {str(k): str(v) for k, v in variables.items()}


def gate(
    config: ConfigLike,
    *,
    source: Optional[str] = None,
    url: Optional[str] = None,
    start: TimeLike,
    end: TimeLike = "now",
    step: Optional[DurationLike] = None,
    baseline_scope: Optional[str] = None,
    canary_scope: Optional[str] = None,
    variables: Optional[Mapping[str, object]] = None,
    auth_env: Optional[str] = None,
    auth_file: Optional[PathLike] = None,
    timeout: Optional[DurationLike] = None,
    retries: Optional[int] = None,
) -> Verdict:
    """Fetches ``[start, end]`` every ``step`` for the baseline and canary scopes and
    judges it: what ``canary gate --format json`` prints, as a :class:`Verdict`.

    Unset arguments come from the config's ``sources.<source>`` section (url, auth,
    scopes, variables, step, timeout, retries); ``source`` defaults to the one that
    section names, else ``"prometheus"``. The token is read from ``auth_env`` /
    ``auth_file``, else the config's ``auth``, else ``$CANARY_<SOURCE>_TOKEN`` when set;
    it never appears in results or messages.

    A metric whose fetch failed is classified ``error`` (the verdict is then never
    promote); when nothing at all can be fetched, or the source cannot be set up,
    :class:`SourceError` is raised. A blocking call: the GIL is released while fetching.

    >>> v = gate("canary.yaml", url="http://127.0.0.1:9090", start="now-30m",
    ...          baseline_scope="v1", canary_scope="v2")  # doctest: +SKIP
    """
    cfg = _as_config(config)
    text = _native.gate(
        cfg._native,
        source,
        url,
        _time("start", start),
        _time("end", end),
        _duration("step", step),
        baseline_scope,
        canary_scope,
        _variables(variables),
        auth_env,
        None if auth_file is None else os.fspath(auth_file),
        _duration("timeout", timeout),
        retries,
    )
    return Verdict._from_json(text)


def record(
    config: ConfigLike,
    *,
    source: Optional[str] = None,
    url: Optional[str] = None,
    start: TimeLike,
    end: TimeLike = "now",
    step: Optional[DurationLike] = None,
    baseline_scope: Optional[str] = None,
    canary_scope: Optional[str] = None,
    variables: Optional[Mapping[str, object]] = None,
    auth_env: Optional[str] = None,
    auth_file: Optional[PathLike] = None,
    timeout: Optional[DurationLike] = None,
    retries: Optional[int] = None,
    output: Optional[PathLike] = None,
    name: Optional[str] = None,
) -> Fixture:
    """Fetches a window like :func:`gate` and returns it as a :class:`Fixture`; with
    ``output``, also writes it there atomically (a temporary file in the same folder,
    then a rename), exactly as ``canary record -o`` does.

    ``name`` defaults to the output file's stem, else ``"recording"``. Any metric that
    cannot be fetched raises :class:`SourceError` (a fixture holds every metric), and
    nothing is written.
    """
    cfg = _as_config(config)
    if name is None:
        name = (
            os.path.splitext(os.path.basename(os.fspath(output)))[0]
            if output is not None
            else "recording"
        )
    native = _native.record(
        cfg._native,
        source,
        url,
        _time("start", start),
        _time("end", end),
        _duration("step", step),
        baseline_scope,
        canary_scope,
        _variables(variables),
        auth_env,
        None if auth_file is None else os.fspath(auth_file),
        _duration("timeout", timeout),
        retries,
        name,
        None if output is None else os.fspath(output),
    )
    return Fixture._wrap(native)
