"""Regular expressions that let a JSON Schema check what the policy loader checks in code.

In: nothing (the patterns are built once, from tables). Out: ECMA-262 patterns, the dialect
JSON Schema and editors use, restricted to what Python's ``re`` reads the same way (classes,
counted repeats, groups, one backreference, a lookahead).
Always: a pattern accepts every value the loader accepts (an editor must not flag a valid
policy); where it is looser, the docstring says so. tests/orchestrator/model/test_schema.py
holds each pattern to the loader's own parser.
"""

from __future__ import annotations

# ---- ports: ``parse_port_spec`` strips white space and lower-cases before it matches -----


def _any_case(word: str) -> str:
    return "".join(f"[{c.upper()}{c}]" for c in word)


_PROTOCOL = f"(?:{_any_case('tcp')}|{_any_case('udp')})"
# 1 to 65535, written with at most five digits, leading zeros allowed (int("0443") is 443).
_PORT = (
    "(?!0{1,5}(?:-|\\s*$))"  # not all zeros
    "(?:[0-9]{1,4}|[0-5][0-9]{4}|6[0-4][0-9]{3}|65[0-4][0-9]{2}|655[0-2][0-9]|6553[0-5])"
)
PORT_PATTERN = (
    f"^\\s*(?:{_any_case('any')}|{_any_case('icmp')}|{_PROTOCOL}/{_PORT}(?:-{_PORT})?)\\s*$"
)


def _reversed_ranges() -> str:
    """``lo-hi`` with lo > hi, leading zeros aside: lo has more significant digits, or the
    same number of digits and, after a common prefix (the backreference), a larger one."""
    longer = "|".join(f"[1-9][0-9]{{{m}}}-0*[1-9][0-9]{{0,{m - 1}}}" for m in range(1, 5))
    larger = "|".join(
        f"{d}[0-9]{{{k}}}-0*\\1[0-{d - 1}][0-9]{{{k}}}" for d in range(1, 10) for k in range(5)
    )
    return f"^\\s*{_PROTOCOL}/0*(?:{longer}|((?:[1-9][0-9]*)?)(?:{larger}))\\s*$"


REVERSED_RANGE_PATTERN = _reversed_ranges()

# ---- CIDRs: ``ipaddress.ip_network(text, strict=True)`` --------------------------------------

_OCTET = "(?:25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])"


def _octet_multiples(step: int) -> str:
    """An octet that is a multiple of ``step`` (its host bits clear)."""
    if step == 1:
        return _OCTET
    return "(?:" + "|".join(str(v) for v in range(256 - step, -1, -step)) + ")"


def _ipv4_network(prefix: int) -> str:
    octets = []
    for index in range(4):
        network_bits = min(max(prefix - 8 * index, 0), 8)
        octets.append(_octet_multiples(2 ** (8 - network_bits)) if network_bits else "0")
    return "\\.".join(octets) + f"/0*{prefix}"


def _ipv4_networks() -> str:
    # One alternative per prefix length: the octets its host bits cover must be zero. A bare
    # address is a /32, as ip_network reads it.
    by_prefix = "|".join(_ipv4_network(p) for p in range(32, -1, -1))
    return f"{_OCTET}(?:\\.{_OCTET}){{3}}|{by_prefix}"


# IPv6 is checked for its shape only (hex digits, colons, an optional dotted tail, a prefix
# up to 128): the loader accepts IPv6 segments but does not compile them yet.
_IPV6 = "(?=[0-9A-Fa-f.]*:)[0-9A-Fa-f:.]{2,45}(?:/0*(?:12[0-8]|1[01][0-9]|[1-9]?[0-9]))?"
CIDR_PATTERN = f"^(?:{_ipv4_networks()}|{_IPV6})$"

# ---- resource ids and names ------------------------------------------------------------

VPC_ID_PATTERN = "^vpc-[0-9a-z]{1,32}$"  # AWS vpc-0a1b…, Alibaba vpc-bp1…
# Azure's rule for VNet names; AWS/Alibaba ids (tgw-…, tr-…, vpc-…) have this shape too.
NETWORK_NAME_PATTERN = "^[A-Za-z0-9](?:[A-Za-z0-9_.-]{0,62}[A-Za-z0-9_])?$"
# AWS subnet-…, Alibaba vsw-…, or an Azure subnet name (1 to 80 characters).
SUBNET_PATTERN = "^[A-Za-z0-9](?:[A-Za-z0-9_.-]{0,78}[A-Za-z0-9_])?$"
_IPV4 = f"{_OCTET}(?:\\.{_OCTET}){{3}}"
_IPV6_ADDRESS = "(?=[0-9A-Fa-f.]*:)[0-9A-Fa-f:.]{2,45}"
# AWS vpce-…/eni-…, Alibaba eni-…, Azure: the IP address of an NVA or internal load balancer.
NEXT_HOP_PATTERN = f"^(?:(?:vpce|eni)-[0-9a-z]{{1,32}}|{_IPV4}|{_IPV6_ADDRESS})$"
