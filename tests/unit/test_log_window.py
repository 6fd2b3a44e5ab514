"""Which rows of a long history the chat log mounts (chattui/widgets/log_window.py)."""

from __future__ import annotations

from chattui.widgets.log_window import Heights, covers, filling, window


def test_heights_sum_to_each_rows_top_and_find_the_row_at_a_y():
    heights = Heights([3, 5, 0, 2])
    assert [heights.top(i) for i in range(5)] == [0, 3, 8, 8, 10] and heights.total == 10
    assert [heights.index_at(y) for y in (-4, 0, 2, 3, 7, 8, 9, 10, 99)] == [0, 0, 0, 1, 1, 3, 3, 3, 3]
    heights.set(1, 1)  # measured: sums follow
    assert heights.top(3) == 4 and heights.span(1, 4) == 3
    heights.insert(0, [4, 4])  # earlier rows read
    assert len(heights) == 6 and heights.top(2) == 8 and heights.total == 14


def test_the_window_holds_the_rows_on_screen_and_a_margin_either_side():
    heights = Heights([10] * 1000)  # 10,000 rows
    assert window(heights, top=5000, viewport=40, margin=0) == range(500, 504)
    assert window(heights, top=5005, viewport=40, margin=0) == range(500, 505)  # a row cut at the bottom
    assert window(heights, top=5000, viewport=40, margin=40) == range(496, 508)
    assert window(heights, top=0, viewport=40, margin=40) == range(0, 8)  # Home: the first rows
    assert window(heights, top=9960, viewport=40, margin=40) == range(992, 1000)  # End: the last
    assert window(Heights(), top=0, viewport=40, margin=40) == range(0)


def test_a_row_taller_than_the_screen_is_the_window():
    heights = Heights([2, 500, 2])
    assert window(heights, top=100, viewport=40, margin=10) == range(1, 2)


def test_the_mounted_rows_cover_the_screen_until_it_nears_their_edge():
    heights = Heights([10] * 100)
    mounted = window(heights, top=500, viewport=40, margin=40)
    assert covers(mounted, heights, 500, 40, slack=20)
    assert covers(mounted, heights, 480, 40, slack=20)  # a few rows up: nothing to mount
    assert not covers(mounted, heights, 440, 40, slack=20)  # near the top of what is mounted
    assert not covers(mounted, heights, 0, 40, slack=20)  # a jump (Home)


def test_filling_takes_the_latest_rows_up_to_a_screen():
    heights = Heights([10, 10, 10, 10])
    assert filling(heights, 25) == range(1, 4)
    assert filling(heights, 100) == range(0, 4)
    assert filling(Heights(), 30) == range(0)
