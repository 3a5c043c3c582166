"""openaudit.base: the small layer every area builds on, and that imports no other openaudit area
(only ``openaudit.errors`` and ``openaudit.model``).

* ``text``: decode untrusted bytes as text, read a user's file, the one bidi set, terminal escaping
* ``parse``: hardened YAML/JSON (size, depth, aliases, duplicate keys, tags) with typed ``ParseCode``s;
  Markdown front matter
* ``formats``: the one byte-level format sniffer
* ``files``: writing a file atomically (readers see the old file or the new one)
* ``lazy``: the one list of modules imported inside functions (slow or optional), with the reasons
* ``net``: the one HTTP/Hub client family (the only code that imports huggingface_hub or an HTTP
  library): metering, timeouts, bounded retries, typed failure kinds, Hub, GitHub and paper access,
  the lookup cache
"""
