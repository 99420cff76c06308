"""`dataset-kit publish` end to end against the local Hub server: first publish,
re-publish, grown and shrunk datasets, private repos, pull requests, branches, dry
runs, several commits, and where the token comes from."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from dataset_kit import publishing
from dataset_kit.cli import cli
from tests.hub_server import HubServer
from tests.publish_helpers import local_files, png, rows, write_export

pytest_plugins = ["tests.hub_fixtures"]
# huggingface_hub's LFS upload passes a file object as ``data=``, which httpx2 deprecates.
pytestmark = pytest.mark.filterwarnings("ignore:Use 'content=<...>':DeprecationWarning")

REPO = "alice/news"
V1 = {"train": [rows(0, 10), rows(10, 10)], "test": [rows(100, 5)]}


def publish_cli(runner: CliRunner, hub: HubServer, *args: str, token: str | None = None):
    env = {"HF_TOKEN": token if token is not None else hub.write_token}
    return runner.invoke(cli, ["publish", *args], env=env)


def remote_paths(hub: HubServer, revision: str = "main") -> set[str]:
    return set(hub.files(REPO, revision)) - {".gitattributes"}


def assert_matches_export(hub: HubServer, root: Path, revision: str = "main") -> None:
    remote = hub.files(REPO, revision)
    remote.pop(".gitattributes")
    assert remote == local_files(root)


def test_first_publish_uploads_exactly_the_export(runner, hub, tmp_path):
    root = write_export(tmp_path / "ds", V1)
    result = publish_cli(runner, hub, str(root), "--repo-id", REPO)
    assert result.exit_code == 0, result.output

    assert_matches_export(hub, root)
    blobs = hub.blobs(REPO)
    assert all(blobs[p].is_lfs for p in blobs if p.endswith((".parquet", ".png")))
    assert not blobs["README.md"].is_lfs and not blobs["croissant.json"].is_lfs
    assert not any(p.startswith(".dataset-kit") for p in blobs)
    commits = hub.commits(REPO)
    assert [c.title for c in commits] == ["Publish dataset with dataset-kit", "initial commit"]
    assert commits[0].author == "alice"
    assert commits[0].paths == set(local_files(root))
    assert hub.repo(REPO).private is False

    head = hub.head(REPO)
    assert f"{hub.url}/datasets/{REPO}/commit/{head}" in result.stdout
    assert "6 to add, 0 to update, 0 to delete" in result.stdout
    assert "it will be created public" in result.stdout
    assert "Verified: the 6 files on the Hub match the manifest" in result.stdout
    # The card went through the Hub's YAML validation before anything was uploaded.
    order = [r.endpoint for r in hub.requests]
    assert order.index("validate-yaml") < order.index("lfs-upload") < order.index("commit")


def test_republish_unchanged_makes_no_commit(runner, hub, tmp_path):
    root = write_export(tmp_path / "ds", V1)
    assert publish_cli(runner, hub, str(root), "--repo-id", REPO).exit_code == 0
    head = hub.head(REPO)
    hub.requests.clear()

    result = publish_cli(runner, hub, str(root), "--repo-id", REPO)
    assert result.exit_code == 0, result.output
    assert hub.head(REPO) == head
    assert len(hub.commits(REPO)) == 2
    assert hub.write_requests() == []
    assert f"Nothing to publish: {REPO} at main ({head[:12]}) already matches" in result.stdout
    assert "0 to add, 0 to update, 0 to delete, 6 unchanged" in result.stdout


def test_grown_dataset_sends_only_changed_shards_and_deletes_stale_ones(runner, hub, tmp_path):
    root = write_export(tmp_path / "ds", V1)
    assert publish_cli(runner, hub, str(root), "--repo-id", REPO).exit_code == 0

    # Same shard count: the first train shard and the test split do not change.
    grown = {"train": [rows(0, 10), rows(10, 14)], "test": [rows(100, 5)]}
    write_export(root, grown)
    hub.requests.clear()
    result = publish_cli(runner, hub, str(root), "--repo-id", REPO)
    assert result.exit_code == 0, result.output
    assert hub.commits(REPO)[0].paths == {"data/train-00001-of-00002.parquet", "README.md"}
    assert len(hub.calls("lfs-upload")) == 1
    assert "0 to add, 2 to update, 0 to delete, 4 unchanged" in result.stdout
    assert_matches_export(hub, root)

    # More shards: every train shard is renamed, the old names are stale and go in the
    # same commit; content already on the Hub (train shard 0) is not uploaded again.
    bigger = {"train": [rows(0, 10), rows(10, 14), rows(24, 9)], "test": [rows(100, 5)]}
    write_export(root, bigger)
    hub.requests.clear()
    result = publish_cli(runner, hub, str(root), "--repo-id", REPO)
    assert result.exit_code == 0, result.output
    last = hub.commits(REPO)[0]
    assert sorted(last.operations) == sorted(
        [("lfsFile", f"data/train-0000{i}-of-00003.parquet") for i in range(3)]
        + [("deletedFile", f"data/train-0000{i}-of-00002.parquet") for i in range(2)]
        + [("file", "README.md")]
    )
    assert len(hub.calls("lfs-upload")) == 1  # only the new third shard's content
    assert "3 to add, 1 to update, 2 to delete" in result.stdout
    for renamed in ("data/train-00000-of-00003.parquet", "data/train-00001-of-00003.parquet"):
        line = next(x for x in result.stdout.splitlines() if renamed in x)
        assert line.endswith("(content already on the Hub)")
    assert "delete  data/train-00001-of-00002.parquet" in result.stdout
    assert_matches_export(hub, root)

    # Fewer shards and a split removed: stale shards of both splits are deleted.
    write_export(root, {"train": [rows(0, 30)]})
    result = publish_cli(runner, hub, str(root), "--repo-id", REPO)
    assert result.exit_code == 0, result.output
    assert {p for p in remote_paths(hub) if p.startswith("data/")} == {
        "data/train-00000-of-00001.parquet"
    }
    assert_matches_export(hub, root)


def test_stale_assets_are_deleted_but_other_remote_files_are_kept(runner, hub, tmp_path):
    root = write_export(tmp_path / "ds", V1, assets={"a.png": png(2, 2, 1), "b.png": png(3, 3, 2)})
    assert publish_cli(runner, hub, str(root), "--repo-id", REPO).exit_code == 0
    hub.push(REPO, {"notes/keep.txt": b"kept by publish\n", ".gitignore": b"*.tmp\n"})

    write_export(root, V1, assets={"a.png": png(2, 2, 1)})
    result = publish_cli(runner, hub, str(root), "--repo-id", REPO)
    assert result.exit_code == 0, result.output
    files = hub.files(REPO)
    assert "assets/b.png" not in files
    assert files["notes/keep.txt"] == b"kept by publish\n"
    assert ".gitignore" in files


def test_private_repo(runner, hub, tmp_path):
    root = write_export(tmp_path / "ds", V1)
    result = publish_cli(runner, hub, str(root), "--repo-id", REPO, "--private")
    assert result.exit_code == 0, result.output
    assert "it will be created private" in result.stdout
    assert hub.repo(REPO).private is True
    assert_matches_export(hub, root)

    # Another user cannot see it; re-publishing as the owner sees it as private.
    assert publish_cli(runner, hub, str(root), "--repo-id", REPO, token=hub.other_token).exit_code
    again = publish_cli(runner, hub, str(root), "--repo-id", REPO, "--private")
    assert again.exit_code == 0 and "Repo: private repo" in again.stdout


def test_private_flag_refuses_an_existing_public_repo(runner, hub, tmp_path):
    root = write_export(tmp_path / "ds", V1)
    hub.create_repo(REPO)
    hub.requests.clear()
    result = publish_cli(runner, hub, str(root), "--repo-id", REPO, "--private")
    assert result.exit_code == 2
    assert "exists and is public, but --private was given" in result.stderr
    assert hub.write_requests() == []
    assert len(hub.commits(REPO)) == 1


def test_create_pr_leaves_main_alone(runner, hub, tmp_path):
    root = write_export(tmp_path / "ds", V1)
    assert publish_cli(runner, hub, str(root), "--repo-id", REPO).exit_code == 0
    main_head = hub.head(REPO)

    write_export(root, {"train": [rows(0, 10), rows(10, 12)], "test": [rows(100, 5)]})
    result = publish_cli(runner, hub, str(root), "--repo-id", REPO, "--create-pr")
    assert result.exit_code == 0, result.output
    assert hub.head(REPO) == main_head
    pr = hub.repo(REPO).pull_requests[1]
    assert (pr.target, pr.author) == ("main", "alice")
    assert_matches_export(hub, root, "refs/pr/1")
    assert f"Pull request: {hub.url}/datasets/{REPO}/discussions/1" in result.stdout
    assert "to refs/pr/1" in result.stdout
    assert "(as a pull request)" in result.stdout

    # The plan compares with main, where PR 1 is not merged: a second run proposes the
    # same changes again, as PR 2.
    second = publish_cli(runner, hub, str(root), "--repo-id", REPO, "--create-pr")
    assert second.exit_code == 0 and set(hub.repo(REPO).pull_requests) == {1, 2}


def test_someone_without_write_access_can_open_a_pr(runner, hub, tmp_path):
    root = write_export(tmp_path / "ds", V1)
    assert publish_cli(runner, hub, str(root), "--repo-id", REPO).exit_code == 0
    write_export(root, {"train": [rows(0, 25)]})

    direct = publish_cli(runner, hub, str(root), "--repo-id", REPO, token=hub.other_token)
    assert direct.exit_code == 3
    assert "no write access to alice/news" in direct.stderr
    assert "--create-pr" in direct.stderr

    pr = publish_cli(
        runner, hub, str(root), "--repo-id", REPO, "--create-pr", token=hub.other_token
    )
    assert pr.exit_code == 0, pr.output
    assert hub.repo(REPO).pull_requests[1].author == "bob"
    assert_matches_export(hub, root, "refs/pr/1")


def test_revision_and_message(runner, hub, tmp_path):
    root = write_export(tmp_path / "ds", V1)
    hub.create_repo(REPO)
    hub.create_branch(REPO, "staging")
    result = publish_cli(
        runner, hub, str(root), "--repo-id", REPO, "--revision", "staging", "-m", "March data"
    )
    assert result.exit_code == 0, result.output
    assert hub.commits(REPO, "staging")[0].title == "March data"
    assert remote_paths(hub, "main") == set()
    assert_matches_export(hub, root, "staging")
    assert "revision staging" in result.stdout


def test_missing_revision_is_an_error_and_sends_nothing(runner, hub, tmp_path):
    root = write_export(tmp_path / "ds", V1)
    hub.create_repo(REPO)
    result = publish_cli(runner, hub, str(root), "--repo-id", REPO, "--revision", "nope")
    assert result.exit_code == 4
    assert "revision does not exist" in result.stderr
    assert "Traceback" not in result.output
    assert hub.write_requests() == []

    # A repo that does not exist yet has no branches besides the main it gets.
    other = publish_cli(runner, hub, str(root), "--repo-id", "alice/new", "--revision", "dev")
    assert other.exit_code == 4
    assert "does not exist yet" in other.stderr
    assert ("dataset", "alice/new") not in hub.repos


def test_dry_run_prints_the_plan_and_writes_nothing(runner, hub, tmp_path):
    root = write_export(tmp_path / "ds", V1)
    result = publish_cli(runner, hub, str(root), "--repo-id", REPO, "--dry-run")
    assert result.exit_code == 0, result.output
    assert hub.write_requests() == []
    assert ("dataset", REPO) not in hub.repos
    out = result.stdout
    assert f"Target: dataset repo {REPO} on {hub.url}, revision main" in out
    assert "add     data/train-00000-of-00002.parquet" in out
    assert "Dry run: nothing was sent that changes the Hub." in out

    assert publish_cli(runner, hub, str(root), "--repo-id", REPO).exit_code == 0
    head = hub.head(REPO)
    write_export(root, {"train": [rows(0, 10), rows(10, 11), rows(21, 4)]})
    hub.requests.clear()
    result = publish_cli(runner, hub, str(root), "--repo-id", REPO, "--dry-run", "--create-pr")
    assert result.exit_code == 0, result.output
    assert hub.write_requests() == []
    assert hub.head(REPO) == head and not hub.repo(REPO).pull_requests
    lines = result.stdout.splitlines()
    assert any(line.split()[:2] == ["update", "README.md"] and "(was " in line for line in lines)
    assert any(
        line.split()[:2] == ["delete", "data/test-00000-of-00001.parquet"]
        and line.endswith("on the Hub")
        for line in lines
    )
    assert any(line.split()[:2] == ["add", "data/train-00002-of-00003.parquet"] for line in lines)


def test_dry_run_reports_what_would_stop_a_real_publish(runner, hub, tmp_path):
    root = write_export(tmp_path / "ds", V1)
    no_token = runner.invoke(
        cli, ["publish", str(root), "--repo-id", REPO, "--dry-run"], env={"HF_TOKEN": None}
    )
    assert no_token.exit_code == 0, no_token.output
    assert "Token: none found" in no_token.stdout
    assert "Publishing would stop here: no token" in no_token.stdout

    read_only = publish_cli(
        runner, hub, str(root), "--repo-id", REPO, "--dry-run", token=hub.read_token
    )
    assert read_only.exit_code == 0
    assert "read-only" in read_only.stdout
    assert hub.write_requests() == []


def test_offline_dry_run_plans_without_the_network(runner, hub, tmp_path, monkeypatch):
    import huggingface_hub.constants

    root = write_export(tmp_path / "ds", V1)
    monkeypatch.setattr(huggingface_hub.constants, "HF_HUB_OFFLINE", True)
    hub.requests.clear()
    result = publish_cli(runner, hub, str(root), "--repo-id", REPO, "--dry-run")
    assert result.exit_code == 0, result.output
    assert "offline mode" in result.stdout and "6 to add" in result.stdout
    assert hub.requests == []

    real = publish_cli(runner, hub, str(root), "--repo-id", REPO)
    assert real.exit_code == 5
    assert "offline mode is on" in real.stderr
    assert hub.requests == []


def test_many_files_are_committed_in_several_commits(hub, tmp_path):
    splits = {"train": [rows(i * 3, 3) for i in range(7)], "test": [rows(500, 2)]}
    root = write_export(tmp_path / "ds", splits)
    result = publishing.publish(
        root, REPO, token=hub.write_token, endpoint=hub.url, max_files_per_commit=4
    )
    commits = hub.commits(REPO)[:-1][::-1]  # oldest first, without the initial commit
    assert len(commits) == len(result.commits) == 3  # 11 files, 4 per commit
    assert [c.oid for c in commits] == [c.oid for c in result.commits]
    assert all(len(c.operations) <= 4 for c in commits)
    # Shards go first and the card last, so the card never describes missing shards.
    assert all(p.startswith("data/") for p in commits[0].paths)
    assert "README.md" in commits[-1].paths
    assert [c.title for c in commits] == [
        f"Publish dataset with dataset-kit (part {i})" for i in (1, 2, 3)
    ]
    assert result.verified_files == 11
    assert_matches_export(hub, root)

    # Shrinking deletes in the same run; deletions come before the card.
    write_export(root, {"train": [rows(0, 21)], "test": [rows(500, 2)]})
    result = publishing.publish(
        root, REPO, token=hub.write_token, endpoint=hub.url, max_files_per_commit=4
    )
    # 1 shard added, 7 deleted; the card is unchanged (same row counts).
    assert len(result.commits) == 2
    assert sum(len(c.operations) for c in hub.commits(REPO)[:2]) == 8
    assert_matches_export(hub, root)


def test_token_sources(runner, hub, tmp_path, monkeypatch):
    import huggingface_hub.constants

    root = write_export(tmp_path / "ds", V1)
    flag = runner.invoke(
        cli,
        ["publish", str(root), "--repo-id", REPO, "--dry-run", "--token", hub.write_token],
        env={"HF_TOKEN": hub.read_token},
    )
    assert "Token: from --token, user alice, write access" in flag.stdout

    env = publish_cli(runner, hub, str(root), "--repo-id", REPO, "--dry-run")
    assert "Token: from HF_TOKEN, user alice, write access" in env.stdout

    Path(huggingface_hub.constants.HF_TOKEN_PATH).write_text(hub.other_token)
    login = runner.invoke(
        cli, ["publish", str(root), "--repo-id", REPO, "--dry-run"], env={"HF_TOKEN": None}
    )
    assert "Token: from the huggingface_hub login, user bob" in login.stdout

    Path(huggingface_hub.constants.HF_TOKEN_PATH).unlink()
    none = runner.invoke(cli, ["publish", str(root), "--repo-id", REPO], env={"HF_TOKEN": None})
    assert none.exit_code == 3
    assert "no token: pass --token, set HF_TOKEN or log in" in none.stderr
    assert hub.write_requests() == []


def test_hf_endpoint_is_read_at_call_time(hub, tmp_path, monkeypatch):
    root = write_export(tmp_path / "ds", V1)
    monkeypatch.setenv("HF_TOKEN", hub.write_token)
    plan = publishing.plan_publish(root, REPO)
    assert plan.endpoint == hub.url
    assert plan.repo_exists is False and len(plan.additions) == 6


@pytest.mark.parametrize("private", [False, True])
def test_api_result_describes_what_was_done(hub, tmp_path, private):
    root = write_export(tmp_path / "ds", V1)
    seen = []
    messages: list[str] = []
    result = publishing.publish(
        root,
        REPO,
        private=private,
        token=hub.write_token,
        endpoint=hub.url,
        on_plan=seen.append,
        log=messages.append,
    )
    assert seen == [result.plan]
    assert result.committed and result.revision == "main" and result.pr_url is None
    assert result.commit_url == f"{hub.url}/datasets/{REPO}/commit/{hub.head(REPO)}"
    assert result.plan.repo_exists is False and result.plan.private is private
    assert any(m.startswith("Creating") for m in messages)


def test_offline_argument_contacts_nobody(tmp_path):
    root = write_export(tmp_path / "ds", V1)
    unreachable = "http://127.0.0.1:9"  # nothing listens on the discard port
    plan = publishing.plan_publish(
        root, REPO, offline=True, token="hf_Unused0123456789", endpoint=unreachable
    )
    assert plan.offline and plan.repo_exists is None and len(plan.additions) == 6
    assert any("offline" in blocker for blocker in plan.blockers)
    with pytest.raises(publishing.HubUnavailableError, match="offline mode is on"):
        publishing.publish(
            root, REPO, offline=True, token="hf_Unused0123456789", endpoint=unreachable
        )
