from __future__ import annotations

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from orchestrator.model.ports import PortRange, parse_port_spec

# Mostly near-valid specs (that is where the parser's decisions are), plus arbitrary text.
_NEAR_VALID = st.from_regex(
    r"\A\s?(tcp|udp|TCP|Udp|icmp|any|ICMP|http)(/[0-9]{0,6}(-[0-9]{0,6})?)?\s?\Z"
)


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        pytest.param("tcp/443", PortRange("tcp", 443, 443), id="tcp"),
        pytest.param("udp/53", PortRange("udp", 53, 53), id="udp"),
        pytest.param("tcp/8000-8100", PortRange("tcp", 8000, 8100), id="range"),
        pytest.param("icmp", PortRange("icmp"), id="icmp"),
        pytest.param("any", PortRange("all"), id="any"),
        pytest.param(" TCP/443 ", PortRange("tcp", 443, 443), id="case-and-space"),
        pytest.param("tcp/1-65535", PortRange("tcp", 1, 65535), id="full-range"),
    ],
)
def test_parse(spec: str, expected: PortRange) -> None:
    assert parse_port_spec(spec) == expected


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        pytest.param("tcp443", "is not a port spec", id="no-slash"),
        pytest.param("tcp/70000", "from 1 to 65535", id="too-high"),
        pytest.param("tcp/0", "from 1 to 65535", id="zero"),
        pytest.param("tcp/8100-8000", "reversed", id="reversed"),
        pytest.param("http/80", "is not a port spec", id="unknown-protocol"),
        pytest.param("icmp/8", "is not a port spec", id="icmp-type"),
        pytest.param("", "is not a port spec", id="empty"),
        pytest.param("tcp/\u0664\u0664\u0663", "is not a port spec", id="non-ascii-digits"),
    ],
)
def test_parse_rejects(spec: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        parse_port_spec(spec)


@given(st.one_of(_NEAR_VALID, st.text(max_size=20)))
@example("tcp/0443")
@example("UDP/53-53")
def test_any_spec_that_parses_round_trips_through_str(spec: str) -> None:
    try:
        parsed = parse_port_spec(spec)
    except ValueError:
        return
    assert parse_port_spec(str(parsed)) == parsed
    assert str(parse_port_spec(str(parsed))) == str(parsed)
