"""The calling thread of an import runs first; its helpers run while it waits (prospects.imports.turns)."""

import threading

import pytest

from prospects.imports.turns import Handoff, Turns


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


def test_a_handoff_raises_the_producers_exception_and_stops_its_producer():
    handoff = Handoff(size=2)
    handoff.put("first")
    handoff.put(ValueError("bad row"))
    assert handoff.get() == "first"
    with pytest.raises(ValueError, match="bad row"):
        handoff.get()
    handoff.put("one")
    handoff.put("two")  # full: the next put waits for the consumer
    refused = []
    producer = threading.Thread(target=lambda: refused.append(handoff.put("never taken")))
    producer.start()
    handoff.stop()  # the consumer gave up: the waiting producer returns False
    producer.join(timeout=5)
    assert refused == [False] and handoff.stopped
