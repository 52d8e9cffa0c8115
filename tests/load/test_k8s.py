"""The Kubernetes manifests in load/k8s parse, agree with each other and ship today's locustfile."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from linkis_harness.core.workload import Workload
from linkis_harness.load.plan import write_workload_file
from linkis_harness.resources import data_dir
from linkis_harness.resources.workloads import load_workloads

K8S = data_dir("load") / "k8s"


def _docs(name: str) -> list[dict[str, Any]]:
    return [
        d for d in yaml.safe_load_all((K8S / name).read_text(encoding="utf-8")) if d
    ]


def _kind(kind: str, name: str) -> dict[str, Any]:
    for file in ("master.yaml", "worker.yaml"):
        for doc in _docs(file):
            if doc["kind"] == kind and doc["metadata"]["name"] == name:
                return doc
    raise AssertionError(f"no {kind} {name}")


def _container(deployment: dict[str, Any]) -> dict[str, Any]:
    containers = deployment["spec"]["template"]["spec"]["containers"]
    assert len(containers) == 1
    return containers[0]


@pytest.fixture(scope="module")
def kustomization() -> dict[str, Any]:
    return yaml.safe_load((K8S / "kustomization.yaml").read_text(encoding="utf-8"))


def test_kustomization_lists_every_resource_and_locust_file(
    kustomization: dict[str, Any],
) -> None:
    for resource in kustomization["resources"]:
        assert (K8S / resource).is_file(), resource
    generator = {g["name"]: g for g in kustomization["configMapGenerator"]}
    files = dict(
        entry.split("=", 1) if "=" in entry else (entry, entry)
        for entry in generator["linkis-locustfile"]["files"]
    )
    # The scenarios come with the package the image installs: the ConfigMap carries only the
    # locustfile and the workload mix, so the cluster cannot run a partial copy of them.
    assert set(files) == {"locustfile.py", "workloads.json"}
    assert files["locustfile.py"] == "../locustfile.py"
    for key, source in files.items():
        if key != "workloads.json":  # written by README step 2
            assert (K8S / source).resolve().is_file(), source
    settings = dict(
        item.split("=", 1) for item in generator["linkis-load-settings"]["literals"]
    )
    assert settings["LINKIS_LOAD_WORKLOADS"] == "/mnt/locust/workloads.json"
    assert not {"LINKIS_PASSWORD", "LINKIS_TOKEN_CODE"} & set(settings)


def test_master_deployment_and_service() -> None:
    master = _kind("Deployment", "locust-master")
    assert master["spec"]["replicas"] == 1
    labels = master["spec"]["template"]["metadata"]["labels"]
    assert master["spec"]["selector"]["matchLabels"] == labels
    args = _container(master)["args"]
    assert args[:2] == ["-f", "/mnt/locust/locustfile.py"]
    assert {"--master", "--headless", "--expect-workers"} <= set(args)
    service = _kind("Service", "locust-master")
    assert service["spec"]["selector"] == labels
    assert 5557 in {p["port"] for p in service["spec"]["ports"]}


def test_workers_reach_the_master_service_with_secret_credentials() -> None:
    worker = _kind("Deployment", "locust-worker")
    container = _container(worker)
    args = container["args"]
    assert "--worker" in args
    assert args[args.index("--master-host") + 1] == "locust-master"
    assert args[args.index("--master-port") + 1] == "5557"
    sources = container["envFrom"]
    assert {"secretRef": {"name": "linkis-credentials"}} in sources
    text = (K8S / "worker.yaml").read_text(encoding="utf-8") + (
        K8S / "master.yaml"
    ).read_text(encoding="utf-8")
    assert "LINKIS_PASSWORD" not in text.replace("LINKIS_USER/LINKIS_PASSWORD", "")


@pytest.mark.parametrize("name", ["locust-master", "locust-worker"])
def test_configmap_mounts_the_locustfile_and_workloads(
    name: str, kustomization: dict[str, Any]
) -> None:
    deployment = _kind("Deployment", name)
    spec = deployment["spec"]["template"]["spec"]
    volume = next(v for v in spec["volumes"] if v["name"] == "locustfile")
    assert volume["configMap"]["name"] == "linkis-locustfile"
    paths = {item["path"] for item in volume["configMap"]["items"]}
    assert paths == {"locustfile.py", "workloads.json"}
    mounts = {m["name"]: m["mountPath"] for m in _container(deployment)["volumeMounts"]}
    assert mounts["locustfile"] == "/mnt/locust"


def test_workload_file_for_k8s_reads_back(tmp_path: Path) -> None:
    path = tmp_path / "workloads.json"
    write_workload_file(None, path)
    data = json.loads(path.read_text(encoding="utf-8"))
    names = {item["name"] for item in data}
    assert "shell-quick" in names
    assert all(
        {"engineType", "runType", "code", "expect", "weight"} <= set(item)
        for item in data
    )
    # The locustfile rebuilds each one with the same parser the YAML loader uses.
    rebuilt = [Workload.from_mapping(item, source="k8s") for item in data]
    assert {w.name: w.expect_status for w in rebuilt} == {
        w.name: w.expect_status for w in load_workloads()
    }
