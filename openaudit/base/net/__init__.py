"""openaudit.base.net: the one HTTP/Hub client family. Only this package imports huggingface_hub and
HTTP libraries; sources, contamination, verify and batch all go through it.

* ``http``: the metered clients (huggingface_hub's shared client and a plain one for other hosts),
  timeouts, bounded retries with backoff honouring Retry-After
* ``failures``: typed failure kinds (:class:`FailKind`), classification of any HTTP error, mapping to
  the ``openaudit.errors`` hierarchy (:func:`to_error`)
* ``hub``: Hugging Face Hub access (repo info, trees, files, downloads, listings, the HF cache)
* ``github``: the GitHub REST API (repository metadata, commit, tree, README)
* ``papers``: does a cited paper exist (arXiv, DOI, other PDF links)
* ``cache``: the lookup cache (per process and on disk, keyed by URL)
* ``ranges``: Range-request reading for the static pickle scanner

Heavy clients (huggingface_hub, httpx2) are imported inside the functions that need them, so
importing this package costs nothing on the local-folder path.
"""

from openaudit.base.net.failures import (
    FailKind,
    Failure,
    NetFailure,
    TruncatedBody,
    classify,
    is_network_error,
    to_error,
)
from openaudit.base.net.http import Meter, Response, with_retries
from openaudit.base.net.ranges import RangeReader

__all__ = [
    "FailKind",
    "Failure",
    "Meter",
    "NetFailure",
    "RangeReader",
    "Response",
    "TruncatedBody",
    "classify",
    "is_network_error",
    "to_error",
    "with_retries",
]
