"""The CLI: execid output, --help of every subcommand, usage errors (exit 2, no traceback)."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from linkis_harness import cli
from linkis_harness.core.execid import ExecId
from linkis_harness.resources import data_dir

SEED_LEGACY = "030418IDEhivebdpdwc010004:10087IDE_johnnwang_21"
SEED_V1 = "exec_id018014linkis-cg-entrancelocalhost:9104IDE_hadoop_spark_0"
SUBCOMMANDS = sorted(cli.cli.commands)


def _run(argv: list[str]) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = cli.run(argv, out, err)
    return code, out.getvalue(), err.getvalue()


def test_the_interface_has_the_five_subcommands() -> None:
    assert {"check", "load", "rules", "serve", "execid"} <= set(SUBCOMMANDS)


def test_execid_prints_one_json_object_per_id() -> None:
    code, out, err = _run(["execid", SEED_LEGACY, SEED_V1])
    assert code == 0
    assert err == ""
    lines = out.splitlines()
    assert [json.loads(line) for line in lines] == [
        ExecId.parse(SEED_LEGACY).describe(),
        ExecId.parse(SEED_V1).describe(),
    ]
    legacy = json.loads(lines[0])
    assert legacy["creator"] == "IDE"
    assert legacy["application"] == "hive"
    assert legacy["instance"] == "bdpdwc010004:10087"
    assert (legacy["group"], legacy["index"]) == ("IDE_johnnwang", 21)
    assert json.loads(lines[1])["format"] == "1.x"


def test_execid_exits_1_when_one_id_does_not_parse() -> None:
    garbled = SEED_V1.replace("018014", "018x14")
    code, out, err = _run(["execid", SEED_V1, garbled, "nope"])
    assert code == 1
    assert [json.loads(line)["short_id"] for line in out.splitlines()] == [
        "IDE_hadoop_spark_0"
    ]
    errors = err.splitlines()
    assert len(errors) == 2
    assert errors[0].startswith(
        f"error: execID {garbled!r} (1.x layout): at offset 10:"
    )
    assert "expected the 3-digit length of the instance, got 'x14'" in errors[0]
    assert errors[1].startswith("error: execID 'nope':")
    assert "Traceback" not in err


@pytest.mark.parametrize(
    "argv", [["--help"], ["-h"], *([name, "--help"] for name in SUBCOMMANDS)]
)
def test_help_exits_0(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = _run(argv)
    assert code == 0
    assert err == ""
    shown = capsys.readouterr().out
    command = " ".join(["linkis-harness", *argv[:-1]])
    assert f"Usage: {command}" in shown


@pytest.mark.parametrize(
    ("argv", "message", "command"),
    [
        (["bogus"], "error: No such command 'bogus'.", "linkis-harness"),
        (["--nope"], "error: No such option '--nope'.", "linkis-harness"),
        (["execid"], "error: Missing argument 'ID...'.", "linkis-harness execid"),
        (
            ["check", "--profile", "huge"],
            "error: Invalid value for '--profile': 'huge' is not one of",
            "linkis-harness check",
        ),
        (
            ["serve", "--port", "70000"],
            "error: Invalid value for '--port'",
            "linkis-harness serve",
        ),
        (
            ["load", "--spawn-rate", "0"],
            "error: Invalid value for '--spawn-rate': 0.0 is not in the range x>0.",
            "linkis-harness load",
        ),
    ],
)
def test_usage_errors_exit_2_with_one_line_and_a_hint(
    argv: list[str], message: str, command: str
) -> None:
    code, out, err = _run(argv)
    assert code == 2
    assert out == ""
    lines = err.splitlines()
    assert lines[0].startswith(message)
    assert lines[1:] == ["", f"Run '{command} --help'."]
    assert "Traceback" not in err


def test_main_exits_with_the_run_code(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr("sys.argv", ["linkis-harness", "execid", "nope"])
    with pytest.raises(SystemExit) as info:
        cli.main()
    assert info.value.code == 1
    assert "error: execID 'nope'" in capsys.readouterr().err


def test_rules_needs_its_rule_file_when_a_target_is_given() -> None:
    code, out, err = _run(["rules", "--target", "http://127.0.0.1:9"])
    assert code == 2
    assert out == ""
    assert (
        "give at least one of --proxy-rules, --token-rules, --token-table, "
        "--gateway-properties with --target" in err
    )
    assert "Traceback" not in err


def _long_options(command: str) -> set[str]:
    cmd = cli.cli.commands[command]
    return {opt for p in cmd.params for opt in p.opts if opt.startswith("--")}


def test_commands_that_talk_to_a_target_accept_the_same_connection_options() -> None:
    shared = {
        "--target",
        "--user",
        "--password",
        "--token-code",
        "--token-user",
        "--peer-user",
        "--peer-password",
        "--timeout",
        "--insecure",
        "--rate-limit",
        "--max-jobs",
        "--dry-run",
        "--read-only",
        "--linkis-version",
    }
    for command in ("check", "load", "rules"):
        assert shared <= _long_options(command), command


def test_rules_accepts_the_peer_account_check_needs() -> None:
    rules = data_dir("fixtures") / "rules" / "proxy.properties"
    argv = ["rules", "--proxy-rules", str(rules), "--lint-only", "--peer-user", "bob"]
    code, out, err = _run(argv)
    assert (code, err) == (0, ""), err
    assert "0 error(s)" in out


@pytest.mark.parametrize("command", ["check", "load", "rules"])
def test_a_bad_linkis_version_is_refused_by_every_command(command: str) -> None:
    code, out, err = _run([command, "--dry-run", "--linkis-version", "2.0"])
    assert code == 2
    assert out == ""
    assert err.startswith("error: --linkis-version: Linkis 2.0 is unknown")


def test_load_writes_the_workload_file_the_locustfile_reads(tmp_path: Path) -> None:
    path = tmp_path / "wl.json"
    code, out, err = _run(["load", "--write-workloads", str(path)])
    assert (code, err) == (0, ""), err
    data = json.loads(path.read_text(encoding="utf-8"))
    names = [item["name"] for item in data]
    assert "shell-quick" in names
    assert out == f"wrote {len(data)} workload(s) to {path}\n"


def test_load_write_workloads_names_an_unwritable_file(tmp_path: Path) -> None:
    path = tmp_path / "missing-dir" / "wl.json"
    code, out, err = _run(["load", "--write-workloads", str(path)])
    assert code == 2
    assert out == ""
    assert err.startswith(f"error: --write-workloads: cannot write {path}:")
