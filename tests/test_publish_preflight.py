"""What publish checks before sending anything, and the pure logic underneath it:
preflight problems, the diff, commit batching, failure classification, retries."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from dataset_kit import publishing
from dataset_kit.cli import cli
from dataset_kit.manifest import load_manifest
from tests.publish_helpers import card_metadata, png, rows, write_export

pytest_plugins = ["tests.hub_fixtures"]
# huggingface_hub's LFS upload passes a file object as ``data=``, which httpx2 deprecates.
pytestmark = pytest.mark.filterwarnings("ignore:Use 'content=<...>':DeprecationWarning")

REPO = "alice/news"
V1 = {"train": [rows(0, 10), rows(10, 10)], "test": [rows(100, 5)]}


def problems_of(root: Path, repo_id: str = REPO) -> list[str]:
    with pytest.raises(publishing.PreflightError) as caught:
        publishing.preflight(root, repo_id)
    return caught.value.problems


def test_a_complete_export_passes(tmp_path):
    root = write_export(tmp_path / "ds", V1)
    manifest = publishing.preflight(root, REPO)
    assert [f.path for f in manifest.data_files()] == [
        "data/test-00000-of-00001.parquet",
        "data/train-00000-of-00002.parquet",
        "data/train-00001-of-00002.parquet",
    ]


@pytest.mark.parametrize(
    "repo_id",
    [
        "news",
        "alice/news/extra",
        "/news",
        "alice/",
        "-alice/news",
        "alice/news.",
        "a--b/news",
        "alice/ne..ws",
        "alice/new s",
        "alice/" + "n" * 97,
        "",
    ],
)
def test_bad_repo_ids(tmp_path, repo_id):
    root = write_export(tmp_path / "ds", V1)
    assert any("repo id" in p for p in problems_of(root, repo_id))


@pytest.mark.parametrize("repo_id", ["alice/news", "news-room/daily_v2.1", "A1/b", "x/" + "n" * 96])
def test_good_repo_ids(repo_id):
    assert publishing.check_repo_id(repo_id) == []


def test_not_an_export(tmp_path):
    (tmp_path / "empty").mkdir()
    assert "not a dataset-kit export" in problems_of(tmp_path / "empty")[0]
    assert "not a folder" in problems_of(tmp_path / "missing")[-1]


def test_shards_must_match_the_manifest(tmp_path):
    root = write_export(tmp_path / "ds", V1)
    (root / "data/train-00001-of-00002.parquet").write_bytes(b"changed")
    (root / "data/test-00000-of-00001.parquet").unlink()
    (root / "data/train-00009-of-00009.parquet").write_bytes(b"stray")
    problems = problems_of(root)
    assert any(
        p.startswith("data/train-00001-of-00002.parquet: 7 bytes on disk, manifest says")
        for p in problems
    )
    assert "data/test-00000-of-00001.parquet: listed in the manifest but missing" in problems
    assert "data/train-00009-of-00009.parquet: in data/ but not in the manifest" in problems


def test_same_size_different_content_is_caught(tmp_path):
    root = write_export(tmp_path / "ds", V1)
    path = root / "data/train-00000-of-00002.parquet"
    data = bytearray(path.read_bytes())
    data[100] ^= 0xFF
    path.write_bytes(bytes(data))
    assert problems_of(root) == [
        "data/train-00000-of-00002.parquet: sha256 differs from the manifest (file changed)"
    ]


def test_unlisted_assets_and_cards_are_problems(tmp_path):
    root = write_export(tmp_path / "ds", V1, croissant=False)
    (root / "assets" / "extra.png").write_bytes(png(1, 1, 0))
    (root / "croissant.json").write_text("{}")
    problems = problems_of(root)
    assert "assets/extra.png: in assets/ but not in the manifest" in problems
    assert "croissant.json: in the folder but not in the manifest" in problems


def test_manifest_must_list_the_card_and_only_publishable_files(tmp_path):
    root = write_export(tmp_path / "ds", V1)
    manifest_path = root / ".dataset-kit/manifest.json"
    data = json.loads(manifest_path.read_text())
    data["files"] = [f for f in data["files"] if f["path"] != "README.md"]
    data["files"].append(
        {
            "path": "notes.txt",
            "role": "asset",
            "bytes": 0,
            "sha256": "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
            "split": None,
            "rows": None,
        }
    )
    (root / "notes.txt").write_text("")
    manifest_path.write_text(json.dumps(data))
    problems = problems_of(root)
    assert "README.md: not listed in the manifest (run `dataset-kit card DIR`)" in problems
    assert any(
        p.startswith("notes.txt: listed in the manifest but not publishable") for p in problems
    )


@pytest.mark.parametrize(
    ("overrides", "expected"),
    [
        ({"license": None}, "README.md metadata: license: missing"),
        (
            {"license": "not-a-license"},
            "README.md metadata: license: unknown value 'not-a-license'",
        ),
        ({"task_categories": ["news-reading"]}, "task_categories: unknown value 'news-reading'"),
        ({"language": ["english"]}, "language: unknown value 'english'"),
        ({"size_categories": ["tiny"]}, "size_categories: unknown value 'tiny'"),
    ],
)
def test_card_metadata_must_pass_the_vocabulary_check(tmp_path, overrides, expected):
    root = write_export(tmp_path / "ds", V1, metadata=card_metadata(V1, **overrides))
    problems = problems_of(root)
    assert len(problems) == 1 and problems[0].startswith("README.md metadata: ")
    assert expected in problems[0]


def test_card_without_metadata_or_with_broken_yaml(tmp_path):
    root = write_export(tmp_path / "ds", V1)
    readme = root / "README.md"
    readme.write_text("# No metadata\n")
    _refresh_card_entry(root)
    assert problems_of(root) == ["README.md: no YAML metadata block (--- ... ---) at the top"]

    readme.write_text("---\nlicense: mit\nlanguage: [en\n---\n# Broken\n")
    _refresh_card_entry(root)
    (problem,) = problems_of(root)
    assert problem.startswith("README.md line 3: invalid YAML metadata")

    readme.write_text("---\n- a list\n---\n")
    _refresh_card_entry(root)
    assert problems_of(root) == ["README.md: the YAML metadata must be a mapping"]


def _refresh_card_entry(root: Path) -> None:
    from dataset_kit.manifest import describe_file, write_manifest

    manifest = load_manifest(root)
    manifest.set_file(describe_file(root, "README.md", "card"))
    write_manifest(root, manifest)


def test_card_configs_and_split_sizes_must_match_the_shards(tmp_path):
    metadata = card_metadata(V1)
    metadata["configs"][0]["data_files"] = [
        {"split": "train", "path": "data/train-*"},
        {"split": "validation", "path": "data/validation-*"},
    ]
    metadata["dataset_info"]["splits"][0]["num_examples"] = 99
    metadata["dataset_info"]["splits"].append({"name": "extra", "num_examples": 1})
    root = write_export(tmp_path / "ds", V1, metadata=metadata)
    problems = problems_of(root)
    assert (
        "README.md: configs[default] data_files pattern 'data/validation-*' matches no shard"
        in problems
    )
    assert (
        "README.md: no configs data_files pattern covers data/test-00000-of-00001.parquet"
        in problems
    )
    assert "README.md: dataset_info says split train has 99 rows, the manifest says 20" in problems
    assert "README.md: dataset_info lists split 'extra', which the export does not have" in problems


def test_all_problems_are_listed_at_once_and_nothing_is_sent(runner, hub, tmp_path):
    root = write_export(tmp_path / "ds", V1, metadata=card_metadata(V1, license=None))
    (root / "data/test-00000-of-00001.parquet").unlink()
    result = runner.invoke(
        cli, ["publish", str(root), "--repo-id", "bad id"], env={"HF_TOKEN": hub.write_token}
    )
    assert result.exit_code == 2
    err = result.stderr
    assert err.startswith(f"Error: {root}: not ready to publish, nothing was sent (")
    assert "repo id 'bad id' is not OWNER/NAME" in err
    assert "data/test-00000-of-00001.parquet: listed in the manifest but missing" in err
    assert "license: missing" in err
    assert hub.requests == []


def test_missing_export_folder_via_cli(runner, hub, tmp_path):
    result = runner.invoke(
        cli, ["publish", str(tmp_path / "nope"), "--repo-id", REPO], env={"HF_TOKEN": "x"}
    )
    assert result.exit_code == 2 and "not a folder" in result.stderr
    assert hub.requests == []


# -- the diff and batching --------------------------------------------------------------


def test_diff_compares_lfs_sha256_and_git_blob_ids(tmp_path):
    root = write_export(tmp_path / "ds", V1)
    files = {f.path: f for f in load_manifest(root).files}
    shard = files["data/train-00000-of-00002.parquet"]
    card = files["README.md"]
    remote = {
        shard.path: publishing.RemoteFile(shard.path, shard.bytes, "x" * 40, shard.sha256),
        card.path: publishing.RemoteFile(
            card.path, card.bytes, publishing.git_blob_oid(root / "README.md")
        ),
        "data/old-00000-of-00001.parquet": publishing.RemoteFile(
            "data/old-00000-of-00001.parquet", 5, "y", "0" * 64
        ),
        "assets/old.png": publishing.RemoteFile("assets/old.png", 3, "z", "1" * 64),
        "other/keep.bin": publishing.RemoteFile("other/keep.bin", 3, "w", "2" * 64),
        ".gitattributes": publishing.RemoteFile(".gitattributes", 10, "v"),
        "data": publishing.RemoteFile("data", 1, "u"),  # never deleted: not under data/
    }
    changes, unchanged = publishing.diff(root, files.values(), remote)
    assert unchanged == ["README.md", shard.path]
    assert [(c.action, c.path) for c in changes] == [
        ("add", "assets/sizes.png"),
        ("add", "croissant.json"),
        ("add", "data/test-00000-of-00001.parquet"),
        ("add", "data/train-00001-of-00002.parquet"),
        ("delete", "assets/old.png"),
        ("delete", "data/old-00000-of-00001.parquet"),
    ]

    assert not any(c.stored for c in changes)

    # A renamed shard: its content is already stored on the Hub, so it costs no upload.
    moved = publishing.RemoteFile("data/moved.parquet", shard.bytes, "m" * 40, shard.sha256)
    renamed = {"data/moved.parquet": moved}
    changes, _ = publishing.diff(root, [shard], renamed)
    assert [(c.action, c.path, c.stored) for c in changes] == [
        ("add", shard.path, True),
        ("delete", "data/moved.parquet", False),
    ]

    # Same size, different content: an LFS sha256 or a git blob id tells.
    remote[shard.path] = publishing.RemoteFile(shard.path, shard.bytes, "x" * 40, "f" * 64)
    remote[card.path] = publishing.RemoteFile(card.path, card.bytes, "0" * 40)
    changes, unchanged = publishing.diff(root, files.values(), remote)
    updates = [(c.path, c.bytes, c.remote_bytes) for c in changes if c.action == "update"]
    assert updates == [
        ("README.md", card.bytes, card.bytes),
        (shard.path, shard.bytes, shard.bytes),
    ]


def test_git_blob_oid_matches_git():
    import hashlib

    path = Path(__file__)
    data = path.read_bytes()
    assert (
        publishing.git_blob_oid(path) == hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()
    )


def test_batches_put_shards_first_and_the_card_last():
    change = publishing.FileChange
    changes = [
        change("update", "README.md", 1),
        change("delete", "data/old.parquet", 1),
        change("add", "croissant.json", 1),
        change("add", "assets/a.png", 1),
        change("add", "data/b.parquet", 1),
        change("add", "data/a.parquet", 1),
    ]
    batches = publishing._batches(changes, 4)
    assert [[c.path for c in b] for b in batches] == [
        ["data/a.parquet", "data/b.parquet", "assets/a.png", "croissant.json"],
        ["data/old.parquet", "README.md"],
    ]
    assert len(publishing._batches(changes, 100)) == 1


def test_plan_description_lists_every_change_with_sizes(tmp_path):
    root = write_export(tmp_path / "ds", V1)
    plan = publishing.PublishPlan(
        export_dir=root,
        repo_id=REPO,
        revision="main",
        endpoint="https://hub.example",
        private=True,
        create_pr=False,
        files=[],
        unchanged=["croissant.json"],
        changes=[
            publishing.FileChange("add", "data/a.parquet", 2_500_000),
            publishing.FileChange("update", "README.md", 1200, 900),
            publishing.FileChange("delete", "data/old.parquet", 10),
        ],
        repo_exists=False,
        repo_private=None,
        remote_head=None,
        token_source="HF_TOKEN",
        token_role="write",
        user="alice",
    )
    assert plan.describe() == [
        "Target: dataset repo alice/news on https://hub.example, revision main",
        "Repo: does not exist yet: it will be created private",
        "Token: from HF_TOKEN, user alice, write access",
        "Plan: 1 to add, 1 to update, 1 to delete, 1 unchanged; 2.5 MB to upload",
        "  add     data/a.parquet    2.5 MB",
        "  update  README.md         1.2 kB (was 900 B)",
        "  delete  data/old.parquet  10 B on the Hub",
    ]


@pytest.mark.parametrize(
    ("n", "text"),
    [(0, "0 B"), (999, "999 B"), (1000, "1.0 kB"), (1_234_567, "1.2 MB"), (5 * 10**12, "5.0 TB")],
)
def test_human_bytes(n, text):
    assert publishing.human_bytes(n) == text


# -- failures and retries ---------------------------------------------------------------


def _http_error(status: int, headers: dict[str, str] | None = None, code: str | None = None):
    from huggingface_hub.utils import hf_raise_for_status
    from huggingface_hub.utils import httpx as httpx2

    request = httpx2.Request("POST", "http://127.0.0.1:1/api/datasets/a/b/commit/main")
    all_headers = dict(headers or {})
    if code:
        all_headers["X-Error-Code"] = code
    response = httpx2.Response(status, json={"error": "boom"}, headers=all_headers, request=request)
    try:
        hf_raise_for_status(response)
    except Exception as exc:
        return exc
    raise AssertionError("no error raised")


@pytest.mark.parametrize(
    ("status", "code", "kind"),
    [
        (401, None, "auth"),
        (403, None, "forbidden"),
        (404, "RevisionNotFound", "revision"),
        (404, "RepoNotFound", "repo"),
        (409, None, "conflict"),
        (412, None, "conflict"),
        (429, None, "rate_limited"),
        (500, None, "server"),
        (503, None, "server"),
        (408, None, "server"),
        (400, None, "rejected"),
        (422, None, "rejected"),
    ],
)
def test_http_failures_are_classified(status, code, kind):
    failure = publishing._classify(_http_error(status, code=code))
    assert failure is not None and failure.kind == kind and failure.status == status
    assert failure.message == f"HTTP {status}: boom"
    assert failure.transient == (kind in ("rate_limited", "server"))


def test_retry_after_and_ratelimit_headers():
    failure = publishing._classify(_http_error(429, {"Retry-After": "12"}))
    assert failure.retry_after == 12.0
    failure = publishing._classify(_http_error(429, {"RateLimit": '"api";r=0;t=33'}))
    assert failure.retry_after == 33.0
    assert publishing._classify(_http_error(503)).retry_after is None


def test_wrapped_and_network_failures_are_classified():
    from huggingface_hub.utils import httpx as httpx2

    try:
        try:
            raise _http_error(503)
        except Exception as inner:
            raise RuntimeError("Error while uploading 'x' to the Hub.") from inner
    except RuntimeError as outer:
        assert publishing._classify(outer).kind == "server"
    assert publishing._classify(httpx2.RemoteProtocolError("gone")).kind == "network"
    assert publishing._classify(httpx2.ConnectError("refused")).kind == "network"
    assert publishing._classify(httpx2.UnsupportedProtocol("ftp")).kind == "rejected"
    assert (
        publishing._classify(ValueError("Invalid metadata in README.md.\n- x")).kind == "rejected"
    )
    assert publishing._classify(KeyError("a bug")) is None


def test_backoff_grows_and_is_capped():
    policy = publishing.RetryPolicy(base_delay=1, max_delay=5)
    assert [policy.delay(a, None) for a in range(1, 6)] == [1, 2, 4, 5, 5]
    assert policy.delay(3, 42.0) == 42.0


def test_unexpected_errors_are_not_swallowed(hub, tmp_path, monkeypatch):
    root = write_export(tmp_path / "ds", V1)

    def broken(*args, **kwargs):
        raise KeyError("a bug, not a Hub failure")

    monkeypatch.setattr("huggingface_hub.HfApi.dataset_info", broken)
    with pytest.raises(KeyError):
        publishing.plan_publish(root, REPO, token=hub.write_token, endpoint=hub.url)


def test_an_export_in_a_store_is_refused_naming_its_url(runner, tmp_path):
    """Not folded into "s3:/bucket/ds: not a folder"."""
    result = runner.invoke(cli, ["publish", "s3://bucket/ds", "--repo-id", "me/x", "--dry-run"])
    assert result.exit_code == 2, result.output
    assert result.output.startswith("Error: s3://bucket/ds: publish reads a local export folder"), (
        result.output
    )
