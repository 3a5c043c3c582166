"""openaudit.safety: everything that touches untrusted bytes without executing them.

* ``pickles``: ``sniff``, ``scan_bytes``, ``scan_path``, ``scan_ranged`` (static pickle scans)
* ``opcodes`` / ``globals_policy`` / ``containers``: the opcode engine, allow/deny lists, zip/npy
* ``safetensors``: ``parse_header`` (header validation, never tensor data)
* ``remote_code``: ``summarize`` (auto_map / custom pipelines / AST-only import summary)

Text decoding/escaping, hardened parsing, format sniffing and HTTP live in ``openaudit.base``.
"""
