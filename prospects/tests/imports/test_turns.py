"""The calling thread of an import runs first; its helpers run while it waits (prospects.imports.turns)."""

import threading

from prospects.imports.turns import Turns


def _helper(turns: Turns, done: threading.Event) -> threading.Thread:
    def run():
        turns.pause()
        done.set()

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread


def test_a_helper_pauses_until_the_calling_thread_waits():
    turns, done = Turns(), threading.Event()
    thread = _helper(turns, done)
    assert not done.wait(0.05)  # the calling thread is running: the helper waits its turn
    with turns.waiting():
        assert done.wait(5)
    thread.join(5)


def test_closing_the_turns_releases_a_paused_helper_for_good():
    turns, done = Turns(), threading.Event()
    thread = _helper(turns, done)
    turns.close()
    assert done.wait(5)
    thread.join(5)
    with turns.waiting():
        pass
    turns.pause()  # still open after a wait: a closed Turns never pauses again


def test_disabled_turns_never_pause():
    turns = Turns(enabled=False)
    with turns.waiting():
        pass
    turns.pause()
