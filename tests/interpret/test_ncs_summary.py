"""Joining lesion phrases into clinical prose (interpret/ncs_summary.py)."""

import polars as pl

from edxlab.interpret.ncs_summary import _phrase_join


def _join(phrases: list[str]) -> str:
    return pl.DataFrame({"p": [phrases]}).select(_phrase_join(pl.col("p"))).item()


def test_phrases_without_commas_read_as_a_plain_list():
    assert _join(["a left facial neuropathy"]) == "a left facial neuropathy"
    assert _join(["a", "b", "c"]) == "a, b and c"


def test_two_graded_lesions_keep_their_severities_apart():
    assert _join(["a right median neuropathy at the wrist, mild in severity",
                  "a right ulnar neuropathy at the elbow, severe in severity"]) == (
        "a right median neuropathy at the wrist, mild in severity, and a right ulnar neuropathy "
        "at the elbow, severe in severity")


def test_three_graded_lesions_are_separated_by_semicolons():
    assert _join(["a left median neuropathy at the wrist, mild in severity",
                  "a left ulnar neuropathy at the elbow, moderate in severity",
                  "a left facial neuropathy"]) == (
        "a left median neuropathy at the wrist, mild in severity; a left ulnar neuropathy at the "
        "elbow, moderate in severity; and a left facial neuropathy")
