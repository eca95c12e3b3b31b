"""Reading what the services need out of a (possibly incomplete) filing document."""

from __future__ import annotations

from typing import Any, TypeGuard

from beian.crypto.cipher import CERTIFICATE, PHONE, keyed_hash
from beian.filings.models import Filing


def section(document: dict[str, Any], *path: str) -> dict[str, Any]:
    """The nested object at `path`, or {} where anything is missing or not an object."""
    current: Any = document
    for key in path:
        current = current.get(key) if isinstance(current, dict) else None
    return current if isinstance(current, dict) else {}


def text(value: Any, limit: int) -> str | None:
    """A short string column value, or None."""
    return value[:limit] if isinstance(value, str) and value else None


def subject_key(document: dict[str, Any]) -> str | None:
    """Identity of the subject across filings: certificate type and number."""
    organize = section(document, "icp_subject", "organize_info")
    kind, number = organize.get("certificate_type"), organize.get("certificate_number")
    # Only dictionary types (small ids) make a key; the pre-check reports any other.
    if isinstance(kind, int) and 0 < kind < 10_000 and isinstance(number, str) and number.strip():
        return subject_key_of(kind, number)
    return None


def subject_key_of(certificate_type: int, certificate_number: str) -> str:
    """`<type>:<keyed hash of the number>`: an individual's certificate is their ID number,
    so the key (also used by numbering) never holds the number itself."""
    return f"{certificate_type}:{keyed_hash(certificate_number, CERTIFICATE)}"


def denormalise(filing: Filing) -> None:
    """Copy the columns used by queues, rules and the public query from the document."""
    document = filing.document
    base = section(document, "icp_subject", "base_info")
    applet = section(document, "icp_applets", "base_info")
    filing.province = text(base.get("province"), 6)
    filing.subject_name = text(base.get("name"), 200)
    filing.applet_name = text(applet.get("name"), 100)
    filing.appid = text(applet.get("appid"), 64)
    filing.subject_key = subject_key(document)


def people(document: dict[str, Any]) -> list[tuple[str, str, str]]:
    """(role, certificate hash, mobile hash) of each principal fully named in the document."""
    found = []
    for role, part in (("subject", "icp_subject"), ("applet", "icp_applets")):
        principal = section(document, part, "principal_info")
        number, mobile = principal.get("certificate_number"), principal.get("mobile")
        if _filled(number) and _filled(mobile):
            found.append((role, keyed_hash(number, CERTIFICATE), keyed_hash(mobile, PHONE)))
    return found


def _filled(value: Any) -> TypeGuard[str]:
    return isinstance(value, str) and bool(value.strip())


def changed_paths(old: Any, new: Any, prefix: str = "") -> list[str]:
    """Dotted paths of the leaves that differ between two documents."""
    if isinstance(old, dict) and isinstance(new, dict):
        paths: list[str] = []
        for key in sorted(set(old) | set(new), key=str):
            child = f"{prefix}.{key}" if prefix else str(key)
            paths.extend(changed_paths(old.get(key), new.get(key), child))
        return paths
    if isinstance(old, list) and isinstance(new, list) and len(old) == len(new):
        paths = []
        for index, (a, b) in enumerate(zip(old, new, strict=True)):
            paths.extend(changed_paths(a, b, f"{prefix}.{index}"))
        return paths
    return [] if old == new else [prefix]
