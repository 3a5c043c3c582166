"""The one HTTP layer's pure parts: failure classification (typed kinds, rate-limit headers), bounded
retries, the lookup cache, the public-address guard, and the Range reader's settling test."""

from __future__ import annotations

import email.utils
import json
import time

import pytest

from openaudit.base.net import cache, papers
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
from openaudit.base.net.ranges import RangeReader
from openaudit.errors import AuthError, NetworkError, OfflineMiss, TargetNotFound


@pytest.mark.parametrize(
    "status, headers, kind",
    [
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
    ],
)
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
    fn, calls = _flaky(
        [
            NetFailure(
                from_status(403, {"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": str(int(time.time() + 3600))})
            )
        ]
    )
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


@pytest.fixture
def cache_home(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    monkeypatch.delenv("OPENAUDIT_CACHE_DIR", raising=False)
    monkeypatch.delenv("OPENAUDIT_CACHE_TTL", raising=False)
    cache.clear_memory()
    yield tmp_path / "xdg" / "openaudit" / "lookups"
    cache.clear_memory()


def test_cache_round_trip_disk_and_expiry(cache_home, monkeypatch):
    cache.put("GET https://x/y anon", {"json": {"a": 1}})
    assert cache.get("GET https://x/y anon") == {"json": {"a": 1}}
    cache.clear_memory()
    assert cache.get("GET https://x/y anon") == {"json": {"a": 1}}  # from disk
    assert len(list(cache_home.glob("*.json"))) == 1
    monkeypatch.setenv("OPENAUDIT_CACHE_TTL", "0.000001")
    time.sleep(0.01)
    cache.clear_memory()
    assert cache.get("GET https://x/y anon") is None  # expired
    monkeypatch.setenv("OPENAUDIT_CACHE_TTL", "0")  # off: nothing stored, nothing read
    cache.put("k2", {"v": 1})
    assert cache.get("k2") is None and len(list(cache_home.glob("*.json"))) == 1


def test_cache_ignores_damaged_foreign_and_symlinked_entries(cache_home, tmp_path):
    cache.put("k", {"v": 1})
    (entry,) = cache_home.glob("*.json")
    cache.clear_memory()
    entry.write_text("{not json", encoding="utf-8")
    assert cache.get("k") is None
    entry.write_text(json.dumps({"format": 1, "key": "other", "time": time.time(), "value": 1}), encoding="utf-8")
    assert cache.get("k") is None
    target = tmp_path / "elsewhere.json"
    target.write_text(json.dumps({"format": 1, "key": "k", "time": time.time(), "value": 2}), encoding="utf-8")
    entry.unlink()
    entry.symlink_to(target)
    assert cache.get("k") is None


def test_cache_is_kept_apart_per_folder_and_token(cache_home, tmp_path, monkeypatch):
    cache.put("k", {"v": 1})
    monkeypatch.setenv("OPENAUDIT_CACHE_DIR", str(tmp_path / "other"))
    assert cache.get("k") is None
    assert cache.auth_key(None) == "anon" and cache.auth_key("hf_secret") != cache.auth_key("hf_other")
    assert "hf_secret" not in cache.auth_key("hf_secret")


def test_unwritable_cache_folder_still_answers_in_process(tmp_path, monkeypatch):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    monkeypatch.setenv("OPENAUDIT_CACHE_DIR", str(blocker))  # a file where the folder should be
    cache.clear_memory()
    cache.put("k", {"v": 1})
    assert cache.get("k") == {"v": 1}
    cache.clear_memory()


@pytest.mark.parametrize(
    "url, ok",
    [
        ("https://example.org/a.pdf", True),
        ("http://93.184.216.34/a.pdf", True),
        ("http://127.0.0.1:8000/a.pdf", False),
        ("http://localhost/a.pdf", False),
        ("http://10.0.0.1/a.pdf", False),
        ("http://169.254.169.254/latest/meta-data", False),
        ("http://[::1]/a.pdf", False),
        ("http://printer.local/a.pdf", False),
        ("http://intranet/a.pdf", False),
        ("https://user:pw@example.org/a.pdf", False),
        ("file:///etc/passwd", False),
    ],
)
def test_public_url_guard(url, ok, monkeypatch):
    monkeypatch.delenv("OPENAUDIT_ALLOW_LOCAL_LINKS", raising=False)
    assert papers.public_url(url) is ok


def test_settling_decides_on_the_typed_code():
    data = b"\x80\x02}q\x00." + b"\x00" * 64
    reader = RangeReader(lambda n, off: data[off : off + n], keep=1 << 20)
    reader(0, 16)
    assert reader.settles({"status": "unscannable", "code": "truncated"}, size=10_000)
    assert reader.settles({"status": "clean", "code": "ok"}, size=10_000)
    assert not reader.settles({"status": "unscannable", "code": "budget"}, size=10_000)
    assert reader.settles({"status": "unscannable", "code": "budget"}, size=16)  # the file was read whole
