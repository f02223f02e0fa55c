"""Alibaba Cloud adapter: ECS security groups and VPC prefix lists (CEN routing comes later).

``session.py`` is the only module that imports ``aliyunsdkcore``; ``translate.py`` turns ECS/VPC
payloads into neutral resources and back, purely; ``reader.py``/``writer.py`` read and write
through an injected ``Api``; ``retry.py`` retries what the SDK does not; ``errors.py`` maps API
errors into eastwest's tree. See docs/alibaba.md.
"""
