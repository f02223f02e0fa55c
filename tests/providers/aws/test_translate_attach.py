"""ENI payloads → interface kinds, on literal DescribeNetworkInterfaces answers."""

from __future__ import annotations

from typing import Any

import pytest

from providers.aws.attach import interface_from_eni, interface_kind

INSTANCE = {"InstanceId": "i-1", "InstanceOwnerId": "111111111111"}


@pytest.mark.parametrize(
    ("eni", "kind"),
    [
        pytest.param(
            {"InterfaceType": "interface", "Attachment": INSTANCE}, "instance", id="instance"
        ),
        pytest.param({"InterfaceType": "efa", "Attachment": INSTANCE}, "instance", id="efa"),
        pytest.param({"InterfaceType": "interface"}, "detached", id="detached"),
        pytest.param({"InterfaceType": "nat_gateway", "RequesterManaged": True}, "nat", id="nat"),
        pytest.param({"InterfaceType": "natGateway"}, "nat", id="nat-old-spelling"),
        pytest.param(
            {"InterfaceType": "gateway_load_balancer_endpoint"}, "endpoint", id="gwlb-endpoint"
        ),
        pytest.param({"InterfaceType": "vpc_endpoint"}, "endpoint", id="endpoint"),
        pytest.param({"InterfaceType": "network_load_balancer"}, "load_balancer", id="nlb"),
        pytest.param(
            {
                "InterfaceType": "interface",
                "Description": "ELB my-classic",
                "RequesterManaged": True,
            },
            "load_balancer",
            id="classic-elb",
        ),
        pytest.param({"InterfaceType": "transit_gateway"}, "transit", id="tgw"),
        pytest.param({"InterfaceType": "lambda"}, "function", id="lambda"),
        pytest.param(
            {
                "InterfaceType": "interface",
                "Description": "AWS Lambda VPC ENI-fn",
                "RequesterManaged": True,
            },
            "function",
            id="lambda-old",
        ),
        pytest.param(
            {
                "InterfaceType": "interface",
                "Description": "arn:aws:ecs:us-east-1:1:attachment/x",
                "RequesterManaged": True,
            },
            "container",
            id="ecs-task",
        ),
        pytest.param(
            {
                "InterfaceType": "interface",
                "Description": "RDSNetworkInterface",
                "RequesterManaged": True,
            },
            "managed",
            id="rds",
        ),
        pytest.param({"InterfaceType": "api_gateway_managed"}, "managed", id="unknown-type"),
    ],
)
def test_interface_kind(eni: dict[str, Any], kind: str) -> None:
    assert interface_kind(eni) == kind


def test_the_ledger_is_read_from_the_tag_set() -> None:
    iface = interface_from_eni(
        {
            "NetworkInterfaceId": "eni-1",
            "VpcId": "vpc-1",
            "SubnetId": "subnet-1",
            "Groups": [{"GroupId": "sg-e", "GroupName": "e"}],
            "TagSet": [
                {"Key": "eastwest:attach:prod", "Value": "exclusive sg-e"},
                {"Key": "eastwest:prior:prod", "Value": "sg-a,sg-b"},
            ],
        },
        "prod",
    )
    assert (iface.groups, iface.claim, iface.prior) == (("sg-e",), "sg-e", ("sg-a", "sg-b"))
