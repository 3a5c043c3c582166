"""Following the links a rater follows (GitHub repositories, Hub datasets and models, papers), with the
one HTTP layer, against the fake Hub and the fake GitHub API (tests/fakegithub) on 127.0.0.1: facts,
pinning, evidence, caching (a re-run makes 0 requests), and every failure (rate limits with reset
headers, 404, renamed repositories, timeouts, caps) giving a not-observed status, never a wrong fact."""

from __future__ import annotations

import json

import pytest
from fakegithub.server import Fault as GHFault
from fakegithub.server import GHRepo, rate_limited
from fakehub.datasets import FakeDataset
from fakehub.server import FakeRepo, Fault

from openaudit.base.net import cache
from openaudit.base.net import http as nethttp
from openaudit.cli.main import main
from openaudit.model import LinkKind, LinkStatus
from openaudit.sources import follow, resolve

TRAINER_FILES = {
    "README.md": b"# Trainer\nPre-training and evaluation code for acme/open-llm. Data preparation in data/.\n",
    "train.py": b"print('train')\n",
    "scripts/pretrain.sh": b"python train.py\n",
    "configs/7b.yaml": b"lr: 0.1\n",
    "data/preprocess.py": b"",
    "tools/tokenize_corpus.py": b"",
    "eval/run_eval.py": b"",
    "tests/test_train.py": b"",
    "LICENSE": b"Apache License 2.0\n",
}


@pytest.fixture(autouse=True)
def fast_backoff(monkeypatch):
    monkeypatch.setattr(nethttp, "BASE_BACKOFF", 0.01)
    cache.clear_memory()


def _card(body: str, front: str = "license: apache-2.0\n") -> bytes:
    return f"---\n{front}---\n# Model\n{body}\n".encode()


def _model(hub, card: bytes, repo_id: str = "acme/open-llm", card_data: dict | None = None) -> FakeRepo:
    return hub.add(FakeRepo(repo_id, {"README.md": card, "config.json": b"{}"}, card_data=card_data))


def _by_kind(snap, kind: LinkKind) -> list:
    return [link for link in snap.links if link.kind is kind]


def _gh_requests(gh) -> int:
    return len(gh.log)


def test_card_links_followed_pinned_and_cited(fakehub, fakegithub):
    repo = fakegithub.add(GHRepo("acme/trainer", dict(TRAINER_FILES)))
    fakegithub.arxiv.add("2401.00001")
    fakegithub.dois["10.1234/abc"] = "https://publisher.example/paper"
    fakehub.add_dataset(FakeDataset("acme/corpus", card_data={"license": "odc-by"}))
    fakehub.add(FakeRepo("acme/base", {"README.md": b"# base\n"}, card_data={"license": "mit"}))
    _model(
        fakehub,
        _card(
            "Training code: [trainer](https://github.com/acme/trainer/tree/main/scripts).\n"
            "Paper: https://arxiv.org/abs/2401.00001v2 and doi:10.1234/abc.\n"
            "Base: https://huggingface.co/acme/base/blob/main/README.md",
            "license: apache-2.0\ndatasets:\n- acme/corpus\n",
        ),
    )
    snap = resolve("acme/open-llm")
    (gh,) = _by_kind(snap, LinkKind.GITHUB_REPO)
    assert gh.status is LinkStatus.OK and gh.url == "https://github.com/acme/trainer"
    f = gh.facts
    assert f["full_name"] == "acme/trainer" and f["license_spdx"] == "Apache-2.0" and f["default_branch"] == "main"
    assert f["commit_sha"] == repo.sha() and f["redirected_from"] is None and f["truncated"] is False
    assert gh.evidence_url == f"https://github.com/acme/trainer/tree/{repo.sha()}"  # pinned to the commit
    assert set(f["paths"]) == set(TRAINER_FILES)
    assert f["training_code"] == ["configs/7b.yaml", "scripts/pretrain.sh", "train.py"]  # not tests/test_train.py
    assert f["preprocessing_code"] == ["data/preprocess.py", "tools/tokenize_corpus.py"]
    assert f["evaluation_code"] == ["eval/run_eval.py"]
    assert set(f["readme_mentions"]) == {"training", "data", "evaluation", "this_model"}
    assert f["card_line"] == 7 and f["card_context"] == "text"
    assert gh.requests == 4  # repository, commit, tree, README
    trees = [p for _m, p, _s in fakegithub.log if "/git/trees/" in p]
    assert trees == [f"/repos/acme/trainer/git/trees/{repo.sha()}?recursive=1"]  # one recursive call, by sha

    (ds,) = _by_kind(snap, LinkKind.HUB_DATASET)
    assert ds.status is LinkStatus.OK and ds.facts["id"] == "acme/corpus" and ds.facts["license"] == "odc-by"
    assert ds.facts["exists"] is True and ds.facts["gated"] is False and len(ds.facts["sha"]) == 40
    assert ds.evidence_url.endswith(f"/datasets/acme/corpus/tree/{ds.facts['sha']}")
    assert ds.requests == 0  # the declared-dataset lookup already asked: one request for both
    assert len([p for _m, p, _s in fakehub.log if p.startswith("/api/datasets/acme/corpus")]) == 1
    (base,) = _by_kind(snap, LinkKind.HUB_MODEL)
    assert base.status is LinkStatus.OK and base.facts["card_license"] == "mit"

    papers = {link.url: link for link in _by_kind(snap, LinkKind.PAPER)}
    arxiv = papers["https://arxiv.org/abs/2401.00001v2"]
    assert arxiv.status is LinkStatus.OK and arxiv.facts["exists"] is True
    assert arxiv.evidence_url == "https://arxiv.org/abs/2401.00001v2"
    doi = papers["https://doi.org/10.1234/abc"]
    assert doi.status is LinkStatus.OK and doi.facts["final_url"] == "https://publisher.example/paper"
    # every request either server saw was counted
    assert snap.network.requests == len(fakehub.log) + len(fakegithub.log)


def test_rerun_makes_no_link_requests_in_process_or_from_disk(fakehub, fakegithub):
    fakegithub.add(GHRepo("acme/trainer", dict(TRAINER_FILES)))
    fakegithub.arxiv.add("2401.00001")
    fakehub.add_dataset(FakeDataset("acme/corpus"))
    _model(fakehub, _card("https://github.com/acme/trainer arXiv:2401.00001", "datasets: [acme/corpus]\n"))
    first = resolve("acme/open-llm")
    seen_gh, seen_ds = len(fakegithub.log), len([p for _m, p, _s in fakehub.log if "/api/datasets/" in p])
    second = resolve("acme/open-llm")
    cache.clear_memory()  # a new process: only the disk cache remains
    third = resolve("acme/open-llm")
    assert len(fakegithub.log) == seen_gh
    assert len([p for _m, p, _s in fakehub.log if "/api/datasets/" in p]) == seen_ds
    assert [link.to_dict() for link in third.links] == [
        {k: v for k, v in link.to_dict().items() if k != "requests"} for link in first.links
    ]
    assert all(link.requests == 0 for link in second.links + third.links)


def test_offline_and_local_folders_follow_nothing_unless_asked(fakehub, fakegithub, tmp_path, capsys):
    fakegithub.add(GHRepo("acme/trainer", dict(TRAINER_FILES)))
    card = _card("Code: https://github.com/acme/trainer")
    folder = tmp_path / "model"
    folder.mkdir()
    (folder / "README.md").write_bytes(card)
    assert main(["audit", str(folder), "-f", "json", "--no-timestamp"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert "links" not in report["facts"] and "network" not in report
    assert fakegithub.log == []
    assert main(["audit", str(folder), "-f", "json", "--no-timestamp", "--follow-links", "--offline"]) == 0
    assert "links" not in json.loads(capsys.readouterr().out)["facts"] and fakegithub.log == []
    assert main(["audit", str(folder), "-f", "json", "--no-timestamp", "--follow-links"]) == 0
    report = json.loads(capsys.readouterr().out)
    (link,) = report["facts"]["links"]
    assert link["status"] == "ok" and link["facts"]["full_name"] == "acme/trainer"
    assert report["network"]["requests"] == len(fakegithub.log) == 4
    # a Hub target with links in its card, read from the cache offline: no request anywhere
    _model(fakehub, card)
    from huggingface_hub import snapshot_download

    snapshot_download("acme/open-llm")
    fakehub.log.clear()
    fakegithub.log.clear()
    assert main(["audit", "acme/open-llm", "-f", "json", "--no-timestamp", "--offline"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert "links" not in report["facts"] and fakehub.log == [] and fakegithub.log == []


def test_hub_target_no_follow_links_flag(fakehub, fakegithub, capsys):
    fakegithub.add(GHRepo("acme/trainer", dict(TRAINER_FILES)))
    _model(fakehub, _card("Code: https://github.com/acme/trainer"))
    assert main(["audit", "acme/open-llm", "-f", "json", "--no-timestamp", "--no-follow-links"]) == 0
    assert "links" not in json.loads(capsys.readouterr().out)["facts"] and fakegithub.log == []
    assert main(["audit", "acme/open-llm", "-f", "json", "--no-timestamp"]) == 0
    assert json.loads(capsys.readouterr().out)["facts"]["links"][0]["status"] == "ok"


def test_rate_limit_with_reset_is_not_retried_and_blocks_the_service(fakehub, fakegithub):
    fakegithub.add(GHRepo("acme/a", {"train.py": b""}))
    fakegithub.add(GHRepo("acme/b", {"train.py": b""}))
    fakegithub.faults.append(rate_limited(reset_in=3600))
    fakegithub.arxiv.add("2401.00001")
    _model(fakehub, _card("https://github.com/acme/a https://github.com/acme/b arXiv:2401.00001"))
    snap = resolve("acme/open-llm")
    a, b = _by_kind(snap, LinkKind.GITHUB_REPO)
    assert a.status is LinkStatus.RATE_LIMITED and a.facts == {} and a.requests == 1  # a 1-hour wait: no retry
    assert "rate limited" in a.detail
    assert b.status is LinkStatus.RATE_LIMITED and b.requests == 0 and "not tried" in b.detail
    assert len(fakegithub.log) == 2  # the rate-limited call, then the arXiv lookup
    (paper,) = _by_kind(snap, LinkKind.PAPER)
    assert paper.status is LinkStatus.OK  # another service is unaffected
    # a rate limit is never cached: the next run asks again
    fakegithub.faults.clear()
    assert {link.status for link in _by_kind(resolve("acme/open-llm"), LinkKind.GITHUB_REPO)} == {LinkStatus.OK}


def test_short_retry_after_is_honoured(fakehub, fakegithub):
    fakegithub.add(GHRepo("acme/a", {"train.py": b""}))
    fakegithub.faults.append(GHFault("repo", status=429, headers={"Retry-After": "0.05"}, times=1))
    fakegithub.faults.append(
        GHFault("tree", status=403, headers={"X-RateLimit-Remaining": "0", "Retry-After": "0"}, times=1)
    )
    _model(fakehub, _card("https://github.com/acme/a"))
    (a,) = resolve("acme/open-llm").links
    assert a.status is LinkStatus.OK and a.facts["training_code"] == ["train.py"]
    assert a.requests == 6 and [s for _m, _p, s in fakegithub.log] == [429, 200, 200, 403, 200, 404]  # no README


def test_not_found_everywhere_is_not_found_never_facts(fakehub, fakegithub):
    fakegithub.add(GHRepo("acme/private", {"train.py": b""}, private=True))
    _model(
        fakehub,
        _card(
            "https://github.com/acme/nope https://github.com/acme/private "
            "https://huggingface.co/datasets/acme/gone arXiv:2401.99999 doi:10.1234/none "
            f"{fakegithub.endpoint}/files/missing.pdf"
        ),
    )
    fakehub.add_dataset(FakeDataset("acme/deleted", faults=[Fault("info", status=404)]))
    snap = resolve("acme/open-llm")
    assert [(link.kind, link.status) for link in snap.links] == [
        (LinkKind.GITHUB_REPO, LinkStatus.NOT_FOUND),
        (LinkKind.GITHUB_REPO, LinkStatus.NOT_FOUND),
        (LinkKind.HUB_DATASET, LinkStatus.NOT_FOUND),
        (LinkKind.PAPER, LinkStatus.NOT_FOUND),
        (LinkKind.PAPER, LinkStatus.NOT_FOUND),
        (LinkKind.PAPER, LinkStatus.NOT_FOUND),
    ]
    assert all(link.facts == {} and link.requests >= 1 for link in snap.links)
    # a definite "not found" is cached: the next run does not ask again
    before = len(fakegithub.log)
    resolve("acme/open-llm")
    assert len(fakegithub.log) == before


def test_renamed_repository_is_followed_and_reported(fakehub, fakegithub):
    repo = fakegithub.add(
        GHRepo("acme/new-name", {"pretrain.py": b""}, renamed_from=("acme/old-name",), license_spdx="NOASSERTION")
    )
    _model(fakehub, _card("Code: https://github.com/acme/old-name"))
    (link,) = resolve("acme/open-llm").links
    assert link.status is LinkStatus.OK and link.url == "https://github.com/acme/old-name"
    assert link.facts["full_name"] == "acme/new-name" and link.facts["redirected_from"] == "acme/old-name"
    assert link.facts["license_spdx"] is None  # a license file GitHub could not identify: not a license
    assert link.evidence_url == f"https://github.com/acme/new-name/tree/{repo.sha()}"
    assert [s for _m, _p, s in fakegithub.log][:2] == [301, 200]


def test_timeouts_and_server_errors_are_errors_and_block_after_two(fakehub, fakegithub):
    for name in ("a", "b", "c"):
        fakegithub.add(GHRepo(f"acme/{name}", {"train.py": b""}))
    fakegithub.faults.append(GHFault("tree", key="acme/a", delay=1.0))
    fakegithub.faults.append(GHFault("repo", key="acme/b", status=502))
    _model(fakehub, _card("https://github.com/acme/a https://github.com/acme/b https://github.com/acme/c"))
    a, b, c = resolve("acme/open-llm", timeout=0.3).links
    assert a.status is LinkStatus.ERROR and a.facts == {} and "timed out" in a.detail  # repo known, tree not: no facts
    assert b.status is LinkStatus.ERROR and b.facts == {} and b.requests == nethttp.MAX_TRIES
    assert c.status is LinkStatus.ERROR and c.requests == 0 and "not tried" in c.detail


def test_readme_failure_keeps_the_repository_facts(fakehub, fakegithub):
    fakegithub.add(GHRepo("acme/a", {"README.md": b"training", "train.py": b""}))
    fakegithub.faults.append(GHFault("readme", status=500))
    _model(fakehub, _card("https://github.com/acme/a"))
    (link,) = resolve("acme/open-llm").links
    assert link.status is LinkStatus.OK and link.facts["readme_mentions"] is None  # not read, not "none"
    fakegithub.faults.clear()
    (again,) = resolve("acme/open-llm").links  # not cached without its README: asked again
    assert again.facts["readme_mentions"] == ["training"] and again.requests == 4


def test_truncated_tree_is_flagged(fakehub, fakegithub):
    fakegithub.add(GHRepo("acme/huge", {"src/model.py": b""}, truncated=True))
    _model(fakehub, _card("https://github.com/acme/huge"))
    (link,) = resolve("acme/open-llm").links
    assert link.status is LinkStatus.OK and link.facts["truncated"] is True and link.facts["tree_truncated"] is True
    assert link.facts["training_code"] == []  # incomplete listing: the flag says an empty list proves nothing


def test_caps_skip_beyond_and_local_addresses_are_refused(fakehub, fakegithub, monkeypatch):
    for name in ("a", "b"):
        fakegithub.add(GHRepo(f"acme/{name}", {"train.py": b""}))
    fakegithub.pdfs["r.pdf"] = b"%PDF-1.4"
    monkeypatch.setitem(follow.KIND_CAPS, LinkKind.GITHUB_REPO, 1)
    _model(fakehub, _card(f"https://github.com/acme/a https://github.com/acme/b {fakegithub.endpoint}/files/r.pdf"))
    monkeypatch.delenv("OPENAUDIT_ALLOW_LOCAL_LINKS")
    a, b, pdf = resolve("acme/open-llm").links
    assert a.status is LinkStatus.OK
    assert b.status is LinkStatus.SKIPPED and b.requests == 0 and "cap of 1" in b.detail
    assert pdf.status is LinkStatus.SKIPPED and "public" in pdf.detail and pdf.requests == 0
    assert not [p for _m, p, _s in fakegithub.log if "acme/b" in p or p.endswith(".pdf")]


def test_pdf_head_refused_and_redirects(fakehub, fakegithub):
    fakegithub.pdfs["r.pdf"] = b"%PDF-1.4"
    base = fakegithub.endpoint
    _model(fakehub, _card(f"{base}/nohead/r.pdf {base}/moved/r.pdf"))
    nohead, moved = resolve("acme/open-llm").links
    assert nohead.status is LinkStatus.OK and nohead.requests == 2  # HEAD 405, then a one-byte GET
    assert moved.status is LinkStatus.OK and moved.facts["final_url"] == f"{base}/files/r.pdf"


def test_gated_and_private_hub_links(fakehub, fakegithub):
    fakehub.add_dataset(FakeDataset("acme/terms", faults=[Fault("info", status=403, error_code="GatedRepo")]))
    fakehub.add_dataset(FakeDataset("acme/hidden", private=True))
    _model(fakehub, _card("", "datasets: [acme/terms, acme/hidden]\n"))
    terms, hidden = resolve("acme/open-llm").links
    assert terms.status is LinkStatus.OK and terms.facts["gated"] is True and terms.facts["license"] is None
    assert hidden.status is LinkStatus.NOT_FOUND  # 401: unknown or private, never "open"


def test_capture_keeps_links_and_replays_them_offline(fakehub, fakegithub, tmp_path, capsys):
    fakegithub.add(GHRepo("acme/trainer", dict(TRAINER_FILES)))
    _model(fakehub, _card("https://github.com/acme/trainer"))
    out = tmp_path / "cap"
    assert main(["snapshot", "acme/open-llm", "-o", str(out)]) == 0
    capsys.readouterr()
    fakegithub.log.clear()
    assert main(["audit", str(out), "--capture", "-f", "json", "--no-timestamp", "--follow-links"]) == 0
    (link,) = json.loads(capsys.readouterr().out)["facts"]["links"]
    assert link["facts"]["full_name"] == "acme/trainer" and fakegithub.log == []


def test_hostile_card_with_thousands_of_links_is_bounded(fakehub, fakegithub):
    body = "\n".join(f"https://github.com/org{i}/repo{i} https://arxiv.org/abs/2401.{i:05d}" for i in range(3000))
    _model(fakehub, _card(body))
    snap = resolve("acme/open-llm", timeout=0.5)
    from openaudit.sources.links import MAX_FOUND

    assert len(snap.links) == 2 * MAX_FOUND
    followed = [link for link in snap.links if link.status is not LinkStatus.SKIPPED]
    assert len(followed) <= follow.MAX_FOLLOWED
    assert any("more links in the card were not listed" in n.message for n in snap.notes)
    assert len(fakegithub.log) == follow.KIND_CAPS[LinkKind.GITHUB_REPO] + follow.KIND_CAPS[LinkKind.PAPER]


def test_odd_links_never_sink_the_audit(fakehub, fakegithub, monkeypatch):
    fakegithub.add(GHRepo("acme/a", {"train.py": b""}))
    _model(
        fakehub,
        _card(
            "https://example.org:99999/x.pdf https://github.com/acme/a "
            "https://doi.org/10.1234/%ZZ https://arxiv.org/abs/2401.00001"
        ),
    )

    def broken(*_a, **_k):
        raise KeyError("unexpected answer shape")

    monkeypatch.setattr("openaudit.base.net.papers.arxiv", broken)
    links = {link.url: link for link in resolve("acme/open-llm").links}
    assert links["https://github.com/acme/a"].status is LinkStatus.OK
    assert links["https://example.org:99999/x.pdf"].status is LinkStatus.ERROR
    arxiv = links["https://arxiv.org/abs/2401.00001"]
    assert arxiv.status is LinkStatus.ERROR and arxiv.facts == {} and "KeyError" in arxiv.detail
