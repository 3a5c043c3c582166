"""openaudit.safety: everything that touches untrusted bytes without executing them.

* ``pickles``: ``scan_path``, ``scan_bytes``, ``scan_ranged`` — every reading a loader could make of a
  file (pickle stream, zip, tar, .npy, compressed stream), the worst wins
* ``streams`` / ``opcodes`` / ``reader``: pickle streams as loaders read them, the opcode walker, its
  byte reader and typed stops; ``globals_policy``: exact allow/deny lists
* ``zips`` / ``tars`` / ``npy`` / ``compressed``: containers, opened in memory, never extracted
* ``roles``: pickles by name versus look-alike bytes; ``results``: the one result shape (typed
  ``ScanStatus`` + ``ScanCode`` from ``openaudit.model``) and the worst-of merge
* ``safetensors``: ``parse_header`` (header validation, never tensor data)
* ``remote_code``: ``summarize`` (auto_map / custom pipelines / AST-only import summary; configs the
  strict parser refuses are read as transformers reads them)

Text decoding/escaping, hardened parsing, format sniffing and HTTP live in ``openaudit.base``.
"""
