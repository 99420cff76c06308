"""Failures while publishing, injected by the local Hub server: bad and read-only
tokens, no write access, rate limiting, server errors, dropped connections before and
after a commit lands, concurrent pushes and a card the Hub refuses. Each must end with a
clear message and exit status, leave the repo as it was or finished, never print the
token, and a re-run must finish the job."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from dataset_kit import publishing
from dataset_kit.cli import cli
from tests.hub_server import HubServer
from tests.publish_helpers import local_files, rows, write_export

pytest_plugins = ["tests.hub_fixtures"]
# huggingface_hub's LFS upload passes a file object as ``data=``, which httpx2 deprecates.
pytestmark = pytest.mark.filterwarnings("ignore:Use 'content=<...>':DeprecationWarning")

REPO = "alice/news"
V1 = {"train": [rows(0, 10), rows(10, 10)], "test": [rows(100, 5)]}
V2 = {"train": [rows(0, 10), rows(10, 12), rows(22, 6)], "test": [rows(100, 5)]}


def publish_cli(runner: CliRunner, hub: HubServer, *args: str, token: str | None = None):
    secret = token or hub.write_token
    result = runner.invoke(cli, ["publish", *args], env={"HF_TOKEN": secret})
    for text in (result.output, result.stdout, result.stderr):
        assert secret not in text
    assert "Traceback" not in result.output
    return result


def matches_export(hub: HubServer, root, revision: str = "main") -> bool:
    remote = hub.files(REPO, revision)
    remote.pop(".gitattributes")
    return remote == local_files(root)


@pytest.fixture
def published(runner, hub, tmp_path):
    """A repo holding V1, and the export folder now holding V2."""
    root = write_export(tmp_path / "ds", V1)
    assert publish_cli(runner, hub, str(root), "--repo-id", REPO).exit_code == 0
    write_export(root, V2)
    hub.requests.clear()
    return root


def test_invalid_token_is_rejected_before_anything_is_sent(runner, hub, tmp_path, fast_retry):
    root = write_export(tmp_path / "ds", V1)
    result = publish_cli(runner, hub, str(root), "--repo-id", REPO, token="hf_NotAValidToken123")
    assert result.exit_code == 3
    assert "HTTP 401" in result.stderr
    assert "did not accept the token" in result.stderr
    assert hub.write_requests() == [] and fast_retry == []


def test_read_only_token_stops_before_any_write(runner, hub, tmp_path):
    root = write_export(tmp_path / "ds", V1)
    result = publish_cli(runner, hub, str(root), "--repo-id", REPO, token=hub.read_token)
    assert result.exit_code == 3
    assert "read-only" in result.stderr
    assert hub.write_requests() == []


def test_read_only_token_is_refused_by_the_hub_too(hub, published):
    # Without the whoami hint (a hub that does not tell the token's role), the Hub's
    # own 403 on the first write must give the same clear error, and nothing changes.
    hub.fail("whoami", status=404, times=5)
    head = hub.head(REPO)
    with pytest.raises(publishing.HubAuthError) as caught:
        publishing.publish(published, REPO, token=hub.read_token, endpoint=hub.url)
    assert caught.value.exit_code == 3
    assert "HTTP 403" in str(caught.value) and "read-only" in str(caught.value)
    assert hub.read_token not in str(caught.value)
    assert hub.head(REPO) == head and hub.calls("commit") == []


def test_no_rights_in_another_namespace(runner, hub, tmp_path):
    root = write_export(tmp_path / "ds", V1)
    result = publish_cli(runner, hub, str(root), "--repo-id", "alice/new", token=hub.other_token)
    assert result.exit_code == 3
    assert "HTTP 403" in result.stderr and "no write access to alice/new" in result.stderr
    assert ("dataset", "alice/new") not in hub.repos


def test_organization_members_can_publish_to_the_org(runner, hub, tmp_path):
    root = write_export(tmp_path / "ds", V1)
    result = publish_cli(runner, hub, str(root), "--repo-id", "newsroom/daily")
    assert result.exit_code == 0, result.output
    assert hub.repo("newsroom/daily").commits[hub.head("newsroom/daily")].author == "alice"


def test_rate_limited_commit_waits_as_told_then_succeeds(runner, hub, published, fast_retry):
    hub.fail("commit", status=429, retry_after=7, times=2)
    result = publish_cli(runner, hub, str(published), "--repo-id", REPO)
    assert result.exit_code == 0, result.output
    assert fast_retry == [7.0, 7.0]
    assert "rate limited; retrying in 7 s (attempt 2 of 4)" in result.stderr
    assert len(hub.commits(REPO)) == 3  # initial, V1, V2: no duplicate
    assert matches_export(hub, published)


def test_rate_limit_longer_than_the_patience_stops_with_advice(runner, hub, published, fast_retry):
    hub.fail("commit", status=429, retry_after=3600)
    head = hub.head(REPO)
    result = publish_cli(runner, hub, str(published), "--repo-id", REPO)
    assert result.exit_code == 5
    assert "asks to wait 3600 s" in result.stderr
    assert hub.head(REPO) == head and fast_retry == []


def test_rate_limited_upload_is_retried_by_the_client(runner, hub, published, fast_retry):
    hub.fail("preupload", status=429, retry_after=3)
    hub.fail("lfs-batch", status=429, retry_after=2)
    result = publish_cli(runner, hub, str(published), "--repo-id", REPO)
    assert result.exit_code == 0, result.output
    # huggingface_hub retries these itself, waiting Retry-After + 1 s.
    assert sorted(hub.client_sleeps) == [3.0, 4.0]
    assert matches_export(hub, published)


@pytest.mark.parametrize("status", [500, 502, 503])
def test_server_errors_on_commit_are_retried_with_backoff(
    runner, hub, published, fast_retry, status
):
    hub.fail("commit", status=status, times=3)
    result = publish_cli(runner, hub, str(published), "--repo-id", REPO)
    assert result.exit_code == 0, result.output
    assert fast_retry == [0.5, 1.0, 2.0]
    assert len(hub.calls("commit", status=200)) == 1
    assert len(hub.commits(REPO)) == 3
    assert matches_export(hub, published)


@pytest.mark.parametrize(
    ("endpoint", "retried_by"),
    [
        ("whoami", "publish"),
        ("info", "publish"),
        ("paths-info", "publish"),
        ("create", "publish"),
        ("tree", "client"),  # huggingface_hub retries tree pages itself
    ],
)
def test_server_errors_on_reads_and_repo_creation_are_retried(
    hub, tmp_path, fast_retry, endpoint, retried_by
):
    root = write_export(tmp_path / "ds", V1)
    hub.fail(endpoint, status=503, times=2)
    result = publishing.publish(root, REPO, token=hub.write_token, endpoint=hub.url)
    assert result.committed and result.verified_files == 6
    assert hub.pending_failures() == 0
    expected = ([0.5, 1.0], []) if retried_by == "publish" else ([], [1, 2])
    assert (fast_retry, hub.client_sleeps) == expected
    assert matches_export(hub, root)


def test_persistent_server_errors_give_up_then_a_rerun_finishes(runner, hub, published, fast_retry):
    head = hub.head(REPO)
    hub.fail("commit", status=503, times=50)
    result = publish_cli(runner, hub, str(published), "--repo-id", REPO)
    assert result.exit_code == 5
    assert "HTTP 503" in result.stderr
    assert "Gave up after 4 attempts" in result.stderr
    assert "run the same command again" in result.stderr
    assert fast_retry == [0.5, 1.0, 2.0]
    assert hub.head(REPO) == head  # the repo is as it was

    hub.failures.clear()
    again = publish_cli(runner, hub, str(published), "--repo-id", REPO)
    assert again.exit_code == 0, again.output
    assert matches_export(hub, published)


def test_dropped_connection_before_the_commit_is_retried(runner, hub, published, fast_retry):
    hub.fail("commit", drop="before", times=2)
    result = publish_cli(runner, hub, str(published), "--repo-id", REPO)
    assert result.exit_code == 0, result.output
    assert "connection problem" in result.stderr
    assert [r.status for r in hub.calls("commit")] == [None, None, 200]
    assert len(hub.commits(REPO)) == 3
    assert matches_export(hub, published)


def test_lost_answer_after_the_commit_landed_makes_no_second_commit(
    runner, hub, published, fast_retry
):
    hub.fail("commit", drop="after")
    result = publish_cli(runner, hub, str(published), "--repo-id", REPO)
    assert result.exit_code == 0, result.output
    commits = hub.commits(REPO)
    assert len(commits) == 3 and len(hub.calls("commit")) == 1
    assert f"{hub.url}/datasets/{REPO}/commit/{commits[0].oid}" in result.stdout
    assert "landed although its answer was lost" in result.stderr
    assert "Verified" in result.stdout
    assert matches_export(hub, published)


def test_lost_answer_for_a_pull_request_opens_no_second_one(runner, hub, published, fast_retry):
    hub.fail("commit", drop="after")
    result = publish_cli(runner, hub, str(published), "--repo-id", REPO, "--create-pr")
    assert result.exit_code == 0, result.output
    assert set(hub.repo(REPO).pull_requests) == {1}
    assert f"Pull request: {hub.url}/datasets/{REPO}/discussions/1" in result.stdout
    assert matches_export(hub, published, "refs/pr/1")


def test_lost_answers_across_several_commits(hub, published, fast_retry):
    hub.fail("commit", drop="after", times=2)
    result = publishing.publish(
        published, REPO, token=hub.write_token, endpoint=hub.url, max_files_per_commit=2
    )
    ours = hub.commits(REPO)[:-2]  # without the initial commit and V1
    assert [c.oid for c in ours][::-1] == [c.oid for c in result.commits]
    assert len(hub.calls("commit")) == len(ours) == 3  # 6 changes, 2 per commit
    assert matches_export(hub, published)


def test_dropped_connections_during_upload_are_retried(runner, hub, published, fast_retry):
    hub.fail("lfs-upload", drop="before", times=2)
    hub.fail("lfs-verify", status=500)
    result = publish_cli(runner, hub, str(published), "--repo-id", REPO)
    assert result.exit_code == 0, result.output
    assert len(hub.client_sleeps) == 3
    assert matches_export(hub, published)


def test_upload_that_keeps_failing_leaves_the_repo_unchanged(runner, hub, published, fast_retry):
    head = hub.head(REPO)
    hub.fail("lfs-upload", status=503, times=1000)
    result = publish_cli(runner, hub, str(published), "--repo-id", REPO)
    assert result.exit_code == 5
    assert "HTTP 503" in result.stderr
    assert hub.head(REPO) == head and hub.calls("commit") == []

    hub.failures.clear()
    assert publish_cli(runner, hub, str(published), "--repo-id", REPO).exit_code == 0
    assert matches_export(hub, published)


def test_dropped_connection_on_repo_creation(runner, hub, tmp_path, fast_retry):
    root = write_export(tmp_path / "ds", V1)
    hub.fail("create", drop="after")
    result = publish_cli(runner, hub, str(root), "--repo-id", REPO, "--private")
    assert result.exit_code == 0, result.output
    assert hub.repo(REPO).private is True
    assert [r.status for r in hub.calls("create")] == [None, 409]
    assert matches_export(hub, root)


def test_concurrent_push_is_detected_and_reconciled(hub, published, fast_retry):
    def someone_pushes(plan):
        hub.push(REPO, {"data/intruder.parquet": b"PAR1 not ours", "README.md": b"# theirs\n"})

    result = publishing.publish(
        published, REPO, token=hub.write_token, endpoint=hub.url, on_plan=someone_pushes
    )
    assert [r.status for r in hub.calls("commit")] == [412, 200]
    assert [c.title for c in hub.commits(REPO)][:2] == [
        "Publish dataset with dataset-kit",
        "Concurrent change",
    ]
    assert result.verified_files == 7
    assert matches_export(hub, published)  # the intruding shard is gone, our card is back


def test_card_refused_by_the_hub(runner, hub, published, fast_retry):
    hub.fail("validate-yaml", status=400, message="license: not a known license")
    head = hub.head(REPO)
    result = publish_cli(runner, hub, str(published), "--repo-id", REPO)
    assert result.exit_code == 6
    assert "Invalid metadata in README.md" in result.stderr
    assert hub.head(REPO) == head
    assert hub.calls("lfs-upload") == [] and fast_retry == []


def test_commit_refused_by_the_hub_is_not_retried(hub, published, fast_retry):
    hub.fail("commit", status=422, message="Your push was rejected")
    with pytest.raises(publishing.HubRejectedError, match="HTTP 422: Your push was rejected"):
        publishing.publish(published, REPO, token=hub.write_token, endpoint=hub.url)
    assert fast_retry == [] and len(hub.calls("commit")) == 1


def test_unreachable_endpoint(tmp_path, monkeypatch, fast_retry):
    import socket

    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    root = write_export(tmp_path / "ds", V1)
    runner = CliRunner()
    result = runner.invoke(
        cli,
        ["publish", str(root), "--repo-id", REPO, "--dry-run"],
        env={"HF_ENDPOINT": f"http://127.0.0.1:{port}", "HF_TOKEN": "hf_Unused0123456789"},
    )
    assert result.exit_code == 5
    assert "connection problem: ConnectError" in result.stderr
    assert "hf_Unused0123456789" not in result.output
    assert fast_retry == [0.5, 1.0, 2.0]


def test_verification_catches_a_hub_that_stores_something_else(runner, hub, tmp_path, monkeypatch):
    from tests import hub_server

    root = write_export(tmp_path / "ds", V1)
    listed = hub_server._Handler._entry

    def wrong_size(self, path, blob):
        entry = listed(self, path, blob)
        if path == "data/test-00000-of-00001.parquet":
            entry["size"] += 1
        return entry

    monkeypatch.setattr(hub_server._Handler, "_entry", wrong_size)
    result = publish_cli(runner, hub, str(root), "--repo-id", REPO)
    assert result.exit_code == 7
    size = (root / "data/test-00000-of-00001.parquet").stat().st_size
    assert (
        f"data/test-00000-of-00001.parquet: {size + 1} bytes on the Hub, {size} here"
        in result.stderr
    )
    assert "Run the same command again to repair it." in result.stderr
