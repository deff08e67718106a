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


def _mapping(what: str, values: Optional[Mapping[str, object]]) -> dict[str, str]:
    if values is None:
        return {}
    if not isinstance(values, Mapping):
        raise DataError(f"{what}: expected a mapping, got {type(values).__name__}")
    return {
        str(k): os.fspath(v) if isinstance(v, os.PathLike) else str(v)
        for k, v in values.items()
    }


def _request(
    *,
    source: Optional[str],
    url: Optional[str],
    start: TimeLike,
    end: TimeLike,
    step: Optional[DurationLike],
    baseline_scope: Optional[str],
    canary_scope: Optional[str],
    variables: Optional[Mapping[str, object]],
    options: Optional[Mapping[str, object]],
    auth_env: Optional[str],
    auth_file: Optional[PathLike],
    credentials_env: Optional[Mapping[str, str]],
    credentials_file: Optional[Mapping[str, PathLike]],
    timeout: Optional[DurationLike],
    retries: Optional[int],
) -> dict[str, object]:
    """The request dict the native functions take, every value normalised."""
    return {
        "source": source,
        "url": url,
        "start": _time("start", start),
        "end": _time("end", end),
        "step": _duration("step", step),
        "baseline_scope": baseline_scope,
        "canary_scope": canary_scope,
        "variables": _mapping("variables", variables),
        "options": _mapping("options", options),
        "auth_env": auth_env,
        "auth_file": None if auth_file is None else os.fspath(auth_file),
        "credentials_env": _mapping("credentials_env", credentials_env),
        "credentials_file": _mapping("credentials_file", credentials_file),
        "timeout": _duration("timeout", timeout),
        "retries": retries,
    }


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
    options: Optional[Mapping[str, object]] = None,
    auth_env: Optional[str] = None,
    auth_file: Optional[PathLike] = None,
    credentials_env: Optional[Mapping[str, str]] = None,
    credentials_file: Optional[Mapping[str, PathLike]] = None,
    timeout: Optional[DurationLike] = None,
    retries: Optional[int] = None,
) -> Verdict:
    """Fetches ``[start, end]`` every ``step`` for the baseline and canary scopes and
    judges it: what ``canary gate --format json`` prints, as a :class:`Verdict`.

    Unset arguments come from the config's ``sources.<source>`` section (url, auth,
    scopes, variables, step, timeout, retries); ``source`` defaults to the one that
    section names, else ``"prometheus"``. The token is read from ``auth_env`` /
    ``auth_file``, else the config's ``auth``, else ``$CANARY_<SOURCE>_TOKEN`` when set;
    it never appears in results or messages. Backends that need more than one secret
    (Datadog's ``app_key``, CloudWatch's keys) read them by name from
    ``credentials_env`` / ``credentials_file``, else the config's ``credentials``, else
    ``$CANARY_<SOURCE>_<NAME>``; ``options`` holds backend-specific settings that are not
    secrets (``{"region": "eu-west-1"}``).

    A metric whose fetch failed is classified ``error`` (the verdict is then never
    promote); when nothing at all can be fetched, or the source cannot be set up,
    :class:`SourceError` is raised. A blocking call: the GIL is released while fetching.

    >>> v = gate("canary.yaml", url="http://127.0.0.1:9090", start="now-30m",
    ...          baseline_scope="v1", canary_scope="v2")  # doctest: +SKIP
    """
    cfg = _as_config(config)
    text = _native.gate(
        cfg._native,
        _request(
            source=source,
            url=url,
            start=start,
            end=end,
            step=step,
            baseline_scope=baseline_scope,
            canary_scope=canary_scope,
            variables=variables,
            options=options,
            auth_env=auth_env,
            auth_file=auth_file,
            credentials_env=credentials_env,
            credentials_file=credentials_file,
            timeout=timeout,
            retries=retries,
        ),
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
    options: Optional[Mapping[str, object]] = None,
    auth_env: Optional[str] = None,
    auth_file: Optional[PathLike] = None,
    credentials_env: Optional[Mapping[str, str]] = None,
    credentials_file: Optional[Mapping[str, PathLike]] = None,
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
        _request(
            source=source,
            url=url,
            start=start,
            end=end,
            step=step,
            baseline_scope=baseline_scope,
            canary_scope=canary_scope,
            variables=variables,
            options=options,
            auth_env=auth_env,
            auth_file=auth_file,
            credentials_env=credentials_env,
            credentials_file=credentials_file,
            timeout=timeout,
            retries=retries,
        ),
        name,
        None if output is None else os.fspath(output),
    )
    return Fixture._wrap(native)
