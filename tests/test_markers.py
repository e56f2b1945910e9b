"""The citation-marker grammar (rag/answer/markers.py), on invented text."""

from __future__ import annotations

from rag.answer.markers import LEADING, MARKER, REPEATED, cited_numbers, defuse, marker, without_markers


def test_a_model_may_group_and_space_its_markers() -> None:
    assert MARKER.findall("up [1, 2] and [ 3 ], not [x] or [1.5]") == ["1, 2", "3"]


def test_our_own_markers_read_back() -> None:
    assert cited_numbers(f"Up 15% {marker(1)}. Flat {marker(2)}{marker(1)}.") == [1, 2, 1]
    assert without_markers("Flat [2][1].") == "Flat ."
    assert REPEATED.sub(r"\1", "Flat [1] [1][1].") == "Flat [1]."
    assert LEADING.match(" [1] [2] Rates rose.").group() == " [1] [2] "


def test_bracketed_numbers_from_a_source_are_defused() -> None:
    assert defuse("Margins rose [1] and sales [2, 3] held.") == "Margins rose (1) and sales (2, 3) held."
    assert cited_numbers(defuse("note [2]")) == []
