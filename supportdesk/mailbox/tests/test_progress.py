"""The progress display of ``mailbox import``: a redrawn bar on a terminal, plain lines elsewhere."""

from io import StringIO

import pytest

from supportdesk.mailbox.progress import Progress, bar, duration_text


class FakeClock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


class FakeTTY(StringIO):
    def isatty(self) -> bool:
        return True


@pytest.mark.parametrize(
    ("seconds", "text"), [(0, "0:00"), (7.4, "0:07"), (725, "12:05"), (3723, "1:02:03"), (-3, "0:00")]
)
def test_duration_text(seconds, text):
    assert duration_text(seconds) == text


def test_bar():
    assert bar(0, 10, width=10) == "[----------]"
    assert bar(5, 10, width=10) == "[#####-----]"
    assert bar(10, 10, width=10) == "[##########]"
    assert bar(12, 10, width=10) == "[##########]"
    assert bar(0, 0, width=4) == "[####]"


def test_terminal_redraws_one_line_a_few_times_a_second():
    clock, out = FakeClock(), FakeTTY()
    progress = Progress(total=100, stream=out, unit="mails", clock=clock)
    clock.now += 5
    progress.update(25)
    first = out.getvalue()
    assert first.startswith("\r[")
    assert " 25/100   25 %  5 mails/s  ETA 0:15" in first
    assert "\n" not in first
    clock.now += 0.1
    progress.update(30)  # too soon: not drawn
    assert out.getvalue() == first
    clock.now += 0.15
    progress.update(40)
    assert out.getvalue().count("\r") == 2
    assert " 40/100" in out.getvalue().split("\r")[-1]
    clock.now += 1
    progress.update(100)
    progress.finish()
    progress.finish()  # idempotent
    text = out.getvalue()
    assert text.endswith("\n") and text.count("\n") == 1
    last = text.rstrip("\n").split("\r")[-1]
    assert last.startswith("[" + "#" * 30 + "]")
    assert "100/100  100 %" in last
    assert "ETA" not in last


def test_a_shorter_line_blanks_out_the_longer_one_before_it():
    clock, out = FakeClock(), FakeTTY()
    progress = Progress(total=10, stream=out, clock=clock, unit="mails")
    clock.now += 1
    progress.update(1)  # "… ETA 0:09"
    clock.now += 1
    progress.update(10)  # no ETA any more: shorter
    longer, shorter = out.getvalue().split("\r")[1:]
    assert len(shorter) == len(longer)
    assert shorter.endswith(" ")


def test_not_a_terminal_writes_plain_lines_now_and_then():
    clock, out = FakeClock(), StringIO()
    progress = Progress(total=1000, stream=out, unit="mails", clock=clock, interval=10)
    for done in range(100, 1001, 100):
        clock.now += 3
        progress.update(done)
    progress.finish()
    lines = out.getvalue().splitlines()
    assert "\r" not in out.getvalue()
    # drawn at 12 s (400), 24 s (800) and at the end; never a bar
    assert [line.split()[0] for line in lines] == ["400/1000", "800/1000", "1000/1000"]
    assert lines[0] == "   400/1000   40 %  33 mails/s  ETA 0:18"
    assert all("#" not in line for line in lines)


def test_no_time_passed_shows_no_rate():
    clock, out = FakeClock(), FakeTTY()
    progress = Progress(total=3, stream=out, clock=clock, unit="mails")
    progress.update(0)
    assert "– mails/s" in out.getvalue() and "ETA" not in out.getvalue()
