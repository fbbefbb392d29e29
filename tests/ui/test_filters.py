"""Filter by reason, person and wait: the filter bar names them and counts them as narrowing."""

from __future__ import annotations

from cmtui.ui.widgets.filter_bar import Filters, filter_content, waiting_text


def test_the_bar_names_the_new_filters_and_counts_them_as_narrowing() -> None:
    filters = Filters(reason="complaint", person="Rachel Kim", waiting_hours=72)
    line = filter_content(filters, 2).plain
    assert "reason: complaint" in line and "from: Rachel Kim" in line and "waiting > 3 d" in line
    assert "2 conversations" in line and "every feed" not in line
    assert filters.narrowed and Filters(waiting_hours=1).narrowed and Filters(person="x").narrowed
    assert not Filters().narrowed
    assert [waiting_text(h) for h in (1, 24, 72, 168, 36)] == ["1 h", "1 d", "3 d", "7 d", "36 h"]
