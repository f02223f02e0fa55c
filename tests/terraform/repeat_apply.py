"""Apply the sandbox policy's Terraform N times against one sandbox daemon; count re-sent calls.

``python -m tests.terraform.repeat_apply N [DIR]``: per round, the AWS fake is reset and seeded
as ``sandbox_dir`` does, ``eastwest synth`` writes the configuration and ``terraform apply``
runs it with ``TF_LOG=DEBUG``; a line per round gives the exit code, the seconds and the calls
the provider re-sent (``retrying request`` in its log). The measure of docs/sandbox.md, "Whole
responses". Needs terraform and the provider mirror (``runner.py``).
"""

from __future__ import annotations

import shutil
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from click.testing import CliRunner

from moto_fixtures.aws.seed import seed_landing_zone
from moto_fixtures.sandbox import load_sandbox, sandbox_down, sandbox_up
from orchestrator.cli import main
from tests.terraform.runner import terraform

POLICY = Path(__file__).parents[2] / "policies" / "examples" / "sandbox.yaml"


def _post(url: str, method: str) -> None:
    with urllib.request.urlopen(urllib.request.Request(url, method=method), timeout=30):
        pass


def one_round(sandbox: Path, out: Path) -> tuple[int, int]:
    """Reset, seed, synth and apply; the apply's exit code and how many calls it re-sent."""
    state = load_sandbox(sandbox)
    _post(state["control_url"] + "/_eastwest/reset", "POST")
    endpoint = state["aws"]["endpoint_url"]
    _post(endpoint + "/moto-api/reset", "POST")
    seed_landing_zone(endpoint)
    args = ["--sandbox", str(sandbox), "synth", str(POLICY), "--out", str(out)]
    assert CliRunner().invoke(main, args).exit_code == 0
    tf = terraform(out, out.parent / "home")
    log = out / "terraform.log"
    tf.env.update({"TF_LOG": "DEBUG", "TF_LOG_PATH": str(log)})
    tf.init()
    code = tf.run("apply", "-auto-approve", "-input=false", ok=(0, 1)).returncode
    return code, log.read_text(errors="replace").count("retrying request")


def main_(rounds: int, root: Path) -> int:
    sandbox = root / "sandbox"
    sandbox_up(sandbox)
    failed = resent = 0
    try:
        for n in range(rounds):
            start = time.monotonic()
            code, retries = one_round(sandbox, root / f"round{n}")
            failed, resent = failed + (code != 0), resent + retries
            print(f"round {n}: exit {code}, {time.monotonic() - start:.0f} s, {retries} re-sent")
    finally:
        sandbox_down(sandbox)
    print(f"{failed} of {rounds} applies failed; {resent} calls re-sent")
    return 1 if failed else 0


if __name__ == "__main__":
    given = Path(sys.argv[2]) if len(sys.argv) > 2 else Path(tempfile.mkdtemp(prefix="tfrepeat-"))
    try:
        sys.exit(main_(int(sys.argv[1]) if len(sys.argv) > 1 else 5, given))
    finally:
        if len(sys.argv) <= 2:
            shutil.rmtree(given, ignore_errors=True)
