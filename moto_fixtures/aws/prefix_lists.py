"""Customer-managed prefix lists that keep EC2's rules (moto 5.2.5 keeps none of these).

- ``ClientToken`` on CreateManagedPrefixList: a retry with the same token answers the list the
  first call made instead of creating a second one; the same token with different parameters
  answers ``IdempotentParameterMismatch``. (botocore fills a fresh token into every call that
  does not pass one, so ordinary calls are unaffected.)
- ``CurrentVersion`` on ModifyManagedPrefixList: a version other than the list's current one
  answers ``PrefixListVersionMismatch`` (HTTP 400), the optimistic lock concurrent writers rely on.
- ``MaxEntries``: a list never holds more entries than its maximum, on create or modify
  (``PrefixListMaxEntriesExceeded``).
- ``MaxEntries`` on ModifyManagedPrefixList resizes the list (moto drops the parameter); EC2
  refuses a resize and an entry change in one call (``InvalidParameterCombination``) and a size
  below the current entry count.
- Entries are a set of CIDRs: adding one that is already there, or removing one that is not,
  answers ``InvalidPrefixListModification`` (moto stored a second entry, or ignored it); one call
  adds or removes at most 100 entries (``InvalidParameterValue``).

Also restored: a modify without ``PrefixListName`` keeps the name (moto erased it), an unknown id
answers ``InvalidPrefixListID.NotFound`` instead of an HTTP 500, and ``DryRun`` answers
``DryRunOperation`` instead of doing the work.

State and rules are on the model side (``ManagedPrefixListBackend``); the two response handlers
only read the parameters moto's own handlers drop and pass them on.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from moto.core.responses import ActionResult

from moto_fixtures.aws.exceptions import (
    IdempotentParameterMismatchError,
    InvalidParameterCombinationError,
    InvalidParameterValueError,
    InvalidPrefixListModificationError,
    PrefixListMaxEntriesExceededError,
    PrefixListNotFoundError,
    PrefixListVersionMismatchError,
)

Handler = Callable[..., Any]

# The default quota for entries in a customer-managed prefix list; MaxEntries above it fails.
MAX_ENTRIES_LIMIT = 1000
# Create and Modify take at most this many entries (added plus removed) in one call.
MAX_CHANGES_PER_CALL = 100
_TOKENS_ATTR = "_eastwest_prefix_list_client_tokens"


def create_model(original: Handler) -> Handler:
    def create_managed_prefix_list(
        self: Any, *args: Any, client_token: str | None = None, **kwargs: Any
    ) -> Any:
        """CreateManagedPrefixList: entry rules, MaxEntries; replay a known ClientToken."""
        # Only customer lists carry MaxEntries; moto builds AWS-managed ones through here without.
        if kwargs.get("max_entries") is not None:
            _check_create(kwargs.get("prefix_list_name") or "", kwargs)
        if client_token is None:
            return original(self, *args, **kwargs)
        tokens: dict[str, tuple[str, Any]] = self.__dict__.setdefault(_TOKENS_ATTR, {})
        request = json.dumps(kwargs, sort_keys=True, default=str)
        if client_token in tokens:
            first_request, prefix_list = tokens[client_token]
            if first_request != request:
                raise IdempotentParameterMismatchError(client_token)
            return prefix_list
        prefix_list = original(self, *args, **kwargs)
        tokens[client_token] = (request, prefix_list)
        return prefix_list

    return create_managed_prefix_list


def _check_create(name: str, kwargs: dict[str, Any]) -> None:
    max_entries = _max_entries(kwargs["max_entries"])
    cidrs = [entry["Cidr"] for entry in kwargs.get("entry") or []]
    if len(cidrs) > MAX_CHANGES_PER_CALL:
        raise InvalidParameterValueError(
            f"Request cannot contain more than {MAX_CHANGES_PER_CALL} entries"
        )
    if _repeated(cidrs):
        raise InvalidParameterValueError(f"The CIDR {_repeated(cidrs)[0]} is listed twice.")
    if len(cidrs) > max_entries:
        raise PrefixListMaxEntriesExceededError(name, len(cidrs), max_entries)


def _max_entries(raw: Any) -> int:
    try:
        value = int(raw)
    except (TypeError, ValueError):
        value = 0
    if not 1 <= value <= MAX_ENTRIES_LIMIT:
        raise InvalidParameterValueError(
            f"Value ( {raw} ) for parameter maxEntries is invalid. "
            f"Expecting a value between 1 and {MAX_ENTRIES_LIMIT}."
        )
    return value


def modify_model(original: Handler) -> Handler:
    del original  # rewritten: moto's ignores the version and the size, and drops the name

    def modify_managed_prefix_list(
        self: Any,
        *,
        add_entry: list[dict[str, str]],
        remove_entry: list[dict[str, str]],
        prefix_list_id: str | None = None,
        current_version: int | None = None,
        prefix_list_name: str | None = None,
        max_entries: int | None = None,
    ) -> Any:
        """ModifyManagedPrefixList: CurrentVersion lock, entry rules, MaxEntries resize."""
        prefix_list = self.managed_prefix_lists.get(prefix_list_id)
        if prefix_list is None or prefix_list.state == "delete-complete":
            raise PrefixListNotFoundError(str(prefix_list_id))
        _check_modify(prefix_list, add_entry, remove_entry, current_version, max_entries)
        if add_entry or remove_entry:
            _change_entries(prefix_list, add_entry, remove_entry)
        if max_entries is not None:
            _resize(prefix_list, max_entries)
        if prefix_list_name:
            prefix_list.prefix_list_name = prefix_list_name
        prefix_list.state = "modify-complete"
        return prefix_list

    return modify_managed_prefix_list


def _check_modify(
    prefix_list: Any,
    add: list[dict[str, str]],
    remove: list[dict[str, str]],
    current_version: int | None,
    max_entries: int | None,
) -> None:
    if prefix_list.owner_id == "AWS":
        raise InvalidParameterValueError(
            f"The AWS-managed prefix list {prefix_list.id} is read-only"
        )
    if max_entries is not None and (add or remove):
        raise InvalidParameterCombinationError(
            "You cannot modify the entries of a prefix list and modify the size of a "
            "prefix list at the same time."
        )
    if len(add) + len(remove) > MAX_CHANGES_PER_CALL:
        raise InvalidParameterValueError(
            f"Request cannot contain more than {MAX_CHANGES_PER_CALL} entry additions or removals"
        )
    if current_version is not None and int(current_version) != prefix_list.version:
        raise PrefixListVersionMismatchError(int(current_version), prefix_list.version)


def _change_entries(
    prefix_list: Any, add: list[dict[str, str]], remove: list[dict[str, str]]
) -> None:
    current = list(prefix_list.entries.get(prefix_list.version) or [])
    held = {entry["Cidr"] for entry in current}
    removed = {entry["Cidr"] for entry in remove}
    missing = sorted(removed - held)
    if missing:
        raise InvalidPrefixListModificationError(f"The CIDR {missing[0]} does not exist.")
    added = [entry["Cidr"] for entry in add]
    # Removed and added again in one call counts as a replacement (a new description).
    present = sorted(set(added) & (held - removed)) or _repeated(added)
    if present:
        raise InvalidPrefixListModificationError(f"The CIDR {present[0]} already exists.")
    entries = [entry for entry in current if entry["Cidr"] not in removed] + list(add)
    limit = int(prefix_list.max_entries or MAX_ENTRIES_LIMIT)
    if len(entries) > limit:
        raise PrefixListMaxEntriesExceededError(prefix_list.id, len(entries), limit)
    prefix_list.version += 1
    prefix_list.entries[prefix_list.version] = entries


def _repeated(cidrs: list[str]) -> list[str]:
    return sorted({cidr for cidr in cidrs if cidrs.count(cidr) > 1})


def _resize(prefix_list: Any, max_entries: int) -> None:
    size = _max_entries(max_entries)
    held = len(prefix_list.entries.get(prefix_list.version) or [])
    if size < held:
        raise InvalidParameterValueError(
            f"The prefix list {prefix_list.id} holds {held} entries; MaxEntries cannot be {size}."
        )
    prefix_list.max_entries = size


def create_response(original: Handler) -> Handler:
    del original  # moto's handler drops ClientToken

    def create_managed_prefix_list(self: Any) -> ActionResult:
        """CreateManagedPrefixList: pass ClientToken on to the model; honour DryRun."""
        self.error_on_dryrun()
        prefix_list = self.ec2_backend.create_managed_prefix_list(
            address_family=self._get_param("AddressFamily"),
            entry=self._get_param("Entries", []),
            max_entries=self._get_param("MaxEntries"),
            prefix_list_name=self._get_param("PrefixListName"),
            tags=self._parse_tag_specification().get("prefix-list", {}),
            client_token=self._get_param("ClientToken") or None,
        )
        return ActionResult({"PrefixList": prefix_list})

    return create_managed_prefix_list


def modify_response(original: Handler) -> Handler:
    del original  # moto's handler drops MaxEntries

    def modify_managed_prefix_list(self: Any) -> ActionResult:
        """ModifyManagedPrefixList: pass MaxEntries on to the model; honour DryRun."""
        self.error_on_dryrun()
        version = self._get_param("CurrentVersion")
        max_entries = self._get_param("MaxEntries")
        prefix_list = self.ec2_backend.modify_managed_prefix_list(
            add_entry=self._get_param("AddEntries", []),
            remove_entry=self._get_param("RemoveEntries", []),
            prefix_list_id=self._get_param("PrefixListId"),
            current_version=int(version) if version is not None else None,
            prefix_list_name=self._get_param("PrefixListName"),
            max_entries=int(max_entries) if max_entries is not None else None,
        )
        return ActionResult({"PrefixList": prefix_list})

    return modify_managed_prefix_list
