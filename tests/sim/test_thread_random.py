"""moto's random source after `thread_random.install()`: a seeded thread draws exactly as
moto would (worlds keep their ids); an unseeded one gets unbiased strings of moto's pool
from the operating system (request ids, ids of resources learners create)."""

from __future__ import annotations

import string
import threading
from collections import Counter

from moto.moto_api._internal import mock_random
from moto.moto_api._internal.moto_random import MotoRandom

from labguide.sim import thread_random


def _in_new_thread(work):
    out = []
    thread = threading.Thread(target=lambda: out.append(work()))
    thread.start()
    thread.join()
    return out[0]


def test_a_seeded_thread_draws_moto_s_own_strings():
    thread_random.install()

    def draws():
        mock_random.seed(1234)
        return [mock_random.get_random_string(52), mock_random.get_random_string(8, False, True),
                mock_random.get_random_hex(8)]

    moto_own = MotoRandom(1234)
    expected = [moto_own.get_random_string(52), moto_own.get_random_string(8, False, True),
                moto_own.get_random_hex(8)]
    assert _in_new_thread(draws) == expected


def test_an_unseeded_thread_gets_moto_s_pool_from_the_os():
    thread_random.install()

    def draws():
        return ([mock_random.get_random_string(52) for _ in range(400)],
                [mock_random.get_random_string(12, include_digits=False) for _ in range(50)],
                [mock_random.get_random_string(12, lower_case=True) for _ in range(50)])

    ids, letters, lower = _in_new_thread(draws)
    pool = string.ascii_letters + string.digits
    assert all(len(i) == 52 and set(i) <= set(pool) for i in ids)
    assert len(set(ids)) == len(ids)
    counts = Counter("".join(ids))  # 20,800 characters: every one of the 62 is drawn
    assert set(counts) == set(pool)
    assert max(counts.values()) < 2 * min(counts.values())  # no character favoured
    assert all(len(t) == 12 and set(t) <= set(string.ascii_letters) for t in letters)
    assert all(t == t.lower() and len(t) == 12 for t in lower)


def test_uninstall_gives_moto_back_its_own_draws():
    thread_random.install()
    thread_random.EXTENSION.uninstall()
    try:
        assert type(mock_random) is MotoRandom
        mock_random.seed(7)
        first = mock_random.get_random_string(52)
        mock_random.seed(7)
        assert mock_random.get_random_string(52) == first
    finally:
        thread_random.install()
    assert type(mock_random) is not MotoRandom
