"""The head every firewall test policy shares: one AWS account and a hub inspecting in the given
zones (firewall next hops ``vpce-<zone's last letter>``)."""

from __future__ import annotations


def inspected_hub(*zones: str) -> str:
    firewalls = "".join(
        f"        - {{zone: {zone}, next_hop: vpce-{zone[-1]}}}\n"
        for zone in zones or ("us-east-1a",)
    )
    return (
        "version: 1\n"
        "name: acme\n"
        "accounts:\n"
        '  - {name: aws-prod, cloud: aws, account_id: "111111111111", regions: [us-east-1]}\n'
        "hubs:\n"
        "  - name: use1\n"
        "    account: aws-prod\n"
        "    region: us-east-1\n"
        "    transit: tgw-1\n"
        "    inspection:\n"
        "      vpc: vpc-insp\n"
        "      firewalls:\n"
        f"{firewalls}"
    )
