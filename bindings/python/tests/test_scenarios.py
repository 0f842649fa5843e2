"""Replays every file of tests/scenarios through the package API (see scenario_harness.py).

Each file must pass; steps marked ``bug`` must fail as expected (listed as known core bugs) —
exactly what the Rust harness demands, so both agree. When ``KAMKOR_RUST_SCENARIO_LOG`` names the
output of the Rust harness (``cargo test ... --test scenarios -- --nocapture``), the per-file
status, step counts and known-bug steps are compared with it as well.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import Dict, List, Tuple

import pytest
from scenario_harness import FileReport, run_file, scenario_files

FILES = scenario_files()
BUGS_FAIL = os.environ.get("SCENARIO_BUGS_FAIL", "") not in ("", "0")
TRACE = os.environ.get("SCENARIO_TRACE", "") not in ("", "0")
REPORTS: Dict[str, FileReport] = {}


def report_of(path: Path) -> FileReport:
    if path.name not in REPORTS:
        REPORTS[path.name] = run_file(path, trace=TRACE)
    return REPORTS[path.name]


def bug_steps(path: Path) -> List[int]:
    steps = json.loads(path.read_text(encoding="utf-8"))["steps"]
    return [i for i, s in enumerate(steps) if "bug" in s]


def test_every_scenario_file_is_found() -> None:
    assert len(FILES) >= 14, FILES


@pytest.mark.parametrize("path", FILES, ids=[p.stem for p in FILES])
def test_scenario(path: Path) -> None:
    r = report_of(path)
    for b in r.known_bugs:
        print(f"known core bug (step expected to fail until fixed): {b}")
    failures = list(r.failures) + ([f"known core bug: {b}" for b in r.known_bugs] if BUGS_FAIL else [])
    assert not failures, f"{len(failures)} failure(s):\n\n" + "\n\n".join(failures)
    steps = len(json.loads(path.read_text(encoding="utf-8"))["steps"])
    assert r.steps == steps, "every step ran"
    listed = [int(m.group(1)) for m in (re.search(r" step (\d+) ", b) for b in r.known_bugs) if m]
    assert listed == bug_steps(path), "exactly the steps marked `bug` are known bugs"


def parse_rust_log(text: str) -> Dict[str, Tuple[int, str, List[int]]]:
    """file -> (steps, ok/FAILED, known-bug step numbers) from the Rust harness's output."""
    out: Dict[str, Tuple[int, str, List[int]]] = {}
    for m in re.finditer(r"^scenario (\S+)\s+(\d+) steps\s+(ok|FAILED)$", text, re.M):
        out[m.group(1)] = (int(m.group(2)), m.group(3), [])
    for m in re.finditer(r"known core bug \(step expected to fail until fixed\): (\S+) step (\d+) ", text):
        if m.group(1) in out:
            out[m.group(1)][2].append(int(m.group(2)))
    return out


@pytest.mark.skipif(not os.environ.get("KAMKOR_RUST_SCENARIO_LOG"), reason="no Rust harness log given")
def test_agrees_with_the_rust_harness() -> None:
    rust = parse_rust_log(Path(os.environ["KAMKOR_RUST_SCENARIO_LOG"]).read_text(encoding="utf-8"))
    assert rust, "the Rust log lists no scenario"
    ours = {}
    for p in FILES:
        r = report_of(p)
        bugs = [int(m.group(1)) for m in (re.search(r" step (\d+) ", b) for b in r.known_bugs) if m]
        ours[p.name] = (r.steps, "ok" if not r.failures else "FAILED", bugs)
    assert ours == rust


def write_scenario(tmp: Path, name: str, steps: List[Dict[str, object]]) -> Path:
    p = tmp / f"{name}.json"
    p.write_text(json.dumps({"name": name, "description": "harness self-test", "profile": "kyrgyzstan",
                             "clock": "2026-11-23T09:00:00Z", "users": [], "steps": steps}), encoding="utf-8")
    return p


def test_the_harness_fails_loudly_on_unknown_ops_and_arguments(tmp_path: Path) -> None:
    r = run_file(write_scenario(tmp_path, "unknown-op", [{"as": "admin", "op": "teleport"}]))
    assert r.failures and "unknown op `teleport`" in r.failures[0]
    r = run_file(write_scenario(tmp_path, "unknown-arg", [{"as": "admin", "op": "whoami", "args": {"x": 1}}]))
    assert r.failures and "unknown arguments ['x']" in r.failures[0]
    r = run_file(write_scenario(tmp_path, "no-session", [{"op": "whoami"}]))
    assert r.failures and "needs `as`" in r.failures[0]


def test_the_harness_checks_expectations_and_bug_markers(tmp_path: Path) -> None:
    steps: List[Dict[str, object]] = [
        {"as": "admin", "op": "whoami", "expect": {"match": {"/login": "admin"}, "save": {"me": "/id"}}},
        {"as": "admin", "op": "whoami", "expect": {"match": {"/id": "$me", "/role": {"$len": 13}}}},
        {"as": "admin", "op": "whoami", "bug": "pretend", "expect": {"match": {"/login": "nobody"}}},
        {"as": "admin", "op": "get_child", "args": {"id": "00000000000000000000000000000000"},
         "expect": {"error": {"code": "ACCESS_DENIED", "reason": "NO_PERMISSION", "field": None}}},
    ]
    r = run_file(write_scenario(tmp_path, "self-test", steps))
    assert r.failures == [] and len(r.known_bugs) == 1 and r.steps == 4
    steps[2]["expect"] = {"match": {"/login": "admin"}}
    r = run_file(write_scenario(tmp_path, "self-test", steps))
    assert r.failures and "remove the `bug` marker" in r.failures[0]
    steps[3]["expect"] = {"error": {"code": "CONFLICT"}}
    r = run_file(write_scenario(tmp_path, "self-test", steps))
    assert any("error /code" in f for f in r.failures)
