"""deploy/alerts.yml: every rule has a promtool case that fires it and one that does not, says
what to do, and passes ``promtool test rules``; deploy/alertmanager.yml is valid for amtool and
routes pages and warnings where its comments say (nothing is sent)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.sidecar_process import REPO_ROOT

DEPLOY = REPO_ROOT / "deploy"
CASES = REPO_ROOT / "tests" / "deploy" / "alerts.test.yml"
TIMEOUT = 120


def _tool(name: str, package: str) -> str:
    binary = shutil.which(name)
    assert binary, f"{name} is missing: sh scripts/install-system-deps.sh {package}"
    return binary


def _rules() -> dict[str, dict[str, Any]]:
    groups = yaml.safe_load((DEPLOY / "alerts.yml").read_text())["groups"]
    return {rule["alert"]: rule for group in groups for rule in group["rules"]}


def _cases() -> dict[str, Any]:
    cases: dict[str, Any] = yaml.safe_load(CASES.read_text())
    return cases


def test_the_shipped_configuration_loads_the_rules() -> None:
    config = yaml.safe_load((DEPLOY / "prometheus.yml").read_text())
    assert config["rule_files"] == ["alerts.yml"]
    checked = subprocess.run(
        [_tool("promtool", "prometheus"), "check", "rules", str(DEPLOY / "alerts.yml")],
        capture_output=True, text=True, timeout=TIMEOUT,
    )
    assert checked.returncode == 0, checked.stdout + checked.stderr


def test_every_rule_says_what_to_do_and_has_a_case_each_way() -> None:
    rules = _rules()
    assert len(rules) >= 10
    fires, quiet = set(), set()
    for case in _cases()["tests"]:
        for check in case["alert_rule_test"]:
            (fires if check["exp_alerts"] else quiet).add(check["alertname"])
    assert fires == set(rules) and quiet == set(rules)
    for name, rule in rules.items():
        action = rule["annotations"]["action"]
        assert len(action.split()) >= 8 and action.endswith("."), name
        assert rule["labels"]["severity"] in ("page", "warn"), name
        assert rule["annotations"]["summary"], name


def test_promtool_runs_every_case(tmp_path: Path) -> None:
    """The cases, with each firing alert's `action` taken from the rule (one place for it)."""
    rules = _rules()
    cases = _cases()
    cases["rule_files"] = [str(DEPLOY / "alerts.yml")]
    for case in cases["tests"]:
        for check in case["alert_rule_test"]:
            for alert in check["exp_alerts"]:
                alert["exp_annotations"]["action"] = rules[check["alertname"]]["annotations"][
                    "action"
                ]
    copy = tmp_path / "alerts.test.yml"
    copy.write_text(yaml.safe_dump(cases, sort_keys=False))
    ran = subprocess.run(
        [_tool("promtool", "prometheus"), "test", "rules", str(copy)],
        capture_output=True, text=True, timeout=TIMEOUT,
    )
    assert ran.returncode == 0, ran.stdout + ran.stderr
    assert "SUCCESS" in ran.stdout


@pytest.mark.parametrize(("labels", "receiver"), [
    (["severity=page", "alertname=LegendaNoWorker"], "on-call"),
    (["severity=warn", "alertname=LegendaQueueBacklog"], "team-email"),
])
def test_the_alertmanager_example_is_valid_and_routes_by_severity(
    labels: list[str], receiver: str
) -> None:
    amtool = _tool("amtool", "prometheus-alertmanager")
    config = f"--config.file={DEPLOY / 'alertmanager.yml'}"
    checked = subprocess.run(
        [amtool, "check-config", str(DEPLOY / "alertmanager.yml")],
        capture_output=True, text=True, timeout=TIMEOUT,
    )
    assert checked.returncode == 0, checked.stdout + checked.stderr
    routed = subprocess.run(
        [amtool, "config", "routes", "test", config, *labels],
        capture_output=True, text=True, timeout=TIMEOUT,
    )
    assert routed.returncode == 0 and routed.stdout.strip() == receiver, routed
