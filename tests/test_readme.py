"""The README's examples, pasted in order into a shell on a fresh server, do what it says."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import httpx

from tests.test_cli import server

README = Path(__file__).resolve().parent.parent / "README.md"
# What is not pasted: the commands that install or start a server (the test starts its own),
# and the stream that never ends.
SKIPPED = ("make ", "pickbay serve", "curl -N", "git clone", "cd pickbay")


def examples(text: str) -> list[str]:
    """The shell examples: indented blocks that call curl or the pickbay command."""
    blocks: list[str] = []
    for block in re.findall(r"(?:^|\n\n)((?: {4}.*(?:\n|$))+)", text):
        lines = [line[4:] for line in block.splitlines()]
        code = "\n".join(lines).strip()
        if ("curl " in code or ".venv/bin/pickbay " in code) and not any(
            skip in code for skip in SKIPPED
        ):
            blocks.append(code)
    return blocks


def test_the_readme_has_the_examples_this_test_runs() -> None:
    found = examples(README.read_text())
    assert len(found) >= 8
    assert any("/pickbay/v1/clock/advance" in b for b in found)
    assert any("oauth/token" in b for b in found)


def test_every_readme_example_works_in_order_on_a_fresh_server(
    tmp_path: Path, free_port: int
) -> None:
    env = {
        **os.environ,
        "PICKBAY_DATABASE_URL": f"sqlite:///{tmp_path / 'readme.db'}",
        "PICKBAY_ADMIN_TOKEN": "dev",
    }
    venv = tmp_path / ".venv" / "bin"
    venv.mkdir(parents=True)
    (venv / "pickbay").symlink_to(Path(sys.executable).parent / "pickbay")
    (tmp_path / "examples").symlink_to(README.parent / "examples")
    base = f"http://127.0.0.1:{free_port}"
    script = ["set -euo pipefail"]
    for block in examples(README.read_text()):
        code = block.replace("http://127.0.0.1:8080", base)
        # Each call must succeed: curl fails on an error status (and says which).
        script.append(re.sub(r"\bcurl\b", "curl --fail-with-body -sS", code))
    with server(free_port, env) as url:
        done = subprocess.run(
            ["bash", "-c", "\n".join(script)],
            cwd=tmp_path,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
        admin = {"Authorization": "Bearer dev"}
        clock = httpx.get(url + "/pickbay/v1/clock", headers=admin).json()
        assert clock["paused"] is False  # the clock example ends with the clock running
        numbers = {
            o["number"]
            for o in httpx.get(url + "/pickbay/v1/orders", headers=admin).json()["orders"]
        }
        assert {"8e7c4ac1", "A-1", "Sample Put Order", "16feb_033"} <= numbers
        hooks = httpx.get(url + "/pickbay/v1/webhooks", headers=admin).json()["webhooks"]
        assert [h["url"] for h in hooks] == ["http://127.0.0.1:9000/notifications"]
