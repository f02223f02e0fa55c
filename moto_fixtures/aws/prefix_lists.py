"""Customer-managed prefix lists that keep EC2's rules (moto keeps none of these four).

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

Also restored: a modify without ``PrefixListName`` keeps the name (moto erased it), and an unknown
id answers ``InvalidPrefixListID.NotFound`` instead of an HTTP 500.

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
    PrefixListMaxEntriesExceededError,
    PrefixListNotFoundError,
    PrefixListVersionMismatchError,
)

Handler = Callable[..., Any]

# The default quota for entries in a customer-managed prefix list; MaxEntries above it fails.
MAX_ENTRIES_LIMIT = 1000
_TOKENS_ATTR = "_eastwest_prefix_list_client_tokens"


def create_model(original: Handler) -> Handler:
    def create_managed_prefix_list(
        self: Any, *args: Any, client_token: str | None = None, **kwargs: Any
    ) -> Any:
        """CreateManagedPrefixList: enforce MaxEntries; replay a call with a known ClientToken."""
        # Only customer lists carry MaxEntries; moto builds AWS-managed ones through here without.
        if kwargs.get("max_entries") is not None:
            _check_size(kwargs.get("prefix_list_name") or "", kwargs)
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


def _check_size(name: str, kwargs: dict[str, Any]) -> None:
    max_entries = _max_entries(kwargs["max_entries"])
    entries = kwargs.get("entry") or []
    if len(entries) > max_entries:
        raise PrefixListMaxEntriesExceededError(name, len(entries), max_entries)


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
    del original  # rewritten: moto's version ignores the version, the size and keeps no name

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
        """ModifyManagedPrefixList: CurrentVersion lock, MaxEntries limit and resize."""
        prefix_list = self.managed_prefix_lists.get(prefix_list_id)
        if prefix_list is None or prefix_list.state == "delete-complete":
            raise PrefixListNotFoundError(str(prefix_list_id))
        if prefix_list.owner_id == "AWS":
            raise InvalidParameterValueError(
                f"The AWS-managed prefix list {prefix_list_id} is read-only"
            )
        if max_entries is not None and (add_entry or remove_entry):
            raise InvalidParameterCombinationError(
                "You cannot modify the entries of a prefix list and modify the size of a "
                "prefix list at the same time."
            )
        if current_version is not None and int(current_version) != prefix_list.version:
            raise PrefixListVersionMismatchError(int(current_version), prefix_list.version)
        current = list(prefix_list.entries.get(prefix_list.version) or [])
        if add_entry or remove_entry:
            entries = _apply_entry_changes(current, add_entry, remove_entry)
            limit = int(prefix_list.max_entries or MAX_ENTRIES_LIMIT)
            if len(entries) > limit:
                raise PrefixListMaxEntriesExceededError(prefix_list.id, len(entries), limit)
            prefix_list.version += 1
            prefix_list.entries[prefix_list.version] = entries
        if max_entries is not None:
            size = _max_entries(max_entries)
            if size < len(current):
                raise InvalidParameterValueError(
                    f"The prefix list {prefix_list.id} holds {len(current)} entries; "
                    f"MaxEntries cannot be {size}."
                )
            prefix_list.max_entries = size
        if prefix_list_name:
            prefix_list.prefix_list_name = prefix_list_name
        prefix_list.state = "modify-complete"
        return prefix_list

    return modify_managed_prefix_list


def _apply_entry_changes(
    current: list[dict[str, str]], add: list[dict[str, str]], remove: list[dict[str, str]]
) -> list[dict[str, str]]:
    removed = {entry["Cidr"] for entry in remove}
    entries = [entry for entry in current if entry.get("Cidr") not in removed]
    for entry in add:
        if entry not in entries:
            entries.append(entry)
    return entries


def create_response(original: Handler) -> Handler:
    del original  # moto's handler drops ClientToken

    def create_managed_prefix_list(self: Any) -> ActionResult:
        """CreateManagedPrefixList: pass ClientToken on to the model."""
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
        """ModifyManagedPrefixList: pass MaxEntries on to the model."""
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
