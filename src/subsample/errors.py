"""One exception family: core raises it, the CLI shows it as one line."""

from __future__ import annotations


class SubsampleError(Exception):
    """A problem the user can fix; shown without a traceback."""

    exit_code = 1


class UsageError(SubsampleError):
    """Bad input on the command line or in sources.toml (exit 2)."""

    exit_code = 2


class SourceNotFoundError(UsageError):
    def __init__(self, source_id: str) -> None:
        super().__init__(f"no source named {source_id!r}; see `subsample list`")
        self.source_id = source_id


class PostNotFoundError(UsageError):
    def __init__(self, n: int) -> None:
        super().__init__(f"no post number {n}; see `subsample list SOURCE`")
        self.n = n


class ConfigError(UsageError):
    """sources.toml cannot be read or holds an invalid value."""


class FetchError(SubsampleError):
    """One source could not be fetched; reported per source, never fatal to the run."""


class StorageError(SubsampleError):
    """The archive folder cannot be read or written (permissions, full disk)."""
