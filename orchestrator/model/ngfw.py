"""The firewall's own words on an inspected rule (who / what / when / why / how): App-ID
names, User-ID users and groups, a recurring schedule, a category tag and a security profile
group. Values only: whether a rule may carry them (it must be inspected) is ``checks.py``'s,
and whether the firewall knows an application is the compiler's, against its catalogue.
"""

from __future__ import annotations

import re
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator

_WINDOW = re.compile(r"^([01][0-9]|2[0-3]):([0-5][0-9])-([01][0-9]|2[0-3]):([0-5][0-9])$")
_APPLICATION = re.compile(r"^[a-z0-9][a-z0-9._+-]{0,62}$")
_OBJECT = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._ -]{0,62}$")
Day = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
DAY_NAMES: dict[str, str] = {
    "mon": "monday",
    "tue": "tuesday",
    "wed": "wednesday",
    "thu": "thursday",
    "fri": "friday",
    "sat": "saturday",
    "sun": "sunday",
}


def _window(value: str) -> str:
    found = _WINDOW.match(value)
    if found is None:
        raise ValueError(f"'{value}' is not a time window such as '08:00-18:00' (24-hour HH:MM)")
    start = int(found.group(1)) * 60 + int(found.group(2))
    end = int(found.group(3)) * 60 + int(found.group(4))
    if end <= start:
        raise ValueError(
            f"'{value}' ends before it starts; a window past midnight is two windows, "
            f"e.g. '{value[:5]}-23:59' and '00:00-{value[6:]}'"
        )
    return value


def _application(value: str) -> str:
    if not _APPLICATION.match(value):
        raise ValueError(
            f"'{value}' is not an App-ID name: lower-case letters, digits and '.', '_', '+', "
            "'-', such as 'ssl' or 'web-browsing'"
        )
    return value


def _object_name(value: str) -> str:
    if not _OBJECT.match(value):
        raise ValueError(
            f"'{value}' is not a PAN-OS object name: letters, digits, '.', '_', '-' and "
            "spaces, at most 63, starting with a letter or digit"
        )
    return value


def _principal(value: str) -> str:
    if not value.strip() or value != value.strip() or len(value) > 1023:
        raise ValueError(f"'{value}' is not a User-ID name: 1 to 1023 characters, no outer spaces")
    return value


# The patterns are checked by the validators (with messages a user can act on) and shown in
# the JSON Schema for editors.
TimeWindow = Annotated[
    str,
    AfterValidator(_window),
    Field(
        description="'HH:MM-HH:MM', 24-hour, start before end",
        json_schema_extra={"pattern": _WINDOW.pattern},
    ),
]
Application = Annotated[
    str,
    AfterValidator(_application),
    Field(
        description="an App-ID name the firewall knows, e.g. 'ssl', 'postgres'",
        json_schema_extra={"pattern": _APPLICATION.pattern},
    ),
]
ObjectName = Annotated[
    str, AfterValidator(_object_name), Field(json_schema_extra={"pattern": _OBJECT.pattern})
]
Principal = Annotated[
    str,
    AfterValidator(_principal),
    Field(description="'DOMAIN\\user', 'user@domain' or a group's DN", min_length=1),
]


class Schedule(BaseModel):
    """When an inspected rule allows its flow: ``hours`` on ``days`` (every day if none)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    days: list[Day] = Field(default=[], description="mon … sun; none: every day")
    hours: list[TimeWindow] = Field(min_length=1, description="windows such as '08:00-18:00'")

    @model_validator(mode="after")
    def _distinct(self) -> Schedule:
        pairs: tuple[tuple[str, list[str]], ...] = (
            ("day", list(self.days)),
            ("window", list(self.hours)),
        )
        for label, values in pairs:
            repeated = sorted({v for v in values if values.count(v) > 1})
            if repeated:
                raise ValueError(f"the {label} '{repeated[0]}' is listed twice")
        return self


_HOST = re.compile(r"^[A-Za-z0-9]([A-Za-z0-9.-]{0,251}[A-Za-z0-9])?(:[0-9]{1,5})?$")


def _host(value: str) -> str:
    if not _HOST.match(value):
        raise ValueError(
            f"'{value}' is not a management address: a host name or IP address, with an "
            "optional ':port', such as 'panorama.acme.example' or '10.0.0.5:8443'"
        )
    return value


class Panorama(BaseModel):
    """The Panorama managing a hub's firewalls: eastwest writes its section into the device
    group's pre-rulebase there, commits Panorama and pushes the device group, instead of
    writing each firewall (docs/panos.md, "Panorama")."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    host: Annotated[
        str,
        AfterValidator(_host),
        Field(
            description="Panorama's management address (host or host:port); credentials come "
            "from the environment, never from the policy",
            json_schema_extra={"pattern": _HOST.pattern},
        ),
    ]
    device_group: ObjectName = Field(
        description="the device group of the hub's firewalls: eastwest's rules go to the top "
        "of its pre-rulebase, its objects into the device group"
    )


class SegmentPanos(BaseModel):
    """A segment's options on the hub firewalls (docs/panos.md, "Dynamic address groups")."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    address_group: Literal["static", "dynamic"] = Field(
        default="static",
        description="'static': one address object per CIDR in the segment's group; 'dynamic': "
        "a dynamic group matching the tag eastwest registers the segment's addresses with "
        "(User-ID API), so a change of addresses needs no commit",
    )
