"""The exceptions of :mod:`canary_judge`.

Every error the package raises on purpose is a :class:`CanaryError`:

* :class:`ConfigError` (also a :class:`ValueError`) -- a config that cannot be read
  (missing file), parsed or validated; the message names the file and the key path,
  e.g. ``<config>: metrics[0].effect.allowed_increase: expected a positive number``.
* :class:`DataError` (also a :class:`ValueError`) -- input data that cannot be used:
  a sample with NaN or infinite values, too few values, a 2-D array, non-numeric
  values, an invalid option value (``alternative="sideways"``, ``confidence=1.5``), a
  fixture that cannot be read or parsed (missing file included), or a fixture that does
  not fit the config (a configured metric absent, or of another kind).
* :class:`SourceError` -- a live fetch (:func:`gate`, :func:`record`) failed as a
  whole: the source cannot be set up (unknown source, bad URL, bad time or duration,
  missing credential) or reached, nothing could be fetched, or (``record``) some metric
  could not be fetched. The message names the source, the metric, the scope and the
  cause, never a credential.

A bug inside the Rust core (a panic) is raised as a plain :class:`CanaryError` whose
message starts with ``internal error``; it never crashes the interpreter.
"""

from __future__ import annotations

__all__ = ["CanaryError", "ConfigError", "DataError", "SourceError"]


class CanaryError(Exception):
    """Base class of every error raised by canary_judge."""


class ConfigError(CanaryError, ValueError):
    """A config that cannot be read, parsed or validated."""


class DataError(CanaryError, ValueError):
    """Input data (samples, fixtures, options) that cannot be used."""


class SourceError(CanaryError):
    """A metric source failed (live fetches: :func:`gate`, :func:`record`)."""
