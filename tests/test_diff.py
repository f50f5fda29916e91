"""The word diff between two revisions (show/diff.py): pure, no terminal."""

from __future__ import annotations

from subsample.show.diff import Piece, changed, plain, word_diff


def test_a_changed_word_is_removed_then_added_and_the_rest_is_kept() -> None:
    pieces = word_diff("The cat sat on the mat.", "The dog sat on the mat.")
    assert pieces == [
        Piece("equal", "The "),
        Piece("removed", "cat "),
        Piece("added", "dog "),
        Piece("equal", "sat on the mat."),
    ]
    assert plain(pieces) == "The [-cat-] {+dog+} sat on the mat."


def test_joining_the_new_side_gives_the_new_text_back() -> None:
    old, new = "one two  three\nfour", "zero one three\n\nfour five"
    pieces = word_diff(old, new)
    assert "".join(p.text for p in pieces if p.kind != "removed") == new
    assert changed(pieces)


def test_identical_texts_have_no_change() -> None:
    pieces = word_diff("same words here", "same words here")
    assert not changed(pieces) and plain(pieces) == "same words here"


def test_a_word_moved_to_the_end_of_a_line_is_the_same_word() -> None:
    assert not changed(word_diff("a b\n", "a b"))
