"""A policy with an inspected rule carrying applications, users and a schedule; its membership
from a literal inventory; a fake firewall and eastwest's adapter on it, built as the product
builds them (``session.make_firewall`` from a sandbox section)."""

from __future__ import annotations

import textwrap
from pathlib import Path
from xml.etree import ElementTree as ET

import pytest

pytest.importorskip("panos")

from moto_fixtures.panos import PanosServer
from moto_fixtures.panos.fleet import describe_fleet
from orchestrator.compile.membership import Membership, resolve_membership
from orchestrator.model import load_policy
from orchestrator.model.policy import Policy
from orchestrator.state import Network, Scope, ScopeInventory
from providers.panos.adapter import PanosAdapter
from providers.panos.session import make_firewall

from .policies import inspected_hub

LABEL = "aws/us-east-1a"
SCOPE = Scope("aws", "111111111111", "us-east-1")
POLICY = (
    inspected_hub()
    + """\
segments:
  - {name: web, members: [{account: aws-prod, region: us-east-1, vpc: vpc-web}]}
  - {name: db, members: [{account: aws-prod, region: us-east-1, vpc: vpc-db}]}
  - {name: ops, members: [{account: aws-prod, region: us-east-1, vpc: vpc-ops}]}
rules:
  - name: web-to-db
    from: web
    to: db
    ports: [tcp/5432]
    inspect: true
    applications: [postgres]
    users: ['ACME\\app-web']
    groups: ['cn=web-apps,ou=groups,dc=acme,dc=example']
    schedule: {days: [mon, tue, wed, thu, fri], hours: ['06:00-22:00']}
    category: payments
  - {name: ops-to-web, from: ops, to: web, ports: [tcp/22, tcp/8000-8100], inspect: true}
  - {name: ops-to-db, from: ops, to: db, ports: [tcp/5432]}
"""
)
INVENTORY = ScopeInventory(
    SCOPE,
    networks=(
        Network("vpc-web", ("10.1.0.0/16",)),
        Network("vpc-db", ("10.2.0.0/16", "10.3.0.0/24")),
        Network("vpc-ops", ("10.9.0.0/24",)),
    ),
)


def load(tmp_path: Path, text: str = POLICY) -> Policy:
    path = tmp_path / "policy.yaml"
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return load_policy([path]).policy


def membership_of(policy: Policy) -> Membership:
    return resolve_membership(policy, {SCOPE: INVENTORY})


@pytest.fixture
def adapter(panos_server: PanosServer) -> PanosAdapter:
    sandbox = {"panos": describe_fleet({LABEL: panos_server})}
    firewall, admin = make_firewall(LABEL, sandbox=sandbox)
    return PanosAdapter(firewall, LABEL, "eastwest-acme-", admin=admin, poll=0.02)


def outside_section(config: ET.Element, prefix: str = "eastwest-acme-") -> bytes:
    """A running configuration without eastwest's objects: what must never change. The
    containers made to hold them (``<service/>`` where the device had no service yet) are
    dropped once empty, on both sides of a comparison."""
    tree = ET.fromstring(ET.tostring(config))
    for parent in list(tree.iter()):
        for child in list(parent):
            if child.get("name", "").startswith(prefix) or child.get("name") == "eastwest":
                parent.remove(child)
    for parent in list(tree.iter()):
        for child in list(parent):
            if child.tag in ("service", "schedule") and len(child) == 0 and not child.attrib:
                parent.remove(child)
    return ET.tostring(tree)
