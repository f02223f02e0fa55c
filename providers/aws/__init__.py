"""AWS adapter: security groups, managed prefix lists (and, later, Transit Gateway routing).

``adapter.py`` is the only module that touches boto3; ``translate.py`` turns EC2 payloads into
neutral resources and back, purely; ``errors.py`` maps botocore errors into eastwest's tree.
"""
