"""AWS VPC Flow Logs as text: the default format (version 2) and custom formats.

In: the lines of one log file (from CloudWatch Logs, or an S3 object whose first line names the
fields). Out: a ``Parsed``.
Always: a line that cannot be read is refused with its line number and why, and the next line
is read; ``NODATA``/``SKIPDATA`` records are counted apart.

The fields and the default format are those of the AWS VPC User Guide, "Flow log records"
(docs.aws.amazon.com/vpc/latest/userguide/flow-log-records.html): the default format is
``${version} ${account-id} ${interface-id} ${srcaddr} ${dstaddr} ${srcport} ${dstport}
${protocol} ${packets} ${bytes} ${start} ${end} ${action} ${log-status}``; fields are separated
by one space and a field without a value is ``-``. Versions 2 to 5 add fields; a record's
``version`` is the highest version of the fields in its format.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from orchestrator.flows.fields import NotAFlow, read_lines, record
from orchestrator.flows.records import FlowRecord, Parsed, Sink

DEFAULT_FIELDS = (
    "version",
    "account-id",
    "interface-id",
    "srcaddr",
    "dstaddr",
    "srcport",
    "dstport",
    "protocol",
    "packets",
    "bytes",
    "start",
    "end",
    "action",
    "log-status",
)
# Every field of versions 2-5 (the user guide's "Available fields" table).
KNOWN_FIELDS = frozenset(
    (
        *DEFAULT_FIELDS,
        "vpc-id",
        "subnet-id",
        "instance-id",
        "tcp-flags",
        "type",
        "pkt-srcaddr",
        "pkt-dstaddr",
        "region",
        "az-id",
        "sublocation-type",
        "sublocation-id",
        "pkt-src-aws-service",
        "pkt-dst-aws-service",
        "flow-direction",
        "traffic-path",
        "ecs-cluster-arn",
        "ecs-cluster-name",
        "ecs-container-instance-arn",
        "ecs-container-instance-id",
        "ecs-container-id",
        "ecs-second-container-id",
        "ecs-service-name",
        "ecs-task-definition-arn",
        "ecs-task-arn",
        "ecs-task-id",
        "reject-reason",
    )
)
REQUIRED = ("srcaddr", "dstaddr", "srcport", "dstport", "protocol", "packets", "bytes", "start")
VERSIONS = frozenset({"2", "3", "4", "5"})
NO_DATA = frozenset({"NODATA", "SKIPDATA"})
_PLACEHOLDER = re.compile(r"\$\{([a-z-]+)\}")


def parse_format(spec: str) -> tuple[str, ...]:
    """The fields of a custom format as the API takes it (``${version} ${srcaddr} …``)."""
    fields = tuple(_PLACEHOLDER.findall(spec))
    unknown = [f for f in fields if f not in KNOWN_FIELDS]
    if not fields or unknown:
        raise ValueError(f"not an AWS flow log format: {unknown or spec!r}")
    missing = [f for f in REQUIRED if f not in fields]
    if missing:
        raise ValueError(f"the format lacks {', '.join(missing)}: flows cannot be mapped")
    return fields


def is_header(line: str) -> bool:
    words = line.split()
    return bool(words) and all(w in KNOWN_FIELDS for w in words)


def parse_lines(
    name: str,
    lines: Iterable[tuple[int, str | None]],
    fields: tuple[str, ...] | None = None,
    sink: Sink = None,
) -> Parsed:
    """``lines`` are (line number, text). The first line may be the S3 header naming the
    fields; otherwise ``fields`` (default: the default format) applies."""
    reader = _Reader(fields or DEFAULT_FIELDS)
    return read_lines(Parsed(name, "aws", sink=sink), lines, reader.read)


class _Reader:
    def __init__(self, fields: tuple[str, ...]) -> None:
        self.fallback = fields
        self.line: _Line | None = None

    def read(self, text: str) -> FlowRecord | NotAFlow:
        if self.line is None:
            if is_header(text):
                self.line = _Line(tuple(text.split()))
                return "header"
            self.line = _Line(self.fallback)
        return self.line.read(text)


class _Line:
    def __init__(self, fields: tuple[str, ...]) -> None:
        self.width = len(fields)
        self.at = {f: i for i, f in enumerate(fields)}

    def _get(self, words: list[str], field: str, default: str = "-") -> str:
        index = self.at.get(field)
        return default if index is None else words[index]

    def read(self, text: str) -> FlowRecord | NotAFlow:
        words = text.split(" ")
        if len(words) != self.width:
            raise ValueError(f"expected {self.width} fields, found {len(words)}")
        version = self._get(words, "version", "2")
        if version not in VERSIONS:
            raise ValueError(f"flow log version {version!r} is not one of 2-5")
        if self._get(words, "log-status", "OK") in NO_DATA:
            return "no-data"
        return record(lambda f: self._get(words, f), self._get(words, "interface-id"))
