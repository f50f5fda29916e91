"""subsample: a command-line feed archiver that never forgets a post."""

__version__ = "0.1.0"
