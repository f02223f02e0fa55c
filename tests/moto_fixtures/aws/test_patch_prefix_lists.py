"""Customer-managed prefix lists keep EC2's rules: ClientToken, CurrentVersion, MaxEntries."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import pytest
from botocore.exceptions import ClientError

if TYPE_CHECKING:
    from mypy_boto3_ec2.client import EC2Client

pytestmark = pytest.mark.sandbox

Clients = Callable[..., "EC2Client"]
TWO = [{"Cidr": "10.1.0.0/16", "Description": "a"}, {"Cidr": "10.2.0.0/16", "Description": "b"}]


@pytest.fixture
def ec2(ec2_client: Clients) -> EC2Client:
    return ec2_client()


def _create(ec2: EC2Client, **overrides: Any) -> dict[str, Any]:
    params: dict[str, Any] = {
        "PrefixListName": "web",
        "AddressFamily": "IPv4",
        "MaxEntries": 3,
        "Entries": TWO,
    }
    params.update(overrides)
    return dict(ec2.create_managed_prefix_list(**params)["PrefixList"])


def _error(caught: pytest.ExceptionInfo[ClientError]) -> tuple[str, int]:
    response = caught.value.response
    return response["Error"]["Code"], response["ResponseMetadata"]["HTTPStatusCode"]


def _state(ec2: EC2Client, prefix_list_id: str) -> tuple[Any, ...]:
    described = ec2.describe_managed_prefix_lists(PrefixListIds=[prefix_list_id])["PrefixLists"][0]
    entries = ec2.get_managed_prefix_list_entries(PrefixListId=prefix_list_id)["Entries"]
    return (
        described["Version"],
        described["MaxEntries"],
        described["PrefixListName"],
        sorted(e["Cidr"] for e in entries),
    )


def _named(ec2: EC2Client, name: str) -> list[str]:
    lists = ec2.describe_managed_prefix_lists(
        Filters=[{"Name": "prefix-list-name", "Values": [name]}]
    )["PrefixLists"]
    return [pl["PrefixListId"] for pl in lists]


# --- ClientToken ----------------------------------------------------------------------------


def test_the_same_client_token_answers_the_same_list(ec2: EC2Client) -> None:
    first = _create(ec2, ClientToken="retry-1")
    again = _create(ec2, ClientToken="retry-1")

    assert again["PrefixListId"] == first["PrefixListId"]
    assert _named(ec2, "web") == [first["PrefixListId"]]


def test_a_client_token_reused_with_other_parameters_is_refused(ec2: EC2Client) -> None:
    _create(ec2, ClientToken="retry-2")

    with pytest.raises(ClientError) as caught:
        _create(ec2, ClientToken="retry-2", MaxEntries=5)

    assert _error(caught) == ("IdempotentParameterMismatch", 400)
    assert len(_named(ec2, "web")) == 1


def test_without_a_client_token_every_call_creates_a_list(ec2: EC2Client) -> None:
    # botocore fills a fresh token into each call: two calls, two lists.
    _create(ec2)
    _create(ec2)

    assert len(_named(ec2, "web")) == 2


def test_client_tokens_belong_to_one_account(ec2_client: Clients) -> None:
    mine = _create(ec2_client("111111111111"), ClientToken="shared-token")
    theirs = _create(ec2_client("222222222222"), ClientToken="shared-token")

    assert mine["PrefixListId"] != theirs["PrefixListId"]


# --- CurrentVersion -------------------------------------------------------------------------


def test_the_current_version_moves_the_list_one_version_on(ec2: EC2Client) -> None:
    pl = _create(ec2)

    changed = ec2.modify_managed_prefix_list(
        PrefixListId=pl["PrefixListId"],
        CurrentVersion=pl["Version"],
        AddEntries=[{"Cidr": "10.3.0.0/16"}],
    )["PrefixList"]

    assert changed["Version"] == pl["Version"] + 1
    assert _state(ec2, pl["PrefixListId"])[3] == ["10.1.0.0/16", "10.2.0.0/16", "10.3.0.0/16"]


@pytest.mark.parametrize("offset", [-1, 1, 5], ids=["stale", "ahead", "far-ahead"])
def test_a_wrong_current_version_changes_nothing(ec2: EC2Client, offset: int) -> None:
    pl = _create(ec2)
    ec2.modify_managed_prefix_list(
        PrefixListId=pl["PrefixListId"], CurrentVersion=1, RemoveEntries=[{"Cidr": "10.2.0.0/16"}]
    )
    before = _state(ec2, pl["PrefixListId"])

    with pytest.raises(ClientError) as caught:
        ec2.modify_managed_prefix_list(
            PrefixListId=pl["PrefixListId"],
            CurrentVersion=2 + offset,
            AddEntries=[{"Cidr": "10.9.0.0/16"}],
        )

    assert _error(caught) == ("PrefixListVersionMismatch", 400)
    assert _state(ec2, pl["PrefixListId"]) == before


def test_a_rename_keeps_version_and_a_modify_without_name_keeps_the_name(ec2: EC2Client) -> None:
    pl = _create(ec2)

    ec2.modify_managed_prefix_list(PrefixListId=pl["PrefixListId"], PrefixListName="web-v2")
    ec2.modify_managed_prefix_list(
        PrefixListId=pl["PrefixListId"], CurrentVersion=1, AddEntries=[{"Cidr": "10.3.0.0/16"}]
    )

    assert _state(ec2, pl["PrefixListId"])[:3] == (2, 3, "web-v2")


def test_an_unknown_list_is_not_found(ec2: EC2Client) -> None:
    with pytest.raises(ClientError) as caught:
        ec2.modify_managed_prefix_list(PrefixListId="pl-00000000000000000", PrefixListName="x")

    assert _error(caught) == ("InvalidPrefixListID.NotFound", 400)


# --- MaxEntries -----------------------------------------------------------------------------


def test_creating_more_entries_than_max_entries_is_refused(ec2: EC2Client) -> None:
    with pytest.raises(ClientError) as caught:
        _create(ec2, MaxEntries=1)

    assert _error(caught) == ("PrefixListMaxEntriesExceeded", 400)
    assert _named(ec2, "web") == []


def test_adding_past_max_entries_changes_nothing(ec2: EC2Client) -> None:
    pl = _create(ec2)
    before = _state(ec2, pl["PrefixListId"])

    with pytest.raises(ClientError) as caught:
        ec2.modify_managed_prefix_list(
            PrefixListId=pl["PrefixListId"],
            CurrentVersion=1,
            AddEntries=[{"Cidr": "10.3.0.0/16"}, {"Cidr": "10.4.0.0/16"}],
        )

    assert _error(caught) == ("PrefixListMaxEntriesExceeded", 400)
    assert _state(ec2, pl["PrefixListId"]) == before


def test_swapping_entries_at_max_entries_is_fine(ec2: EC2Client) -> None:
    pl = _create(ec2, MaxEntries=2)

    ec2.modify_managed_prefix_list(
        PrefixListId=pl["PrefixListId"],
        CurrentVersion=1,
        AddEntries=[{"Cidr": "10.3.0.0/16"}],
        RemoveEntries=[{"Cidr": "10.1.0.0/16"}],
    )

    assert _state(ec2, pl["PrefixListId"])[3] == ["10.2.0.0/16", "10.3.0.0/16"]


def test_max_entries_resizes_the_list_without_a_new_version(ec2: EC2Client) -> None:
    pl = _create(ec2)

    resized = ec2.modify_managed_prefix_list(PrefixListId=pl["PrefixListId"], MaxEntries=10)

    assert resized["PrefixList"]["MaxEntries"] == 10
    assert _state(ec2, pl["PrefixListId"])[:2] == (1, 10)
    ec2.modify_managed_prefix_list(
        PrefixListId=pl["PrefixListId"],
        CurrentVersion=1,
        AddEntries=[{"Cidr": f"10.{n}.0.0/16"} for n in range(3, 11)],
    )
    assert len(_state(ec2, pl["PrefixListId"])[3]) == 10


def test_resizing_and_changing_entries_in_one_call_is_refused(ec2: EC2Client) -> None:
    pl = _create(ec2)

    with pytest.raises(ClientError) as caught:
        ec2.modify_managed_prefix_list(
            PrefixListId=pl["PrefixListId"],
            CurrentVersion=1,
            MaxEntries=10,
            AddEntries=[{"Cidr": "10.3.0.0/16"}],
        )

    assert _error(caught) == ("InvalidParameterCombination", 400)
    assert _state(ec2, pl["PrefixListId"])[:2] == (1, 3)


def test_shrinking_below_the_entries_held_is_refused(ec2: EC2Client) -> None:
    pl = _create(ec2)

    with pytest.raises(ClientError) as caught:
        ec2.modify_managed_prefix_list(PrefixListId=pl["PrefixListId"], MaxEntries=1)

    assert _error(caught) == ("InvalidParameterValue", 400)
    assert _state(ec2, pl["PrefixListId"])[1] == 3


def test_aws_managed_lists_are_read_only(ec2: EC2Client) -> None:
    s3 = next(
        pl
        for pl in ec2.describe_managed_prefix_lists()["PrefixLists"]
        if pl["PrefixListName"] == "com.amazonaws.us-east-1.s3"
    )

    with pytest.raises(ClientError) as caught:
        ec2.modify_managed_prefix_list(PrefixListId=s3["PrefixListId"], PrefixListName="mine")

    assert _error(caught)[1] == 400


# --- entries are a set of CIDRs ---------------------------------------------------------------


@pytest.mark.parametrize(
    "change",
    [
        {"AddEntries": [{"Cidr": "10.1.0.0/16", "Description": "again"}]},
        {"AddEntries": [{"Cidr": "10.7.0.0/16"}, {"Cidr": "10.7.0.0/16"}]},
        {"RemoveEntries": [{"Cidr": "10.9.0.0/16"}]},
    ],
    ids=["add-present", "add-twice", "remove-absent"],
)
def test_an_entry_change_that_does_not_fit_the_set_changes_nothing(
    ec2: EC2Client, change: dict[str, Any]
) -> None:
    pl = _create(ec2, MaxEntries=5)
    before = _state(ec2, pl["PrefixListId"])

    with pytest.raises(ClientError) as caught:
        ec2.modify_managed_prefix_list(PrefixListId=pl["PrefixListId"], CurrentVersion=1, **change)

    assert _error(caught) == ("InvalidPrefixListModification", 400)
    assert _state(ec2, pl["PrefixListId"]) == before


def test_removing_and_adding_a_cidr_in_one_call_replaces_its_description(ec2: EC2Client) -> None:
    pl = _create(ec2)

    ec2.modify_managed_prefix_list(
        PrefixListId=pl["PrefixListId"],
        CurrentVersion=1,
        RemoveEntries=[{"Cidr": "10.1.0.0/16"}],
        AddEntries=[{"Cidr": "10.1.0.0/16", "Description": "renamed"}],
    )

    entries = ec2.get_managed_prefix_list_entries(PrefixListId=pl["PrefixListId"])["Entries"]
    assert sorted((e["Cidr"], e.get("Description")) for e in entries) == [
        ("10.1.0.0/16", "renamed"),
        ("10.2.0.0/16", "b"),
    ]


def test_more_than_100_entry_changes_in_one_call_are_refused(ec2: EC2Client) -> None:
    pl = _create(ec2, MaxEntries=200, Entries=[])
    many: list[Any] = [{"Cidr": f"10.{n // 256}.{n % 256}.0/24"} for n in range(101)]

    with pytest.raises(ClientError) as too_many_added:
        ec2.modify_managed_prefix_list(
            PrefixListId=pl["PrefixListId"], CurrentVersion=1, AddEntries=many
        )
    with pytest.raises(ClientError) as too_many_created:
        _create(ec2, PrefixListName="big", MaxEntries=200, Entries=many)

    assert _error(too_many_added) == ("InvalidParameterValue", 400)
    assert _error(too_many_created) == ("InvalidParameterValue", 400)


def test_dry_run_creates_and_modifies_nothing(ec2: EC2Client) -> None:
    pl = _create(ec2)

    with pytest.raises(ClientError) as dry_create:
        _create(ec2, PrefixListName="dry", DryRun=True)
    with pytest.raises(ClientError) as dry_modify:
        ec2.modify_managed_prefix_list(
            PrefixListId=pl["PrefixListId"],
            CurrentVersion=1,
            DryRun=True,
            RemoveEntries=[{"Cidr": "10.1.0.0/16"}],
        )

    assert _error(dry_create)[0] == _error(dry_modify)[0] == "DryRunOperation"
    assert _named(ec2, "dry") == []
    assert _state(ec2, pl["PrefixListId"])[0] == 1
