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
    assert "linkis-harness check" in text
    assert "--junit-xml" in text
    assert "--sla" in text
    for line in text.splitlines():
        if "PASSWORD" in line and ":" in line and not line.lstrip().startswith("#"):
            assert "secrets." in line, line
