import io

from aegis import progress as progress_module
from aegis.progress import progress


class FakeClock:
    def __init__(self, step):
        self.now, self.step = 0.0, step

    def __call__(self):
        self.now += self.step
        return self.now


def _run(monkeypatch, tty, step, n=100):
    err = io.StringIO()
    err.isatty = lambda: tty
    monkeypatch.setattr(progress_module.sys, "stderr", err)
    monkeypatch.setattr(progress_module.time, "perf_counter", FakeClock(step))
    assert list(progress(range(n), desc="work")) == list(range(n))
    return err.getvalue()


def test_a_pipe_gets_a_line_every_few_seconds_and_a_summary(monkeypatch):
    text = _run(monkeypatch, tty=False, step=1.0)  # 100 items at 1 s each: a line every 5 s
    lines = text.splitlines()
    assert "\r" not in text and 18 <= len(lines) <= 21
    assert "ETA" in lines[0] and lines[-1].startswith("work 100/100 done in 1:4")


def test_a_terminal_gets_one_live_bar_with_an_eta(monkeypatch):
    text = _run(monkeypatch, tty=True, step=0.1)
    assert text.count("\n") == 1 and text.endswith("\x1b[K\n") and "ETA" in text
    assert "done in 0:10" in text.rsplit("\r", 1)[1]


def test_a_quick_job_in_a_pipe_prints_only_its_summary(monkeypatch):
    lines = _run(monkeypatch, tty=False, step=0.001).splitlines()
    assert len(lines) == 1 and lines[0].startswith("work 100/100 done in 0:00")


def test_batches_count_in_the_units_they_hold(monkeypatch):
    err = io.StringIO()
    err.isatty = lambda: False
    monkeypatch.setattr(progress_module.sys, "stderr", err)
    starts = list(progress(range(0, 140, 64), 140, "evaluate", size=lambda s: min(64, 140 - s)))
    assert starts == [0, 64, 128] and err.getvalue().startswith("evaluate 140/140 done")
