"""The demo's workload steps on the AWS sandbox: enforcement at the interface.

What a console user does here goes through boto3 against the sandbox (never through eastwest):
an instance is launched in a spoke VPC (its ENI gets eastwest's group on the next apply, beside
the group it was launched with), eastwest's group is then taken off that ENI by hand (drift,
restored), and during the reconciler's run another instance is launched (attached by the next
tick without anyone running a plan).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

if TYPE_CHECKING:
    from mypy_boto3_ec2 import EC2Client

SUBNET = "spoke-web-1-workload-a"
IMAGE = "golden-al2023"  # the image the sandbox registers for its workloads


def launch(ec2: EC2Client, subnet_name: str = SUBNET) -> str:
    """Launch one instance in the named subnet; return its primary ENI."""
    subnets = ec2.describe_subnets(Filters=[{"Name": "tag:Name", "Values": [subnet_name]}])
    subnet = subnets["Subnets"][0]["SubnetId"]
    images = ec2.describe_images(Filters=[{"Name": "name", "Values": [IMAGE]}])["Images"]
    image = images[0]["ImageId"]
    made = ec2.run_instances(ImageId=image, MinCount=1, MaxCount=1, SubnetId=subnet)
    instance = made["Instances"][0]
    eni = str(instance["NetworkInterfaces"][0]["NetworkInterfaceId"])
    click.echo(f"(console) someone launches {instance['InstanceId']} in {subnet_name}: {eni}")
    return eni


def show_groups(ec2: EC2Client, eni: str) -> list[str]:
    """The ENI's groups by name, as the console shows them."""
    found = ec2.describe_network_interfaces(NetworkInterfaceIds=[eni])["NetworkInterfaces"]
    names = sorted(g["GroupName"] for g in found[0]["Groups"])
    click.echo(f"  {eni} is in: {', '.join(names)}")
    return names


def detach_eastwest(ec2: EC2Client, eni: str) -> None:
    """Take eastwest's group off the ENI, as someone clearing "unknown" groups would."""
    found = ec2.describe_network_interfaces(NetworkInterfaceIds=[eni])["NetworkInterfaces"]
    kept = [g["GroupId"] for g in found[0]["Groups"] if not g["GroupName"].startswith("eastwest-")]
    ec2.modify_network_interface_attribute(NetworkInterfaceId=eni, Groups=kept)
    click.echo(f"(console) someone takes eastwest's group off {eni}")


def attached(ec2: EC2Client, eni: str) -> bool:
    found = ec2.describe_network_interfaces(NetworkInterfaceIds=[eni])["NetworkInterfaces"]
    return any(g["GroupName"].startswith("eastwest-") for g in found[0]["Groups"])
