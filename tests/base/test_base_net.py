"""The one HTTP layer's pure parts: failure classification (typed kinds, rate-limit headers), bounded
retries, and the Range reader's settling test."""
from __future__ import annotations

import email.utils
import json
import pickle
import time

import pytest

from openaudit.base.net import http as nethttp
from openaudit.base.net.failures import (
    FailKind,
    Failure,
    NetFailure,
    TruncatedBody,
    classify,
    from_status,
    retry_after_of,
    to_error,
)
from openaudit.base.net.ranges import RangeReader, not_a_pickle, pickles_end
from openaudit.errors import AuthError, NetworkError, OfflineMiss, TargetNotFound


@pytest.mark.parametrize("status, headers, kind", [
    (401, {}, FailKind.AUTH),
    (403, {}, FailKind.AUTH),
    (403, {"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": "0"}, FailKind.RATE_LIMITED),
    (403, {"Retry-After": "30"}, FailKind.RATE_LIMITED),
    (429, {}, FailKind.RATE_LIMITED),
    (404, {}, FailKind.NOT_FOUND),
    (410, {}, FailKind.NOT_FOUND),
    (408, {}, FailKind.SERVER),
    (500, {}, FailKind.SERVER),
    (503, {"retry-after": "2"}, FailKind.SERVER),
    (400, {}, FailKind.OTHER),
    (422, {}, FailKind.OTHER),
])
def test_status_classification(status, headers, kind):
    f = from_status(status, headers)
    assert f.kind is kind and f.status == status
    assert f.transient == (kind in (FailKind.RATE_LIMITED, FailKind.SERVER))


def test_retry_after_forms():
    now = 1_700_000_000.0
    assert retry_after_of({"Retry-After": "7"}, now) == 7.0
    date = email.utils.formatdate(now + 90, usegmt=True)
    assert retry_after_of({"Retry-After": date}, now) == pytest.approx(90, abs=1)
    assert retry_after_of({"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": str(int(now + 600))}, now) == 600
    assert retry_after_of({"X-RateLimit-Remaining": "5", "X-RateLimit-Reset": str(int(now + 600))}, now) is None
    assert retry_after_of({"Retry-After": "soon"}, now) is None
    assert retry_after_of(None, now) is None


def test_classify_exceptions():
    import httpx2

    assert classify(httpx2.ReadTimeout("t")).kind is FailKind.TIMEOUT
    assert classify(httpx2.ConnectError("refused")).kind is FailKind.CONNECTION
    assert classify(TruncatedBody("cut")).kind is FailKind.TRUNCATED
    assert classify(json.JSONDecodeError("x", "doc", 0)).kind is FailKind.MALFORMED
    f = Failure(FailKind.GATED, 403, "gated")
    assert classify(NetFailure(f)) is f
    assert classify(RuntimeError("bug")).kind is FailKind.OTHER


def _flaky(failures: list[Exception]):
    calls = []

    def fn():
        calls.append(time.monotonic())
        if failures:
            raise failures.pop(0)
        return "ok"
    return fn, calls


def test_retries_back_off_and_honour_short_retry_after():
    slept: list[float] = []
    fn, calls = _flaky([NetFailure(from_status(503)), NetFailure(from_status(429, {"Retry-After": "1.5"}))])
    assert nethttp.with_retries(fn, sleep=slept.append) == "ok"
    assert len(calls) == 3 and slept[1] == 1.5 and 0 < slept[0] < 1


def test_long_waits_and_definite_failures_are_not_retried():
    slept: list[float] = []
    fn, calls = _flaky([NetFailure(from_status(403, {"X-RateLimit-Remaining": "0",
                                                      "X-RateLimit-Reset": str(int(time.time() + 3600))}))])
    with pytest.raises(NetFailure) as exc:
        nethttp.with_retries(fn, sleep=slept.append)
    assert exc.value.failure.kind is FailKind.RATE_LIMITED and len(calls) == 1 and slept == []
    fn, calls = _flaky([NetFailure(from_status(404))])
    with pytest.raises(NetFailure):
        nethttp.with_retries(fn, sleep=slept.append)
    assert len(calls) == 1
    fn, calls = _flaky([NetFailure(from_status(502))] * 5)
    with pytest.raises(NetFailure):
        nethttp.with_retries(fn, sleep=slept.append)
    assert len(calls) == nethttp.MAX_TRIES


def test_guard_keeps_bugs_as_bugs():
    def bug():
        raise KeyError("x")

    with pytest.raises(KeyError):
        nethttp.guard(bug)

    def refused():
        raise ConnectionRefusedError("refused")

    with pytest.raises(NetFailure) as exc:
        nethttp.guard(refused)
    assert exc.value.failure.kind is FailKind.CONNECTION


def test_errors_from_failures():
    assert isinstance(to_error(Failure(FailKind.OFFLINE, None, "x"), "a/b"), OfflineMiss)
    assert isinstance(to_error(Failure(FailKind.GATED, 403, "x"), "a/b"), AuthError)
    assert isinstance(to_error(Failure(FailKind.NOT_FOUND, 404, "x"), "a/b"), TargetNotFound)
    err = to_error(Failure(FailKind.RATE_LIMITED, 429, "rate limited\n(HTTP 429)"), "a/b")
    assert isinstance(err, NetworkError) and "\n" not in err.message


def test_not_a_pickle_decides_on_bytes():
    assert not_a_pickle(b"lmgg" + bytes(range(256)))  # GGML magic: no pickle opcode
    assert not_a_pickle(b"\x00\x00\x00")
    assert not not_a_pickle(pickle.dumps({"a": 1})[:5])  # cut short: proves nothing
    assert not not_a_pickle(pickle.dumps([1, 2]))  # a whole pickle
    assert not not_a_pickle(b"")


def test_settling_prefers_a_typed_field_over_the_reason_text():
    data = pickle.dumps({"a": 1}, protocol=2)
    end = len(data)
    reader = RangeReader(lambda n, off: (data + b"\x00" * 64)[off:off + n], keep=1 << 20)
    reader(0, end + 16)
    assert pickles_end({"trailing_from": end}) == end
    assert pickles_end({"reason": f"non-pickle data from byte {end}"}) == end
    assert pickles_end({"trailing_from": True, "reason": ""}) is None
    assert reader.settles({"status": "clean", "trailing_from": end}, size=10_000)
    assert not reader.settles({"status": "clean"}, size=10_000)  # no end known: a cut pickle is not clean
