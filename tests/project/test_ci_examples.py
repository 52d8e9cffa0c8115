"""The CI recipes in examples/ci/ are valid for their CI systems (checked against the schemas
that check-jsonschema vendors, offline) and use the harness the way the README documents."""

import json
from importlib import resources
from pathlib import Path

import jsonschema
import pytest
import yaml

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "ci"
SCHEMAS = {
    "github-actions.yml": "github-workflows.json",
    "gitlab-ci.yml": "gitlab-ci.json",
}


def _schema(name: str) -> dict[str, object]:
    vendor = resources.files("check_jsonschema.builtin_schemas.vendor")
    return json.loads(vendor.joinpath(name).read_text(encoding="utf-8"))


@pytest.mark.parametrize(("example", "schema"), sorted(SCHEMAS.items()))
def test_example_validates_against_its_ci_schema(example: str, schema: str) -> None:
    document = yaml.safe_load((EXAMPLES / example).read_text(encoding="utf-8"))
    if True in document:  # YAML 1.1 reads GitHub's `on:` key as the boolean true
        document["on"] = document.pop(True)
    validator = jsonschema.Draft7Validator(_schema(schema))
    errors = sorted(validator.iter_errors(document), key=lambda e: list(e.path))
    assert not errors, [f"{list(e.path)}: {e.message}" for e in errors]


def test_broken_recipe_is_rejected_by_the_same_schema() -> None:
    broken = {
        "on": "push",
        "jobs": {"check": {"runs-on": "ubuntu-latest", "steps": "run it"}},
    }
    validator = jsonschema.Draft7Validator(_schema("github-workflows.json"))
    assert list(validator.iter_errors(broken))


@pytest.mark.parametrize("example", sorted(SCHEMAS))
def test_secrets_come_from_the_ci_store_not_the_file(example: str) -> None:
    text = (EXAMPLES / example).read_text(encoding="utf-8")
    assert "--sla" in text
    for line in text.splitlines():
        if "PASSWORD" in line and ":" in line and not line.lstrip().startswith("#"):
            assert "secrets." in line or "$LINKIS_" in line, line


def test_gitlab_recipe_runs_check_with_a_peer_user_and_junit() -> None:
    text = (EXAMPLES / "gitlab-ci.yml").read_text(encoding="utf-8")
    assert "linkis-harness check --peer-user" in text
    assert "--junit-xml" in text


@pytest.mark.parametrize("example", sorted(SCHEMAS))
def test_recipes_install_from_the_repository_pinned(example: str) -> None:
    """No `linkis-harness` package exists on the index: a bare `pip install linkis-harness` fails."""
    text = (EXAMPLES / example).read_text(encoding="utf-8")
    installs = [
        line.strip()
        for line in text.splitlines()
        if "pip install" in line and "#" not in line
    ]
    assert installs
    for line in installs:
        assert not line.endswith("pip install linkis-harness"), line
        assert (
            "./linkis-harness" in line
            or "git+${LINKIS_HARNESS_REPO}@${LINKIS_HARNESS_REF}" in line
        )


def test_github_recipe_checks_through_the_repository_action() -> None:
    document = yaml.safe_load(
        (EXAMPLES / "github-actions.yml").read_text(encoding="utf-8")
    )
    steps = document["jobs"]["check"]["steps"]
    fetch = next(s for s in steps if s.get("uses", "").startswith("actions/checkout"))
    assert (
        fetch["with"]["ref"] == "${{ vars.LINKIS_HARNESS_REF }}"
    )  # pinned by the user
    check = next(s for s in steps if s.get("uses") == "./" + fetch["with"]["path"])
    action = yaml.safe_load((ROOT / "action.yml").read_text(encoding="utf-8"))
    # Every input the recipe gives is one the action declares; the peer user is passed.
    assert set(check["with"]) <= set(action["inputs"])
    assert check["with"]["peer-user"]
    assert "LINKIS_PASSWORD" in check["env"]


# -- action.yml --------------------------------------------------------------------------------

ROOT = EXAMPLES.parents[1]


def _action() -> dict[str, object]:
    return yaml.safe_load((ROOT / "action.yml").read_text(encoding="utf-8"))


def test_action_validates_against_the_action_schema() -> None:
    validator = jsonschema.Draft7Validator(_schema("github-actions.json"))
    errors = sorted(validator.iter_errors(_action()), key=lambda e: list(e.path))
    assert not errors, [f"{list(e.path)}: {e.message}" for e in errors]


def test_a_broken_action_is_rejected_by_the_same_schema() -> None:
    broken = dict(_action())
    broken["runs"] = {"using": "composite", "steps": [{"run": "echo no shell"}]}
    validator = jsonschema.Draft7Validator(_schema("github-actions.json"))
    assert list(validator.iter_errors(broken))


def test_action_installs_from_its_checkout_runs_check_and_reports() -> None:
    action = _action()
    runs = action["runs"]
    assert isinstance(runs, dict)
    assert runs["using"] == "composite"
    steps = runs["steps"]
    text = yaml.safe_dump(steps)
    assert 'pip install "${{ github.action_path }}"' in text
    assert 'linkis-harness "${args[@]}"' in text
    assert "args=(check " in text
    assert "--peer-user" in text
    assert "GITHUB_STEP_SUMMARY" in text
    upload = next(
        s for s in steps if str(s.get("uses", "")).startswith("actions/upload-artifact")
    )
    assert upload["with"]["path"] == "${{ inputs.report-dir }}"
    # Every input is used by a step (an unused input is a typo somewhere).
    inputs = action["inputs"]
    assert isinstance(inputs, dict)
    for name in inputs:
        assert f"inputs.{name}" in text, name
