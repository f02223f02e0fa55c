"""What ``eastwest synth`` does: the desired state as Terraform JSON, with import blocks.

In: a loaded policy, an output directory, and whether to adopt what exists. Out: the files
``terraform.synthesize`` makes, written to the directory; the exit code. ``synthesis_for`` hands
a program of the user's own (a CDKTF app, ``terraform/cdktf.py``) the same inputs instead.
Always: no write call reaches a cloud; with imports on, an owned resource that cannot be read
stops the command (a configuration that misses an import would create a duplicate), and owned
resources the policy no longer wants are named, as Terraform will not manage them, and so are
what the configuration cannot declare (appliance mode) and routes whose place an unowned route
holds (Terraform would fail to create them).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from orchestrator import console
from orchestrator.commands import EXIT_ERROR, EXIT_OK, AdapterCache, Context
from orchestrator.compile.membership import resolve_membership
from orchestrator.compile.ngfw import compile_firewalls
from orchestrator.diagnostics import Diagnostic, has_errors, warning
from orchestrator.errors import EastwestError, ObservationError, PolicyError
from orchestrator.model import load_policy
from orchestrator.model.policy import Policy
from orchestrator.pipeline import Compiled, compile_for, observe_scopes
from orchestrator.state import DesiredScope, DesiredState, ObservedScope, Scope, ScopeInventory
from orchestrator.state.ngfw import FirewallState
from providers.base import RuleIdReader, TransitReader
from terraform import caveats, check_references, import_ids, synthesize, write_files
from terraform.world import World

if TYPE_CHECKING:
    from orchestrator.model import LoadedPolicy

# Clouds whose Terraform module needs the subnets and their route tables (Azure: one
# association resource per subnet).
_NEEDS_WORLD = frozenset({"azure"})


def _azure_exclusive(policy: Policy) -> list[str]:
    """Segments that would take the user's NSGs off Azure subnets."""
    return [
        s.name
        for s in policy.segments
        if policy.attach_mode(s) == "exclusive"
        and any(policy.account(m.account).cloud == "azure" for m in s.members)
    ]


@dataclass(frozen=True, slots=True)
class Synthesis:
    """What ``synth`` synthesizes from; ``terraform.cdktf.add_to_stack`` takes the same."""

    desired: DesiredState
    world: World
    native: dict[str, str]
    sandbox: dict[str, Any] | None
    # Per hub firewall, its rulebase (the `panos` module): what `eastwest apply` writes there.
    firewalls: Mapping[str, FirewallState] = field(default_factory=dict)


def prepare(ctx: Context, loaded: LoadedPolicy, *, imports: bool) -> Synthesis:
    """Compile, and read what exists for import blocks; raises EastwestError when there is
    nothing to synthesize (the diagnostics saying why are printed)."""
    shared = [a.name for a in loaded.policy.accounts if getattr(a, "existing_nsgs", "") == "share"]
    if shared:
        # The azurerm module would associate eastwest's NSG with subnets that hold the user's,
        # replacing it: refuse rather than hand Terraform that.
        raise EastwestError(
            f"existing_nsgs: share (account {shared[0]!r}) is applied by `eastwest apply` and "
            "`eastwest run` only; synth cannot express rules inside NSGs eastwest does not own "
            "yet. Nothing was written."
        )
    taken = _azure_exclusive(loaded.policy)
    if taken:
        raise EastwestError(
            f"attach: exclusive on Azure (segment {taken[0]!r}) is applied by `eastwest apply` "
            "and `eastwest run` only: it records the NSG it takes off a subnet and puts it back "
            "later, which Terraform cannot. Nothing was written."
        )
    sandbox = ctx.sandbox()
    adapters = AdapterCache(loaded.policy.name, sandbox)
    compiled = compile_for(loaded.policy, adapters, console.progress)
    console.print_diagnostics(loaded.locate(d) if d.path else d for d in compiled.diagnostics)
    if compiled.desired is None or compiled.failed:
        raise EastwestError("no configuration was made; nothing was written")
    if compiled.skipped:
        # Terraform made from part of the clouds would destroy what the unread part holds.
        raise EastwestError(
            f"{len(compiled.skipped)} scope(s) could not be read; no configuration was made, "
            "nothing was written"
        )
    world = _world(compiled, compiled.desired, adapters)
    native = _native_ids(compiled, compiled.desired, adapters, world) if imports else {}
    firewalls = _firewalls(loaded, compiled)
    return Synthesis(compiled.desired, world, native, sandbox, firewalls)


def _firewalls(loaded: LoadedPolicy, compiled: Compiled) -> dict[str, FirewallState]:
    """The hub firewalls' rulebases from the same inventory; their errors stop the command."""
    membership = resolve_membership(loaded.policy, compiled.inventory)
    firewalls, diags = compile_firewalls(loaded.policy, membership)
    console.print_diagnostics(loaded.locate(d) if d.path else d for d in diags)
    if has_errors(diags):
        raise EastwestError("the firewalls' rulebase has errors; nothing was written")
    return firewalls


def synthesis_for(
    policies: Sequence[Path], *, sandbox: Path | None = None, imports: bool = True
) -> Synthesis:
    """``prepare`` for a program of the user's own (a CDKTF app's ``main.py``): the policy
    files are loaded here and their problems printed with file and line."""
    try:
        loaded = load_policy(policies)
    except PolicyError as exc:
        console.print_diagnostics(exc.diagnostics)
        raise
    console.print_diagnostics(loaded.warnings)
    made = prepare(Context(sandbox, no_colour=False), loaded, imports=imports)
    console.print_diagnostics(caveats(made.desired))
    return made


def run_synth(ctx: Context, loaded: LoadedPolicy, out: Path, imports: bool) -> int:
    try:
        made = prepare(ctx, loaded, imports=imports)
        files = synthesize(made.desired, made.native, made.sandbox, made.world, made.firewalls)
        console.print_diagnostics(caveats(made.desired))
    except (EastwestError, ValueError) as exc:
        return _fail(str(exc))
    problems = check_references(files)
    if problems:  # a generator bug: refuse to hand Terraform a configuration that cannot load
        return _fail("the generated configuration is inconsistent: " + "; ".join(problems))
    written = write_files(out, files)
    imported = sum(len(doc.get("import", [])) for doc in files.values())
    click.echo(f"Wrote {len(written)} file(s) to {out} ({imported} import block(s)).")
    click.echo(f"Next: terraform -chdir={out} init && terraform -chdir={out} plan")
    if "panos/main.tf.json" in files:
        fw = out / "panos"
        click.echo("The hub firewalls' rulebase is a root of its own (PaloAltoNetworks/panos):")
        click.echo(f"  terraform -chdir={fw} init && terraform -chdir={fw} plan")
    return EXIT_OK


def _world(compiled: Compiled, desired: DesiredState, adapters: AdapterCache) -> World:
    """What the Azure module needs beyond the desired state: each VNet's subnets with their
    prefixes and each subnet's route table (its subnet associations are resources of their
    own). Read again here, as compiling does not keep it; reads only."""
    inventory: dict[Scope, ScopeInventory] = {}
    tables: dict[Scope, Mapping[str, str]] = {}
    for scope in sorted(desired.scopes):
        if scope.cloud not in _NEEDS_WORLD:
            continue
        adapter = adapters(compiled.scopes[scope])
        inventory[scope] = adapter.inventory(scope.region)
        if isinstance(adapter, TransitReader):
            tables[scope] = adapter.transit_inventory(scope, []).subnet_tables
    return World(desired.targets, inventory, tables)


def _native_ids(
    compiled: Compiled, desired: DesiredState, adapters: AdapterCache, world: World
) -> dict[str, str]:
    """Key → import id of everything the policy wants that already exists (rules included):
    the adapter's native ids where its rules have ids of their own (AWS), and the ids each
    generator builds from the observation."""
    observed = observe_scopes(desired, compiled.scopes, adapters, console.progress)
    native: dict[str, str] = {}
    composite: dict[str, str] = {}
    for scope, seen in sorted(observed.items()):
        if isinstance(seen, ObservationError):
            raise EastwestError(
                f"{scope} could not be read ({seen}); without it the import blocks would be "
                "incomplete. Retry, or pass --no-imports"
            )
        adapter = adapters(compiled.scopes[scope])
        if isinstance(adapter, RuleIdReader):
            native |= {k: ref.id for k, ref in seen.native.items()}
            native |= adapter.rule_ids(seen)
        wants = desired.scopes.get(scope)
        if wants is not None:
            composite |= import_ids(desired.policy, wants, seen, world)
        console.print_diagnostics(_unmanaged(seen, wants))
        console.print_diagnostics(_occupied(seen))
    wanted = {k for d in desired.scopes.values() for k in d.resources}
    return {k: v for k, v in native.items() if k in wanted} | composite


def _unmanaged(seen: ObservedScope, desired: DesiredScope | None) -> list[Diagnostic]:
    wanted: Mapping[str, object] = desired.resources if desired is not None else {}
    extra = sorted(k for k in seen.resources if k not in wanted)
    if not extra:
        return []
    return [
        warning(
            f"{len(extra)} resource(s) eastwest owns in {seen.scope} are not in the policy "
            "(stale, or drift inside an owned group); the Terraform configuration does not "
            "manage them and Terraform will not remove them",
            detail="run `eastwest apply` first to converge; first: " + extra[0],
        )
    ]


def _occupied(seen: ObservedScope) -> list[Diagnostic]:
    if not seen.foreign:
        return []
    first = min(seen.foreign)
    return [
        warning(
            f"{len(seen.foreign)} resource(s) the policy wants in {seen.scope} have their place "
            "held by something eastwest does not own (a route, an association, another NSG on "
            "a subnet); Terraform will fail to create those or would replace what is there",
            detail=f"first: {seen.foreign[first]} ({first})",
        )
    ]


def _fail(message: str) -> int:
    click.echo(click.style("Error: ", fg="red", bold=True) + message, err=True)
    return EXIT_ERROR
