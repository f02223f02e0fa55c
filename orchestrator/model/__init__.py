"""The policy model: policy files in, a validated ``Policy`` out.

In: one or more YAML files in the version-1 format (DESIGN.md, "Policy file";
``docs/policy.md``). Out: ``LoadedPolicy`` — a frozen pydantic ``Policy``, the warnings, and a
way to turn any later diagnostic's field path back into a file and line
(``LoadedPolicy.locate``).

What always holds:

- every problem is collected before anything is raised: ``load_policy`` raises one
  ``PolicyError`` carrying all errors, each with file, line, column and field path;
- a ``Policy`` that comes out is structurally valid *and* passed the semantic checks
  (names resolve, declared CIDRs do not overlap across segments, members sit in regions their
  account lists, …), so later stages can index by name without checking again;
- loading touches only the given files: no network, no cloud SDK import.

Modules: ``source`` (YAML → data + locations), ``policy`` (the models), ``ports`` (port specs),
``checks`` (semantic checks), ``loader`` (the pipeline), ``schema`` (JSON Schema).
"""

from orchestrator.model.checks import check_policy
from orchestrator.model.loader import LoadedPolicy, load_policy
from orchestrator.model.policy import (
    AlibabaAccount,
    AwsAccount,
    AzureAccount,
    Cloud,
    Firewall,
    Hub,
    Inspection,
    Member,
    Policy,
    Quotas,
    Rule,
    Segment,
)
from orchestrator.model.ports import PortRange, parse_port_spec
from orchestrator.model.schema import policy_json_schema

__all__ = [
    "AlibabaAccount",
    "AwsAccount",
    "AzureAccount",
    "Cloud",
    "Firewall",
    "Hub",
    "Inspection",
    "LoadedPolicy",
    "Member",
    "Policy",
    "PortRange",
    "Quotas",
    "Rule",
    "Segment",
    "check_policy",
    "load_policy",
    "parse_port_spec",
    "policy_json_schema",
]
