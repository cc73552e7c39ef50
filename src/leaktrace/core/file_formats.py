"""Names of the file formats leaktrace writes for others to read, shared by their writers.

A format name is a contract with files already on people's disks: the
simulator writes an organisation's canary files in the same format that
`leaktrace org canaries -o` writes and `org register` reads, so the name is
defined once here rather than in `attribution`, which `simulate` may not import.
"""

from __future__ import annotations

CANARY_FILE_FORMAT = "leaktrace-canaries/1"
