"""Where things live: --home, else $SUBSAMPLE_HOME, else the platform's folders."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Paths:
    """Every file subsample touches, resolved once per command."""

    config_file: Path
    data: Path

    @property
    def archive_dir(self) -> Path:
        return self.data / "archive"

    @property
    def state_dir(self) -> Path:
        return self.data / "state"

    @property
    def history_dir(self) -> Path:
        return self.data / "history"

    @property
    def torn_dir(self) -> Path:
        """Torn last lines set aside (archive/repair.py): never deleted by subsample."""
        return self.data / "torn"

    @property
    def cache_dir(self) -> Path:
        return self.data / "cache"

    @property
    def media_dir(self) -> Path:
        return self.data / "media"

    @property
    def write_lock(self) -> Path:
        """Held while archives, state and post numbers change."""
        return self.data / "write.lock"

    def archive(self, source_id: str) -> Path:
        return self.archive_dir / f"{source_id}.jsonl"

    @property
    def fulltext_dir(self) -> Path:
        return self.data / "fulltext"

    def fulltext(self, source_id: str) -> Path:
        """Every attempt to read the pages of SOURCE_ID's posts (archive/fulltext.py)."""
        return self.fulltext_dir / f"{source_id}.jsonl"


def resolve_paths(home: Path | None = None) -> Paths:
    """--home, else $SUBSAMPLE_HOME, else the platform's config and data folders."""
    if home is None and os.environ.get("SUBSAMPLE_HOME"):
        home = Path(os.environ["SUBSAMPLE_HOME"])
    if home is not None:
        home = home.expanduser().absolute()
        return Paths(config_file=home / "sources.toml", data=home)
    import platformdirs

    return Paths(
        config_file=platformdirs.user_config_path("subsample") / "sources.toml",
        data=platformdirs.user_data_path("subsample"),
    )
