"""The demo's access steps: hand-made groups that open PostgreSQL to everyone, found by the
plan's effective-access check and then taken off by hand, as their owner would.

What a console user does here goes through each cloud's own SDK against the sandbox (never
through eastwest, which never touches what it does not own): the DBA's ``pg-open-db-1`` comes
off db-1's ENI on AWS, ``spoke-db-1-pg-open`` off its instance on Alibaba Cloud. Each step
returns what it did, for the narration.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

if TYPE_CHECKING:
    from mypy_boto3_ec2 import EC2Client

    from moto_fixtures.consoles import AlibabaConsole

AWS_GROUP = "pg-open-db-1"  # its Name tag: moto_fixtures.aws.landing_zone.PERMISSIVE_GROUP
ALIBABA_GROUP = "spoke-db-1-pg-open"  # moto_fixtures.alibaba.landing_zone.PERMISSIVE_GROUP
ECS = "2014-05-26"


def take_off_aws(ec2: EC2Client) -> int:
    """Take the DBA's group off every ENI that carries it; how many ENIs that was."""
    named = ec2.describe_security_groups(Filters=[{"Name": "tag:Name", "Values": [AWS_GROUP]}])
    gid = named["SecurityGroups"][0]["GroupId"]
    every = ec2.describe_network_interfaces()["NetworkInterfaces"]  # the sandbox: one page
    enis = [e for e in every if any(g["GroupId"] == gid for g in e["Groups"])]
    for eni in enis:
        kept = [g["GroupId"] for g in eni["Groups"] if g["GroupId"] != gid]
        ec2.modify_network_interface_attribute(
            NetworkInterfaceId=eni["NetworkInterfaceId"], Groups=kept
        )
        click.echo(f"(console) the DBA takes {AWS_GROUP} off {eni['NetworkInterfaceId']}")
    return len(enis)


def take_off_alibaba(console: AlibabaConsole) -> int:
    """The instances in the DBA's group leave it; how many left."""
    group = next(g for g in console.groups() if g["SecurityGroupName"] == ALIBABA_GROUP)
    gid = str(group["SecurityGroupId"])
    # The fake ignores DescribeNetworkInterfaces' SecurityGroupId filter: filter here.
    enis = console.interfaces()
    held = (e for e in enis if gid in e.get("SecurityGroupIds", {}).get("SecurityGroupId", []))
    instances = sorted({str(e["InstanceId"]) for e in held if e.get("InstanceId")})
    for instance in instances:
        console.call(ECS, "LeaveSecurityGroup", SecurityGroupId=gid, InstanceId=instance)
        click.echo(f"(aliyun SDK) the DBA takes {instance} out of {ALIBABA_GROUP}")
    return len(instances)
