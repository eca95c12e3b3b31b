"""The pre-check: every rule of SPEC section 4 as a small function producing findings.

`precheck(data, now=...)` parses the document and runs every rule in `RULES`; each
rule is a plain function `(doc, ctx) -> Iterable[Finding]`. Without a registry the
check runs offline: findings that need other filings (shared phones, subject
consistency and limits) have nothing to compare with, and the face check and the uploads
named are warnings.

Each rule group owns one errcode range; codes are stable and never reused.

errcodes   rule group (module)                       codes
1001-1099  document shape (beian.core.document)      1001 unknown field, 1002 missing,
           1003 wrong type, 1004 too long or too many items, 1005 other bad value,
           1006 not a JSON object
1100-1199  required fields per subject type          1101 required field empty,
           (rules.required)                          1102 organisation's certificate photo
1200-1299  certificate types (rules.certificates)    1201 unknown subject type,
           1202 subject certificate type unknown or not for the subject type,
           1203 principal certificate type unknown or not personal
1300-1399  resident ID, GB 11643 (rules.identity)    1301 length, 1302 characters,
           1303 lower-case x, 1304 check character, 1305 birth date, 1306 province
           prefix, 1307 county code unknown for the birth year (warning),
           1308 unverifiable (warning)
1400-1499  USCC, GB 32100 (rules.identity)           1401 length, 1402 lower case,
           1403 characters or layout, 1404 check character, 1408 unverifiable (warning)
1500-1599  certificate validity (rules.certificates) 1501 start not a date, 1502 end
           neither a date nor 长期, 1503 end not after start, 1504 start in the future,
           1505 expired or too little validity left (per-province months)
1600-1699  mobiles (rules.contacts)                  1601 mobile format, 1602 emergency
           contact format, 1603 emergency contact is the own mobile, 1604 two people
           share a mobile in the filing, 1605 mobile held by another person elsewhere
1700-1799  email (rules.contacts)                    1701 syntax
1800-1899  districts, address (rules.places)         1801 province, 1802 city not in the
           province, 1803 district not in the city, 1811 address repeats the place
           prefix, 1812 address may repeat it (warning)
1900-1999  services, pre-approvals (rules.services)  1901 more than 5 types, 1902 unknown
           type, 1903 level-1 type, 1904 duplicate type, 1906 unknown pre-approval,
           1907 duplicate pre-approval, 1908 approval number missing, 1909 approval
           document missing, 1910 "none" mixed with others, 1911 required approval missing
2000-2099  applet comment (rules.texts)              2001 under 20 characters, 2002 over 200
2100-2199  prohibited words (rules.texts)            2101 in the applet name, 2102 in the
           applet comment
2200-2299  individual applet names (rules.texts)     2201 only Latin letters or digits,
           2202 中国/中华/国家 prefix, 2203 implies a company, industry or official body
2300-2399  conditional documents (rules.documents)   2302 legal person details missing,
           2303 authorization letter missing, 2304 residence permit missing,
           2305 an individual's subject certificate differs from the principal's
2400-2499  subject consistency (rules.subjects)      2401 province differs from the
           subject's other filings, 2402 name differs, 2403 an individual's applet
           principal is not the subject principal, 2404 an individual's subject name is
           not the principal's name
2500-2599  subject limits (rules.subjects)           2501 individual applet limit,
           2502 organisation applet limit, 2503 another filing of the subject at the bureau
2600-2699  face check (rules.facecheck)              2601 cannot be checked offline
           (warning), 2602 task not found, 2603 not finished, 2604 failed, 2605 expired,
           2606 photo awaits the platform reviewer (warning), 2607 the task checks
           another person than the applet principal named
2700-2799  per-province materials (rules.documents) 2701 a required material is missing
2800-2899  uploads named (rules.uploads)             2801 cannot be checked offline
           (warning), 2802 no upload of the applicant has that id (missing and someone
           else's read alike), 2803 the file type does not suit the field, 2804 a
           certificate field names a file not uploaded (and checked) as a certificate photo
9001       engine                                    a rule failed unexpectedly (an error,
           so nothing passes unchecked)
"""

from beian.core.precheck.config import PrecheckConfig, ProvinceRules
from beian.core.precheck.context import Context, Rule
from beian.core.precheck.engine import RULES, precheck
from beian.core.precheck.registry import (
    FaceTaskFacts,
    InMemoryRegistry,
    Registry,
    SubjectFacts,
    UploadFacts,
)

__all__ = [
    "RULES",
    "Context",
    "FaceTaskFacts",
    "InMemoryRegistry",
    "PrecheckConfig",
    "ProvinceRules",
    "Registry",
    "Rule",
    "SubjectFacts",
    "UploadFacts",
    "precheck",
]
