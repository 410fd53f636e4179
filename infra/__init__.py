"""The CDK app: one stack (``Inplay``), one construct per concern, synthesized offline.

Importing this package silences jsii's Node end-of-life banner (Node 20 on Debian bookworm) for
every entry point (``infra.app``, ``infra.synth``, tests); it must happen before ``aws_cdk``
starts its Node kernel, and an explicit setting from the caller wins.
"""

import os

os.environ.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "20")
