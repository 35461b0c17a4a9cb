"""What an attachment's bytes say it is: magic numbers per allowed extension, and markup.

A browser may render a file as a page from its content whatever its name, so content
that reads as HTML, SVG, XML or script is refused for every extension, after any byte
order mark, whitespace or UTF-16 zero bytes. Binary formats must start as their format does.
"""

import re

SNIFF_BYTES = 4096

# Leading bytes of each allowed binary format (any one of them matches).
_ZIP = (b"PK\x03\x04", b"PK\x05\x06")
_OLE = (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1",)
MAGIC = {
    "pdf": (b"%PDF-",),
    "png": (b"\x89PNG\r\n\x1a\n",),
    "jpg": (b"\xff\xd8\xff",),
    "jpeg": (b"\xff\xd8\xff",),
    "gif": (b"GIF87a", b"GIF89a"),
    "webp": (b"RIFF",),
    "rtf": (b"{\\rtf",),
    "zip": _ZIP,
    "docx": _ZIP,
    "xlsx": _ZIP,
    "pptx": _ZIP,
    "odt": _ZIP,
    "ods": _ZIP,
    "odp": _ZIP,
    "doc": _OLE,
    "xls": _OLE,
    "ppt": _OLE,
    "msg": _OLE,
    "eml": (),  # a mail: header lines first (its HTML part is fine, it is never rendered)
}
_MAIL_HEADER = re.compile(rb"[A-Za-z][A-Za-z0-9-]*:[ \t]")
_BOMS = (b"\xef\xbb\xbf", b"\xff\xfe\x00\x00", b"\x00\x00\xfe\xff", b"\xff\xfe", b"\xfe\xff")
# Tags a browser's sniffer or an HTML parser acts on; searched anywhere in the first bytes.
_MARKUP = re.compile(
    rb"<\s*(?:!doctype|!--|!\[cdata|\?xml|\?xml-stylesheet|html|head|body|script|iframe|frame|frameset|object|"
    rb"embed|svg|math|img|image|video|audio|source|style|link|meta|base|form|input|button|a|div|span|p|br|b|i|"
    rb"table|font|title|h[1-6]|xml|xsl:|template)(?=[\s/>]|$)",
    re.IGNORECASE,
)


def _text_view(head: bytes) -> bytes:
    """The head without byte order marks and zero bytes (UTF-16/32 text read as ASCII)."""
    for bom in _BOMS:
        if head.startswith(bom):
            head = head[len(bom) :]
            break
    return head.replace(b"\x00", b"")


def looks_like_markup(head: bytes) -> bool:
    return bool(_MARKUP.search(_text_view(head)))


def format_matches(extension: str, head: bytes) -> bool:
    """True when a binary format's file starts as that format does; text formats always match."""
    starts = MAGIC.get(extension)
    if starts is None:
        return True
    if extension == "pdf":  # readers accept a PDF header anywhere in the first kilobyte
        return b"%PDF-" in head[:1024]
    if extension == "eml":
        return bool(_MAIL_HEADER.match(head.lstrip(b"\r\n")))
    if extension == "webp":
        return head.startswith(b"RIFF") and head[8:12] == b"WEBP"
    return head.startswith(starts)
