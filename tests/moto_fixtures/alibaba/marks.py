"""The one skip condition of the Alibaba fake's tests: the fake checks every request against
the published API metadata (shared/cloud-api/alibaba beside the repository), so without it
there is nothing to test against."""

from __future__ import annotations

import pytest

from moto_fixtures.alibaba import metadata

needs_metadata = pytest.mark.skipif(
    not metadata.has_metadata(),
    reason=f"Alibaba API metadata not found in {metadata.metadata_dir()} "
    "(set EASTWEST_ALIBABA_METADATA to its folder)",
)
