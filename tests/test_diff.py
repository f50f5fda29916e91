"""The word diff between two revisions (show/diff.py): pure, no terminal."""

from __future__ import annotations

from subsample.show.diff import Piece, hunks, plain, word_diff


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
    assert hunks(pieces)


def test_identical_texts_have_no_change() -> None:
    pieces = word_diff("same words here", "same words here")
    assert hunks(pieces) == [] and plain(pieces) == "same words here"


def test_a_word_moved_to_the_end_of_a_line_is_the_same_word() -> None:
    assert hunks(word_diff("a b\n", "a b")) == []


def test_hunks_keep_five_words_either_side_and_join_changes_that_are_close() -> None:
    old = " ".join(f"w{i}" for i in range(40))
    new = old.replace("w3 ", "x3 ").replace("w20 ", "x20 ").replace("w23 ", "x23 ")
    found = [plain(h) for h in hunks(word_diff(old, new))]
    assert found == [
        "w0 w1 w2 [-w3-] {+x3+} w4 w5 w6 w7 w8",
        "w15 w16 w17 w18 w19 [-w20-] {+x20+} w21 w22 [-w23-] {+x23+} w24 w25 w26 w27 w28",
    ]
    assert hunks(word_diff(old, old)) == []
    assert [plain(h) for h in hunks(word_diff("a b c", "a b c d"))] == ["a b c {+d+}"]
