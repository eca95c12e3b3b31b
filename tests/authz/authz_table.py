"""Who may do what to which filing: the expected outcome of every cell, in one table.

Actors (columns), in this order:
  anon      no token
  owner     applicant-1, who owns the objects O and P
  other     applicant-2, who owns the object A
  platform  a platform reviewer
  bj        the bureau reviewer of Beijing (the province of O and A)
  gd        the bureau reviewer of Guangdong (the province of P)
  operator  an operator

Objects: O = applicant-1's filing in Beijing; A = another applicant's (applicant-2's)
filing in Beijing; P = applicant-1's filing in another province (Guangdong). Each row
puts all three in one state, the one the operation expects, so that a refusal is about
who asks and not about the state.

A cell reads:
  .      refused: no 2xx, nothing of any of the three objects in the answer, no write
  -      the call is allowed but shows none of the three objects
  O A P  the call is allowed on (or may show) these objects; the others are refused

For operations addressed to an object (a filing, its face task, a message about it, its
principal's SMS challenge, its appid), the letters say on which objects the actor may
act. For the others (lists, creation, dictionaries), they say which objects may appear.
"""

from __future__ import annotations

ACTORS = ("anon", "owner", "other", "platform", "bj", "gd", "operator")
OBJECTS = ("O", "A", "P")

OWNER_ONLY = ".  OP  A  .  .  .  ."
REVIEWERS = ".  OP  A  OAP  OA  P  ."
PLATFORM = ".  .  .  OAP  .  .  ."
BUREAU = ".  .  .  .  OA  P  ."
NOBODY = ".  .  .  .  .  .  ."
APPLICANTS = ".  -  -  .  .  .  ."
ANY_USER = ".  -  -  -  -  -  -"
EVERYONE = "-  -  -  -  -  -  -"
PUBLIC = "OAP  OAP  OAP  OAP  OAP  OAP  OAP"

# row: (operationId, state of O, A and P, cells). A row name "op@variant" checks the same
# operation in a second state.
EXPECTED: dict[str, tuple[str, str, str]] = {
    # The applicant's own filings.
    "createFiling": ("createFiling", "draft", APPLICANTS),
    "listMyFilings": ("listMyFilings", "draft", OWNER_ONLY),
    "getFiling": ("getFiling", "platform_review", REVIEWERS),
    "getFiling@draft": ("getFiling", "draft", OWNER_ONLY),  # reviewers never see drafts
    "updateFiling": ("updateFiling", "draft", OWNER_ONLY),
    "precheckFiling": ("precheckFiling", "draft", OWNER_ONLY),
    "precheckDocument": ("precheckDocument", "draft", APPLICANTS),
    "submitFiling": ("submitFiling", "draft", OWNER_ONLY),
    "withdrawFiling": ("withdrawFiling", "platform_review", OWNER_ONLY),
    "resubmitFiling": ("resubmitFiling", "platform_rejected", OWNER_ONLY),
    "requestCancellation": ("requestCancellation", "filed", OWNER_ONLY),
    "requestChange": ("requestChange", "filed", OWNER_ONLY),
    "startChangeFaceCheck": ("startChangeFaceCheck", "filed", OWNER_ONLY),
    # Documents and the face check (the photo needs only the task id: the principal has
    # no account).
    "uploadMedia": ("uploadMedia", "draft", OWNER_ONLY),
    "createFaceTask": ("createFaceTask", "draft", APPLICANTS),
    "getFaceTask": ("getFaceTask", "draft", OWNER_ONLY),
    "submitFacePhoto": ("submitFacePhoto", "draft", PUBLIC),
    # Review.
    "listPlatformQueue": ("listPlatformQueue", "platform_review", PLATFORM),
    "listBureauQueue": ("listBureauQueue", "bureau_review", BUREAU),
    "listRejectionReasons": ("listRejectionReasons", "draft", ".  .  .  -  -  -  ."),
    "claimFiling": ("claimFiling", "platform_review", PLATFORM),
    "claimFiling@bureau": ("claimFiling", "bureau_review", BUREAU),
    "recordVerificationCall": ("recordVerificationCall", "platform_claimed", PLATFORM),
    "approvePlatformReview": ("approvePlatformReview", "platform_claimed", PLATFORM),
    "rejectPlatformReview": ("rejectPlatformReview", "platform_claimed", PLATFORM),
    "approveBureauReview": ("approveBureauReview", "bureau_claimed", BUREAU),
    "rejectBureauReview": ("rejectBureauReview", "bureau_claimed", BUREAU),
    "revealFiling": ("revealFiling", "platform_review", ".  .  .  OAP  OA  P  ."),
    "revealFiling@draft": ("revealFiling", "draft", NOBODY),
    # The principal's SMS page: no login; mobile + certificate number + code are the key.
    "verifySms": ("verifySms", "sms_verification", PUBLIC),
    "confirmCancellation": ("confirmCancellation", "cancel_pending", PUBLIC),
    "resendSms": ("resendSms", "sms_verification", PUBLIC),
    "getSmsVerificationStatus": ("getSmsVerificationStatus", "sms_verification", PUBLIC),
    # Inboxes and outgoing messages. Messages name the filing they are about.
    "getInbox": ("getInbox", "platform_review", ".  OP  A  -  -  -  -"),
    "markInboxRead": ("markInboxRead", "platform_review", OWNER_ONLY),
    # The development SMS gateway's texts are for the operator who runs it.
    "listSmsOutbox": ("listSmsOutbox", "sms_verification", ".  .  .  .  .  .  OAP"),
    "listOutbox": ("listOutbox", "sms_verification", ".  .  .  .  .  .  OAP"),
    # Accounts.
    "login": ("login", "draft", EVERYONE),
    "logout": ("logout", "draft", ANY_USER),
    "getCurrentUser": ("getCurrentUser", "draft", ANY_USER),
    "listUsers": ("listUsers", "draft", ".  .  .  .  .  .  -"),
    # What anyone may read.
    "getAppletProfile": ("getAppletProfile", "filed", PUBLIC),
    "queryPublicRecords": ("queryPublicRecords", "filed", PUBLIC),
    "listSubjectTypes": ("listSubjectTypes", "draft", EVERYONE),
    "listCertificateTypes": ("listCertificateTypes", "draft", EVERYONE),
    "listServiceTypes": ("listServiceTypes", "draft", EVERYONE),
    "listNrlxTypes": ("listNrlxTypes", "draft", EVERYONE),
    "listDistricts": ("listDistricts", "draft", EVERYONE),
}


def cells(row: str) -> dict[tuple[str, str], bool]:
    """(actor, object) -> allowed, for one row of the table."""
    grid = EXPECTED[row][2].split()
    assert len(grid) == len(ACTORS), f"{row}: one cell per actor"
    return {
        (actor, obj): obj in cell
        for actor, cell in zip(ACTORS, grid, strict=True)
        for obj in OBJECTS
    }


def may_call(row: str, actor: str) -> bool:
    """Whether `actor` may call the operation at all (a cell other than '.')."""
    return EXPECTED[row][2].split()[ACTORS.index(actor)] != "."
