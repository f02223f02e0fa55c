"""Running the real ``terraform`` against the provider mirror, offline, in a test directory.

Tests that need it are marked ``needs_terraform``: they skip, saying why, where ``terraform`` or
the unpacked ``hashicorp/aws`` 5.100.0 provider is absent. The environment is minimal (no
proxies, no AWS variables, no version check), so nothing leaves the machine.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

MIRROR = Path(os.environ.get("EASTWEST_TF_MIRROR", "/opt/tf-plugins"))
PROVIDER = MIRROR / "registry.terraform.io" / "hashicorp" / "aws" / "5.100.0"

CLI_CONFIG = """provider_installation {{
  filesystem_mirror {{
    path    = "{mirror}"
    include = {sources}
  }}
  direct {{
    exclude = {sources}
  }}
}}
"""
AWS = "hashicorp/aws"


def _skip_reason() -> str:
    if shutil.which("terraform") is None:
        return "terraform is not on PATH"
    if not PROVIDER.is_dir():
        return f"the hashicorp/aws 5.100.0 provider mirror is absent ({PROVIDER})"
    return ""


needs_terraform = pytest.mark.skipif(bool(_skip_reason()), reason=_skip_reason())


@dataclass(frozen=True)
class Terraform:
    directory: Path
    env: dict[str, str]

    def run(self, *args: str, ok: tuple[int, ...] = (0,)) -> subprocess.CompletedProcess[str]:
        done = subprocess.run(
            ["terraform", f"-chdir={self.directory}", *args, "-no-color"],
            env=self.env,
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
        assert done.returncode in ok, f"terraform {args[0]}: {done.stdout}\n{done.stderr}"
        return done

    def init(self) -> None:
        self.run("init", "-input=false")

    def no_changes(self) -> bool:
        """Whether ``terraform plan`` proposes nothing at all (exit 0 with -detailed-exitcode)."""
        done = self.run("plan", "-input=false", "-detailed-exitcode", ok=(0, 2))
        return done.returncode == 0

    def plan_json(self) -> dict[str, Any]:
        """The saved plan of the configuration, as ``terraform show -json`` prints it."""
        self.run("plan", "-input=false", "-out=tfplan")
        shown: dict[str, Any] = json.loads(self.run("show", "-json", "tfplan").stdout)
        return shown


def mirrored(source: str) -> bool:
    """Whether the mirror holds some version of provider ``source`` (``namespace/type``)."""
    return (MIRROR / "registry.terraform.io" / source).is_dir()


def terraform(directory: Path, home: Path, providers: tuple[str, ...] = (AWS,)) -> Terraform:
    """``providers`` (``namespace/type``) are installed from the mirror, and only from it."""
    home.mkdir(parents=True, exist_ok=True)
    config = home / "cli.tfrc"
    sources = json.dumps([f"registry.terraform.io/{p}" for p in providers])
    config.write_text(CLI_CONFIG.format(mirror=MIRROR, sources=sources))
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(home),
        "TF_CLI_CONFIG_FILE": str(config),
        "TF_IN_AUTOMATION": "1",
        "CHECKPOINT_DISABLE": "1",  # no version check over the network
        "NO_PROXY": "127.0.0.1,localhost",
    }
    return Terraform(directory, env)


def actions(plan: dict[str, Any]) -> dict[str, list[str]]:
    """Address → planned actions, with ``import`` added for resources being imported."""
    return {
        rc["address"]: [
            *rc["change"]["actions"],
            *(["import"] if "importing" in rc["change"] else []),
        ]
        for rc in plan.get("resource_changes", [])
    }
