from aegis.app.stderr import StderrThrottle


def test_repeats_of_a_line_are_held_back_and_counted_once_the_window_ends():
    throttle = StderrThrottle(window_s=10.0)
    first = "Corrupt JPEG data: 12 extraneous bytes\n"
    assert throttle.filter(first, 0.0) == [first]
    assert throttle.filter("Corrupt JPEG data: 40 extraneous bytes\n", 1.0) == []  # the same kind, but for digits
    assert throttle.filter("another line\n", 2.0) == ["another line\n"]
    assert throttle.filter("Corrupt JPEG data: 7 extraneous bytes\n", 5.0) == []
    later = throttle.filter("Corrupt JPEG data: 9 extraneous bytes\n", 10.5)
    assert later[0].startswith("aegis: note:") and " 2 more times" in later[0] and later[1].startswith("Corrupt")
