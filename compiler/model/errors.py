"""The few exceptions that stop a build. Bad notes are diagnostics, not exceptions."""

from __future__ import annotations


class StudycError(Exception):
    """Base class; ``exit_code`` is what the CLI exits with."""

    exit_code = 1


class DiagnosticsFailed(StudycError):
    """The notes have errors (already reported as diagnostics); the CLI exits with this code."""

    exit_code = 1


class UsageError(StudycError):
    """Wrong command-line use: unknown format, missing folder, bad flag value."""

    exit_code = 2


class ConfigError(StudycError):
    """``studyc.toml`` (or ``[tool.studyc]``) is invalid; the message lists every bad key."""

    exit_code = 3


class OutputError(StudycError):
    """An output could not be written; earlier outputs are left as they were."""

    exit_code = 4


class BackendError(StudycError):
    """A backend crashed while rendering; nothing was written, earlier outputs are unchanged."""

    exit_code = 5


class CollectionBusyError(StudycError):
    """Anki has the collection open (or is syncing its media): close Anki and sync again; nothing was written."""

    exit_code = 7


class SyncConflictError(StudycError):
    """``studyc sync`` found notes edited both in Anki and in the notes (the rest was synced);
    sync again with ``--prefer notes`` or ``--prefer anki``."""

    exit_code = 8


class AnkiConnectError(StudycError):
    """``studyc sync --ankiconnect``: nothing listens, the add-on is too old, or it refused an action."""

    exit_code = 9
