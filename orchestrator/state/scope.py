"""The partition of the world every resource and observation belongs to."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True, order=True)
class Scope:
    """A partition of the world: one cloud account in one region."""

    cloud: str
    account: str
    region: str

    def __str__(self) -> str:
        return f"{self.cloud}/{self.account}/{self.region}"

    @classmethod
    def parse(cls, text: str) -> Scope:
        cloud, account, region = text.split("/", 2)
        return cls(cloud, account, region)
