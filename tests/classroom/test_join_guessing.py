"""Guessing join codes: a brute-force loop from one address is locked out (429, one message
whatever the code), other addresses go on, the lock lifts once the window has passed; many
addresses guessing together lock each other but not the class; wrong codes of every shape
get the same answer. Clients on 127.0.0.2, 127.0.0.3, ... are real loopback addresses."""

from __future__ import annotations

import http.client
import json
import os
import subprocess
import sys

import pytest

from labguide.classroom.guesses import OVERALL, PER_ADDRESS, WINDOW_SECONDS
from tests.classroom.conftest import serve, token_of


@pytest.fixture
def klass(loaded, tmp_path):
    served = serve(loaded, tmp_path / "class", seats=2)
    now = [1000.0]
    api = served.server.routes["/class/"]
    api.guesses.clock = lambda: now[0]  # the window, on a clock the test moves
    try:
        yield served, now
    finally:
        served.stop()


def _post(served, path, body, address="127.0.0.2", token=None):
    """(status, headers, JSON) of one request sent from `address`."""
    connection = http.client.HTTPConnection("127.0.0.1", served.server.port, timeout=30,
                                            source_address=(address, 0))
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    try:
        connection.request("GET" if body is None else "POST", path,
                           body=None if body is None else json.dumps(body), headers=headers)
        response = connection.getresponse()
        return response.status, dict(response.getheaders()), json.loads(response.read())
    finally:
        connection.close()


def _codes(served):
    return [record.join_code for record in served.state.seats()]


def _wrong(code: str, n: int) -> str:
    """A code that is not any seat's: the right one with its last characters changed."""
    alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
    tail = alphabet[n % 32] + alphabet[(n // 32) % 32]
    guess = code[:-2] + tail
    return guess if guess != code else code[:-2] + "ZZ"


def test_a_brute_force_loop_is_locked_out_and_learns_nothing(klass):
    served, now = klass
    right, other = _codes(served)
    for n in range(PER_ADDRESS):
        status, _, answer = _post(served, "/class/join", {"code": _wrong(right, n)})
        assert (status, answer) == (401, {"message": "unknown join code"}), n
    locked_wrong = _post(served, "/class/join", {"code": _wrong(right, 999)})
    locked_right = _post(served, "/class/join", {"code": right})
    assert locked_wrong[0] == locked_right[0] == 429
    assert locked_wrong[2] == locked_right[2]  # the same answer: the right code is not told
    assert "too many wrong join codes" in locked_right[2]["message"]
    assert 1 <= int(locked_right[1]["Retry-After"]) <= WINDOW_SECONDS
    # every route that takes a credential is closed to that address, the instructor's too
    assert _post(served, "/class/me", None, token=right)[0] == 429
    assert _post(served, "/class/status", None, token=token_of(served))[0] == 429
    # another address joins with its right code; a wrong one there is one guess, not a lock
    assert _post(served, "/class/join", {"code": right}, "127.0.0.3")[0] == 200
    assert _post(served, "/class/join", {"code": "ABCD-EFGH"}, "127.0.0.3")[0] == 401
    assert _post(served, "/class/join", {"code": other}, "127.0.0.3")[0] == 200
    # once the window has passed, the locked address's right code works again
    now[0] += WINDOW_SECONDS + 1
    status, _, joined = _post(served, "/class/join", {"code": right})
    assert status == 200 and joined["seat"] == 1


def test_many_addresses_guessing_together_lock_themselves_not_the_class(klass):
    served, now = klass
    right = _codes(served)[0]
    guessers = [f"127.0.0.{10 + i}" for i in range(OVERALL // (PER_ADDRESS - 1) + 1)]
    statuses = [_post(served, "/class/join", {"code": _wrong(right, i * 40 + n)}, address)[0]
                for i, address in enumerate(guessers)  # each stays under its own limit
                for n in range(PER_ADDRESS - 1)]
    # past OVERALL wrong guesses in the window, every address that guessed is refused
    assert statuses == [401] * (OVERALL + 1) + [429] * (len(statuses) - OVERALL - 1)
    assert _post(served, "/class/join", {"code": right}, guessers[0])[0] == 429
    assert _post(served, "/class/join", {"code": right}, "127.0.0.200")[0] == 200
    now[0] += WINDOW_SECONDS + 1
    assert _post(served, "/class/join", {"code": right}, guessers[0])[0] == 200


def test_wrong_codes_of_every_shape_get_one_answer(klass):
    served, _ = klass
    right = _codes(served)[0]
    shapes = [_wrong(right, 1), right[:-1], right + "A", right.replace("-", "")[:7],
              "x" * 200, "ABCD-EFGH", right[::-1], "ÄÖÜ-ß"]
    answers = {json.dumps(_post(served, "/class/join", {"code": code}, "127.0.0.5")[2])
               for code in shapes}
    assert answers == {json.dumps({"message": "unknown join code"})}
    participant = {json.dumps(_post(served, "/class/me", None, "127.0.0.6", token=code)[2])
                   for code in shapes}
    assert participant == {json.dumps({"message": "unknown join code"})}
    # the right code, typed by hand (lower case, spaces), still finds its seat
    typed = right.lower().replace("-", " ")
    assert _post(served, "/class/join", {"code": typed}, "127.0.0.7")[0] == 200


def test_labguide_join_from_a_locked_address_says_so_and_exits_2(klass, tmp_path):
    served, _ = klass
    right = _codes(served)[0]
    for n in range(PER_ADDRESS):
        _post(served, "/class/join", {"code": _wrong(right, n)}, "127.0.0.1")
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env["LABGUIDE_HOME"] = str(tmp_path / "laptop")
    joined = subprocess.run([sys.executable, "-m", "labguide", "join",
                             served.server.public_url, right, "--print-env"], env=env,
                            capture_output=True, text=True, timeout=120)
    assert joined.returncode == 2, joined.stderr
    assert "too many wrong join codes" in joined.stderr and "HTTP 429" in joined.stderr
    assert "Traceback" not in joined.stderr and "export" not in joined.stdout
