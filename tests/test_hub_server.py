"""The local Hub server is strict: it refuses what the real Hub refuses, so that the
publish tests cannot pass on requests the Hub would reject."""

from __future__ import annotations

import base64
import hashlib
import json

import pytest
from huggingface_hub.utils import httpx as httpx2  # the client huggingface_hub uses

from tests.hub_server import HubServer

pytest_plugins = ["tests.hub_fixtures"]

REPO = "alice/news"
PARQUET = b"PAR1" + bytes(range(256)) * 4 + b"PAR1"


@pytest.fixture
def client(hub: HubServer):
    with httpx2.Client(base_url=hub.url, timeout=10) as session:
        yield session


def auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def ndjson(*items: dict) -> bytes:
    return b"".join(json.dumps(item).encode() + b"\n" for item in items)


def header(summary: str = "change", **extra) -> dict:
    return {"key": "header", "value": {"summary": summary, "description": "", **extra}}


def commit(client, hub, body: bytes, *, token=None, revision="main", params=None):
    return client.post(
        f"/api/datasets/{REPO}/commit/{revision}",
        content=body,
        headers={**auth(token or hub.write_token), "Content-Type": "application/x-ndjson"},
        params=params,
    )


def upload_lfs(client, hub, data: bytes) -> str:
    """Run the LFS batch + PUT steps the client runs; return the oid."""
    oid = hashlib.sha256(data).hexdigest()
    batch = client.post(
        f"/datasets/{REPO}.git/info/lfs/objects/batch",
        json={
            "operation": "upload",
            "transfers": ["basic"],
            "objects": [{"oid": oid, "size": len(data)}],
        },
        headers={
            **auth(hub.write_token),
            "Accept": "application/vnd.git-lfs+json",
            "Content-Type": "application/vnd.git-lfs+json",
        },
    )
    assert batch.status_code == 200, batch.text
    action = batch.json()["objects"][0]["actions"]["upload"]
    assert client.put(action["href"], content=data).status_code == 200
    return oid


@pytest.fixture
def repo(hub):
    return hub.create_repo(REPO)


def test_auth_rules(client, hub, repo):
    body = ndjson(
        header(),
        {"key": "file", "value": {"path": "a.txt", "content": "YQ==", "encoding": "base64"}},
    )
    no_auth = client.post(
        f"/api/datasets/{REPO}/commit/main",
        content=body,
        headers={"Content-Type": "application/x-ndjson"},
    )
    assert no_auth.status_code == 401
    for bad in ("Bearer hf_unknown", "Token " + hub.write_token, "Bearer", hub.write_token):
        response = client.post(
            f"/api/datasets/{REPO}/commit/main",
            content=body,
            headers={"Authorization": bad, "Content-Type": "application/x-ndjson"},
        )
        assert response.status_code == 401
        assert response.headers["X-Error-Message"] == "Invalid credentials in Authorization header"
    read_only = commit(client, hub, body, token=hub.read_token)
    assert read_only.status_code == 403 and "read-only" in read_only.json()["error"]
    other = commit(client, hub, body, token=hub.other_token)
    assert other.status_code == 403 and "write access" in other.json()["error"]
    assert commit(client, hub, body).status_code == 200
    assert len(hub.commits(REPO)) == 2  # only the authorized commit landed


def test_private_repos_look_missing_to_others(client, hub):
    hub.create_repo(REPO, private=True)
    assert client.get(f"/api/datasets/{REPO}").status_code == 401
    stranger = client.get(f"/api/datasets/{REPO}", headers=auth(hub.other_token))
    assert stranger.status_code == 404 and stranger.headers["X-Error-Code"] == "RepoNotFound"
    owner = client.get(f"/api/datasets/{REPO}", headers=auth(hub.read_token))
    assert owner.status_code == 200 and owner.json()["private"] is True


def test_unknown_repo_and_revision(client, hub, repo):
    missing = client.get("/api/datasets/alice/nope", headers=auth(hub.write_token))
    assert (missing.status_code, missing.headers["X-Error-Code"]) == (404, "RepoNotFound")
    revision = client.get(f"/api/datasets/{REPO}/revision/nope", headers=auth(hub.write_token))
    assert (revision.status_code, revision.headers["X-Error-Code"]) == (404, "RevisionNotFound")
    body = ndjson(header(), {"key": "deletedFile", "value": {"path": ".gitattributes"}})
    assert commit(client, hub, body, revision="nope").status_code == 404
    unknown = client.get("/api/datasets/alice/news/unknown-endpoint")
    assert unknown.status_code == 404


MALFORMED_COMMITS = [
    (b"not json\n", "application/x-ndjson", "Malformed NDJSON"),
    (
        ndjson({"key": "file", "value": {}}),
        "application/x-ndjson",
        "first NDJSON line must be the header",
    ),
    (ndjson(header(summary="")), "application/x-ndjson", "summary must be a non-empty string"),
    (ndjson(header()), "application/x-ndjson", "at least one operation"),
    (
        ndjson(
            header(),
            {"key": "file", "value": {"path": "a.txt", "content": "%%%", "encoding": "base64"}},
        ),
        "application/x-ndjson",
        "not valid base64",
    ),
    (
        ndjson(header(), {"key": "file", "value": {"path": "a.txt", "content": "YQ=="}}),
        "application/x-ndjson",
        "encoding=base64",
    ),
    (
        ndjson(header(), {"key": "rename", "value": {"path": "a.txt"}}),
        "application/x-ndjson",
        "Unknown operation",
    ),
    (
        ndjson(
            header(),
            {"key": "file", "value": {"path": "../x", "content": "YQ==", "encoding": "base64"}},
        ),
        "application/x-ndjson",
        "Invalid path",
    ),
    (
        ndjson(
            header(),
            {
                "key": "file",
                "value": {"path": ".git/x", "content": "YQ==", "encoding": "base64"},
            },
        ),
        "application/x-ndjson",
        "Invalid path",
    ),
    (
        ndjson(
            header(),
            {"key": "deletedFile", "value": {"path": ".gitattributes"}},
            {"key": "deletedFile", "value": {"path": ".gitattributes"}},
        ),
        "application/x-ndjson",
        "appears twice",
    ),
    (
        ndjson(
            header(),
            {
                "key": "file",
                "value": {"path": "a.txt", "content": "YQ==", "encoding": "base64"},
            },
        ),
        "application/json",
        "Unsupported Content-Type",
    ),
]


@pytest.mark.parametrize(
    ("body", "content_type", "message"), MALFORMED_COMMITS, ids=[c[2] for c in MALFORMED_COMMITS]
)
def test_malformed_commits_are_rejected(client, hub, repo, body, content_type, message):
    response = client.post(
        f"/api/datasets/{REPO}/commit/main",
        content=body,
        headers={**auth(hub.write_token), "Content-Type": content_type},
    )
    assert response.status_code == 400, response.text
    assert message in response.json()["error"]
    assert len(hub.commits(REPO)) == 1


def test_binary_and_lfs_tracked_files_must_go_through_lfs(client, hub, repo):
    inline = base64.b64encode(PARQUET).decode()
    body = ndjson(
        header(),
        {
            "key": "file",
            "value": {"path": "data/x.parquet", "content": inline, "encoding": "base64"},
        },
    )
    response = commit(client, hub, body)
    assert response.status_code == 400 and "Please use LFS" in response.json()["error"]
    binary = base64.b64encode(b"\0\1\2 not text").decode()
    body = ndjson(
        header(),
        {"key": "file", "value": {"path": "notes.txt", "content": binary, "encoding": "base64"}},
    )
    assert commit(client, hub, body).status_code == 400


def test_lfs_pointer_must_name_an_uploaded_object_of_that_size(client, hub, repo):
    oid = hashlib.sha256(PARQUET).hexdigest()
    pointer = {"path": "data/x.parquet", "algo": "sha256", "oid": oid, "size": len(PARQUET)}
    response = commit(client, hub, ndjson(header(), {"key": "lfsFile", "value": pointer}))
    assert response.status_code == 400 and "does not exist" in response.json()["error"]

    upload_lfs(client, hub, PARQUET)
    wrong_size = {**pointer, "size": len(PARQUET) + 1}
    assert (
        commit(client, hub, ndjson(header(), {"key": "lfsFile", "value": wrong_size})).status_code
        == 400
    )
    ok = commit(client, hub, ndjson(header(), {"key": "lfsFile", "value": pointer}))
    assert ok.status_code == 200
    assert hub.files(REPO)["data/x.parquet"] == PARQUET
    assert hub.blobs(REPO)["data/x.parquet"].is_lfs


def test_lfs_upload_checks_size_sha256_and_presigning(client, hub, repo):
    oid = hashlib.sha256(PARQUET).hexdigest()
    batch = client.post(
        f"/datasets/{REPO}.git/info/lfs/objects/batch",
        json={
            "operation": "upload",
            "transfers": ["basic"],
            "objects": [{"oid": oid, "size": len(PARQUET)}],
        },
        headers={
            **auth(hub.write_token),
            "Accept": "application/vnd.git-lfs+json",
            "Content-Type": "application/vnd.git-lfs+json",
        },
    )
    href = batch.json()["objects"][0]["actions"]["upload"]["href"]
    assert client.put(href, content=PARQUET[:-1]).status_code == 400  # size
    tampered = bytearray(PARQUET)
    tampered[10] ^= 1
    response = client.put(href, content=bytes(tampered))
    assert response.status_code == 400 and "sha256" in response.json()["error"]
    assert client.put(href, content=PARQUET, headers=auth(hub.write_token)).status_code == 400
    assert client.put(f"{hub.url}/lfs-upload/{'0' * 64}", content=PARQUET).status_code == 403
    assert oid not in repo.lfs_objects
    assert client.put(href, content=PARQUET).status_code == 200
    assert repo.lfs_objects[oid] == PARQUET

    # An object already stored needs no upload action.
    again = client.post(
        f"/datasets/{REPO}.git/info/lfs/objects/batch",
        json={"operation": "upload", "objects": [{"oid": oid, "size": len(PARQUET)}]},
        headers={
            **auth(hub.write_token),
            "Accept": "application/vnd.git-lfs+json",
            "Content-Type": "application/vnd.git-lfs+json",
        },
    )
    assert "actions" not in again.json()["objects"][0]


@pytest.mark.parametrize(
    "payload",
    [
        {"operation": "download", "objects": [{"oid": "a" * 64, "size": 1}]},
        {"operation": "upload", "objects": []},
        {"operation": "upload", "objects": [{"oid": "xyz", "size": 1}]},
        {"operation": "upload", "objects": [{"oid": "a" * 64, "size": -1}]},
        {"operation": "upload", "objects": [{"oid": "a" * 64}]},
        {"operation": "upload", "transfers": ["ssh"], "objects": [{"oid": "a" * 64, "size": 1}]},
    ],
)
def test_malformed_lfs_batches_are_rejected(client, hub, repo, payload):
    response = client.post(
        f"/datasets/{REPO}.git/info/lfs/objects/batch",
        json=payload,
        headers={
            **auth(hub.write_token),
            "Accept": "application/vnd.git-lfs+json",
            "Content-Type": "application/vnd.git-lfs+json",
        },
    )
    assert response.status_code == 400


def test_preupload_is_strict_and_reports_modes(client, hub, repo):
    url = f"/api/datasets/{REPO}/preupload/main"
    sample = base64.b64encode(b"# hello\n").decode()
    bad_json = client.post(
        url, content=b"{", headers={**auth(hub.write_token), "Content-Type": "application/json"}
    )
    assert bad_json.status_code == 400 and "Malformed JSON" in bad_json.json()["error"]
    missing = client.post(
        url, json={"files": [{"path": "README.md", "size": 8}]}, headers=auth(hub.write_token)
    )
    assert missing.status_code == 400
    ok = client.post(
        url,
        json={
            "files": [
                {"path": "README.md", "sample": sample, "size": 8},
                {"path": "data/a.parquet", "sample": sample, "size": 8},
                {"path": "big.txt", "sample": sample, "size": 20 * 1024 * 1024},
                {"path": ".gitattributes", "sample": sample, "size": 8},
            ]
        },
        headers=auth(hub.write_token),
    )
    assert ok.status_code == 200
    modes = {f["path"]: (f["uploadMode"], "oid" in f) for f in ok.json()["files"]}
    assert modes == {
        "README.md": ("regular", False),
        "data/a.parquet": ("lfs", False),
        "big.txt": ("lfs", False),
        ".gitattributes": ("regular", True),
    }
    unknown_param = client.post(
        url, params={"foo": "1"}, json={"files": []}, headers=auth(hub.write_token)
    )
    assert unknown_param.status_code == 400


def test_stale_parent_commit_is_refused(client, hub, repo):
    first = hub.head(REPO)
    hub.push(REPO, {"notes.txt": b"someone else\n"})
    body = ndjson(
        header(parentCommit=first), {"key": "deletedFile", "value": {"path": "notes.txt"}}
    )
    response = commit(client, hub, body)
    assert response.status_code == 412
    body = ndjson(
        header(parentCommit=hub.head(REPO)), {"key": "deletedFile", "value": {"path": "notes.txt"}}
    )
    assert commit(client, hub, body).status_code == 200


def test_deleting_a_missing_file_is_an_error(client, hub, repo):
    body = ndjson(header(), {"key": "deletedFile", "value": {"path": "nope.txt"}})
    response = commit(client, hub, body)
    assert (response.status_code, response.headers["X-Error-Code"]) == (404, "EntryNotFound")


def test_pull_requests(client, hub, repo):
    body = ndjson(
        header("proposal"),
        {"key": "file", "value": {"path": "a.txt", "content": "YQ==", "encoding": "base64"}},
    )
    opened = commit(client, hub, body, token=hub.other_token, params={"create_pr": "1"})
    assert opened.status_code == 200
    assert opened.json()["pullRequestUrl"] == f"{hub.url}/datasets/{REPO}/discussions/1"
    assert "a.txt" not in hub.files(REPO) and hub.files(REPO, "refs/pr/1")["a.txt"] == b"a"
    # The PR author may push more commits to the PR; others without access may not.
    more = ndjson(
        header("more"),
        {"key": "file", "value": {"path": "b.txt", "content": "Yg==", "encoding": "base64"}},
    )
    assert (
        commit(client, hub, more, token=hub.other_token, revision="refs%2Fpr%2F1").status_code
        == 200
    )
    hub.add_token("hf_CarolWrite0123456789", "carol")
    assert (
        commit(
            client, hub, more, token="hf_CarolWrite0123456789", revision="refs%2Fpr%2F1"
        ).status_code
        == 403
    )
    assert commit(client, hub, more, revision="refs%2Fpr%2F9").status_code == 404
    assert [c.title for c in hub.commits(REPO, "refs/pr/1")][:2] == ["more", "proposal"]


def test_tree_paths_info_and_pagination_through_the_real_client(hub, repo):
    from huggingface_hub import HfApi
    from huggingface_hub.hf_api import RepoFile, RepoFolder

    hub.push(
        REPO,
        {f"data/train-{i:05d}.parquet": PARQUET + bytes([i]) for i in range(7)}
        | {"README.md": b"# x\n"},
    )
    hub.tree_page_size = 3
    api = HfApi(endpoint=hub.url, token=hub.write_token)
    tree = list(api.list_repo_tree(REPO, recursive=True, repo_type="dataset"))
    assert len(hub.calls("tree")) == 4  # 10 entries, 3 per page
    files = {e.path: e for e in tree if isinstance(e, RepoFile)}
    assert {e.path for e in tree if isinstance(e, RepoFolder)} == {"data"}
    assert len(files) == 9
    shard = files["data/train-00003.parquet"]
    assert shard.size == len(PARQUET) + 1
    assert shard.lfs.sha256 == hashlib.sha256(PARQUET + bytes([3])).hexdigest()
    assert files["README.md"].lfs is None
    assert files["README.md"].blob_id == hashlib.sha1(b"blob 4\0# x\n").hexdigest()

    top = list(api.list_repo_tree(REPO, repo_type="dataset"))
    assert sorted(e.path for e in top) == [".gitattributes", "README.md", "data"]
    info = api.get_paths_info(REPO, ["README.md", "data", "missing"], repo_type="dataset")
    assert [type(e).__name__ for e in info] == ["RepoFile", "RepoFolder"]
    with pytest.raises(Exception, match="404"):
        list(api.list_repo_tree(REPO, path_in_repo="nope", repo_type="dataset"))


def test_paths_info_limits_and_form_encoding(client, hub, repo):
    url = f"/api/datasets/{REPO}/paths-info/main"
    too_many = client.post(
        url, data={"paths": [f"f{i}" for i in range(1001)]}, headers=auth(hub.write_token)
    )
    assert too_many.status_code == 413
    as_json = client.post(url, json={"paths": ["README.md"]}, headers=auth(hub.write_token))
    assert as_json.status_code == 400


def test_injected_failures(client, hub, repo):
    hub.fail("info", status=429, retry_after=9, times=2)
    for _ in range(2):
        limited = client.get(f"/api/datasets/{REPO}")
        assert limited.status_code == 429
        assert limited.headers["Retry-After"] == "9"
        assert limited.headers["RateLimit"] == '"api";r=0;t=9'
    assert client.get(f"/api/datasets/{REPO}").status_code == 200

    hub.fail("info", drop="before")
    with pytest.raises(httpx2.RemoteProtocolError):
        client.get(f"/api/datasets/{REPO}")
    assert client.get(f"/api/datasets/{REPO}").status_code == 200

    body = ndjson(
        header("lost"),
        {"key": "file", "value": {"path": "a.txt", "content": "YQ==", "encoding": "base64"}},
    )
    hub.fail("commit", drop="after")
    with pytest.raises(httpx2.RemoteProtocolError):
        commit(client, hub, body)
    assert hub.commits(REPO)[0].title == "lost"  # applied, though the answer was lost
    assert [r.status for r in hub.calls("commit")] == [None]
    assert hub.pending_failures() == 0

    with pytest.raises(ValueError):
        hub.fail("no-such-endpoint")


def test_validate_yaml(client, hub):
    url = "/api/validate-yaml"
    good = client.post(
        url, json={"content": "---\nlicense: mit\n---\n# x\n", "repoType": "dataset"}
    )
    assert good.status_code == 200 and good.json() == {"errors": [], "warnings": []}
    bad = client.post(url, json={"content": "---\nlicense: [mit\n---\n", "repoType": "dataset"})
    assert bad.status_code == 400 and "Invalid YAML" in bad.json()["errors"][0]["message"]
    typed = client.post(url, json={"content": "---\nlicense: {a: 1}\n---\n", "repoType": "dataset"})
    assert typed.status_code == 400
    assert client.post(url, json={"content": "x", "repoType": "bucket"}).status_code == 400


def test_repo_creation_rules(client, hub):
    def create(token, **payload):
        return client.post("/api/repos/create", json=payload, headers=auth(token))

    assert (
        create(hub.write_token, name="news", type="dataset", visibility="private").status_code
        == 200
    )
    assert hub.repo(REPO).private is True and hub.repo(REPO).owner == "alice"
    again = create(hub.write_token, name="news", type="dataset")
    assert again.status_code == 409 and again.json()["url"] == f"{hub.url}/datasets/{REPO}"
    assert create(hub.read_token, name="other", type="dataset").status_code == 403
    assert create(hub.write_token, name="x", organization="bob", type="dataset").status_code == 403
    assert (
        create(hub.write_token, name="x", organization="newsroom", type="dataset").status_code
        == 200
    )
    assert create(hub.write_token, name="bad--name", type="dataset").status_code == 400
    assert create(hub.write_token, name="x2", type="dataset", extra=1).status_code == 400
