"""prefect.yaml declares a deployment per flow; every entrypoint and parameter must resolve."""
from __future__ import annotations

import importlib
import inspect
from pathlib import Path

import pytest
import yaml
from prefect import Flow

ROOT = Path(__file__).resolve().parents[2]
DEPLOYMENTS = yaml.safe_load((ROOT / "prefect.yaml").read_text("utf-8"))["deployments"]


def _flow(entrypoint: str) -> Flow:
    path, name = entrypoint.split(":")
    module = importlib.import_module(path.removesuffix(".py").replace("/", "."))
    return getattr(module, name)


@pytest.mark.parametrize("dep", DEPLOYMENTS, ids=[d["name"] for d in DEPLOYMENTS])
def test_entrypoint_is_a_flow_and_parameters_exist(dep):
    flow = _flow(dep["entrypoint"])
    assert isinstance(flow, Flow)
    accepted = set(inspect.signature(flow.fn).parameters)
    assert set(dep.get("parameters") or {}) <= accepted, dep["name"]
    assert dep["work_pool"]["name"] == "ogi-process"


def test_every_flow_has_a_deployment_and_nightly_runs_at_two_in_shanghai():
    names = {d["name"] for d in DEPLOYMENTS}
    assert {"nightly", "reparse", "backfill"} <= names
    (nightly,) = [d for d in DEPLOYMENTS if d["name"] == "nightly"]
    (schedule,) = nightly["schedules"]
    assert schedule["cron"] == "0 2 * * *" and schedule["timezone"] == "Asia/Shanghai"


def test_nightly_and_backfill_run_their_shards_as_flow_runs_of_the_shard_deployment():
    by_name = {d["name"]: d for d in DEPLOYMENTS}
    shard = by_name["shard"]
    assert _flow(shard["entrypoint"]).name == "shard" and "schedules" not in shard
    for parent in ("nightly", "backfill"):
        target = by_name[parent]["parameters"]["shard_deployment"]
        flow_name, dep_name = target.split("/")
        assert (flow_name, dep_name) == (_flow(shard["entrypoint"]).name, shard["name"])
        assert by_name[parent]["parameters"]["shard_timeout_s"] > 0
