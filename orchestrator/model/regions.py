"""The regions each cloud has, so that a mistyped or invented region is a located error at
validate time, not a failed connection (or a traceback) at plan time.

Kept here as data rather than asked of the SDKs: loading a policy never imports a cloud SDK
(``orchestrator.model`` docstring). AWS: botocore's endpoint data (aws, aws-cn, aws-us-gov
partitions) as of botocore 1.44. Alibaba: the ECS DescribeRegions list of 2026. Azure: the
``az account list-locations`` names of public Azure (programmatic names, no spaces).
A region a cloud opens later is added here; ``EXTRA_REGIONS_ENV`` lets an operator name it in
the meantime (``EASTWEST_EXTRA_REGIONS=aws:xx-new-1,azure:newregion``).
"""

from __future__ import annotations

import os
from collections.abc import Mapping

EXTRA_REGIONS_ENV = "EASTWEST_EXTRA_REGIONS"

_AWS = """
af-south-1 ap-east-1 ap-east-2 ap-northeast-1 ap-northeast-2 ap-northeast-3 ap-south-1
ap-south-2 ap-southeast-1 ap-southeast-2 ap-southeast-3 ap-southeast-4 ap-southeast-5
ap-southeast-6 ap-southeast-7 ca-central-1 ca-west-1 eu-central-1 eu-central-2 eu-north-1
eu-south-1 eu-south-2 eu-west-1 eu-west-2 eu-west-3 il-central-1 me-central-1 me-south-1
mx-central-1 sa-east-1 us-east-1 us-east-2 us-west-1 us-west-2
cn-north-1 cn-northwest-1 us-gov-east-1 us-gov-west-1
"""
_ALIBABA = """
cn-qingdao cn-beijing cn-zhangjiakou cn-huhehaote cn-wulanchabu cn-hangzhou cn-shanghai
cn-nanjing cn-fuzhou cn-wuhan-lr cn-shenzhen cn-heyuan cn-guangzhou cn-chengdu cn-hongkong
cn-shanghai-finance-1 cn-shenzhen-finance-1 cn-beijing-finance-1 cn-north-2-gov-1
ap-northeast-1 ap-northeast-2 ap-southeast-1 ap-southeast-2 ap-southeast-3 ap-southeast-5
ap-southeast-6 ap-southeast-7 ap-south-1 us-east-1 us-west-1 na-south-1 eu-west-1
eu-central-1 me-east-1 me-central-1
"""
_AZURE = """
eastus eastus2 southcentralus westus2 westus3 australiaeast southeastasia northeurope
swedencentral uksouth westeurope centralus southafricanorth centralindia eastasia
japaneast koreacentral newzealandnorth canadacentral francecentral germanywestcentral
italynorth norwayeast polandcentral spaincentral switzerlandnorth mexicocentral uaenorth
brazilsouth israelcentral qatarcentral centralusstage eastusstage eastus2stage
northcentralus westus jioindiawest centraluseuap eastus2euap southcentralusstg
westcentralus southafricawest australiacentral australiacentral2 australiasoutheast
japanwest jioindiacentral koreasouth southindia westindia canadaeast francesouth
germanynorth norwaywest switzerlandwest ukwest uaecentral brazilsoutheast chilecentral
indonesiacentral malaysiawest austriaeast belgiumcentral denmarkeast
usgovvirginia usgovarizona usgovtexas chinaeast chinaeast2 chinaeast3 chinanorth
chinanorth2 chinanorth3
"""
_KNOWN: Mapping[str, frozenset[str]] = {
    "aws": frozenset(_AWS.split()),
    "alibaba": frozenset(_ALIBABA.split()),
    "azure": frozenset(_AZURE.split()),
}


def known_regions(cloud: str, environ: Mapping[str, str] = os.environ) -> frozenset[str]:
    """The regions of ``cloud``, plus those the operator added through the environment."""
    extra = {
        region
        for item in environ.get(EXTRA_REGIONS_ENV, "").split(",")
        for name, _, region in [item.strip().partition(":")]
        if name == cloud and region
    }
    return _KNOWN.get(cloud, frozenset()) | extra
