"""The archive on disk: append-only JSON lines (the truth), fetch state and history, and a
rebuildable SQLite index for list, read and search."""
