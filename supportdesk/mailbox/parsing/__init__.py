"""Reading mail as it is in the wild: raw bytes in, a :class:`ParsedMail` out.

Pure functions over the stdlib ``email`` package (``policy.default``) with
fallbacks for broken charsets, headers and boundaries. Nothing here touches
the database; ``mailbox.services`` stores what this returns. ``parse`` never
raises for bad input: what it cannot read it reports in ``defects``, and only
a mail that yields nothing usable raises :class:`Unreadable` (→ quarantine).

The MIME structure and transfer decoding come from ``policy.default``; the rest
is split by topic:

- :mod:`.message`: ``parse``, ``ParsedMail``, loop protection and bounces;
- :mod:`.headers`: header values (RFC 2047 words, addresses, ids, dates) and
  repairs of broken header blocks;
- :mod:`.charset`: bytes to text whatever the declared charset;
- :mod:`.mime`: the walk over the MIME tree (which part is body, which attachment);
- :mod:`.bodies`: HTML to text, and HTML sanitised for display;
- :mod:`.attachments`: ``Attachment``, uuencoded blocks, TNEF (``winmail.dat``).

Other apps use only the names exported here.
"""

from supportdesk.mailbox.parsing.attachments import Attachment
from supportdesk.mailbox.parsing.bodies import html_to_text, sanitize_html
from supportdesk.mailbox.parsing.charset import decode_bytes
from supportdesk.mailbox.parsing.headers import decode_words
from supportdesk.mailbox.parsing.message import ParsedMail, Unreadable, parse

__all__ = [
    "Attachment",
    "ParsedMail",
    "Unreadable",
    "decode_bytes",
    "decode_words",
    "html_to_text",
    "parse",
    "sanitize_html",
]
