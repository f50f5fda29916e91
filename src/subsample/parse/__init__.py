"""Parsing: feed bytes into entries in the shape of a post record. No network, no disk."""
