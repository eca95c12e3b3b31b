"""The reviewers' rules of the lifecycle machine: claim, approve and reject, at the platform
and at the bureau, by the holder of the claim or by someone else, in or out of province.
"""

from __future__ import annotations

from hypothesis import strategies as st

from beian.core.workflow import Event, Status
from beian.filings import review
from beian.filings.errors import BAD_INPUT, Conflict, FilingError, Forbidden, IllegalMove, NotFound
from tests.model.model_applicant_rules import INDEX, LEGAL, some_in
from tests.model.model_documents import REJECTABLE
from tests.model.model_harness import REFUSED, Harness, Refusal, action
from tests.model.model_state import CLAIM_TTL, MFiling

S = Status
CLAIM_TTL_MINUTES = int(CLAIM_TTL.total_seconds() // 60)
PLATFORM_REVIEWERS = ("platform-a", "platform-b")
BUREAU_REVIEWERS = (("bureau-bj-1", "110000"), ("bureau-bj-2", "110000"), ("bureau-sh", "310000"))
STAGE_STATUS = {"platform": S.PLATFORM_REVIEW, "bureau": S.BUREAU_REVIEW}
# Who acts: a named reviewer, or (numbers past the list) whoever holds the claim.
ACTOR = st.integers(min_value=0, max_value=5)
# Four times in five the reviewer claims the filing just before deciding.
CLAIM_FIRST = st.integers(min_value=0, max_value=4).map(lambda n: n > 0)
# Minutes between claiming and deciding: mostly none, sometimes just inside or just past
# the four hours a claim holds.
PAUSE = st.sampled_from((0,) * 8 + (CLAIM_TTL_MINUTES - 1, CLAIM_TTL_MINUTES + 1))
# Three decisions in four approve.
APPROVE = st.integers(min_value=0, max_value=3).map(lambda n: n > 0)
# The fields named in a rejection; one time in ten none, which makes it invalid.
REASONS = st.integers(min_value=0, max_value=9).flatmap(
    lambda n: (
        st.just([]) if n == 0 else st.lists(st.sampled_from(REJECTABLE), min_size=1, max_size=2)
    )
)


class ReviewRules(Harness):
    """What platform and bureau reviewers do."""

    def reviewer(self, filing: MFiling, stage: str, actor: int) -> tuple[str, str | None]:
        """A reviewer of the stage (and their province): the claim holder, or a named one."""
        if stage == "platform":
            names = [(name, None) for name in PLATFORM_REVIEWERS]
        else:
            names = [(name, province) for name, province in BUREAU_REVIEWERS]
        if actor >= len(names):
            held = [pair for pair in names if pair[0] == filing.claimed_by]
            return held[0] if held else names[0]
        return names[actor]

    def refusal(
        self, filing: MFiling, stage: str, province: str | None, *, holding: str | None
    ) -> Refusal | None:
        """Why a reviewer may not act on this filing now (None: they may)."""
        if stage == "bureau" and filing.province != province:
            return Refusal(NotFound)
        if filing.status != STAGE_STATUS[stage]:
            return Refusal(Conflict)
        if holding is not None and (
            filing.claimed_by != holding or not self.model.claim_active(filing, self.now())
        ):
            return Refusal(Forbidden)
        return None

    @action(
        4,
        when=some_in(S.PLATFORM_REVIEW, S.BUREAU_REVIEW),
        index=INDEX,
        legal=LEGAL,
        stage=st.sampled_from(("platform", "bureau")),
        actor=ACTOR,
    )
    def claim(self, index: int, legal: bool, stage: str, actor: int) -> None:
        filing = self.pick(index, legal, frozenset({STAGE_STATUS[stage]}))
        name, province = self.reviewer(filing, stage, actor)
        self.take(filing, stage, name, province)

    def take(self, filing: MFiling, stage: str, name: str, province: str | None) -> None:
        """A reviewer claims the filing (refused while someone else's claim holds)."""
        now = self.now()
        expected = self.refusal(filing, stage, province, holding=None)
        held_by_other = filing.claimed_by not in (None, name)
        if expected is None and held_by_other and self.model.claim_active(filing, now):
            expected = Refusal(Conflict)
        done = self.attempt(
            f"claim_{stage}",
            expected,
            lambda s: review.claim(
                s, filing_id=filing.id, reviewer=name, stage=stage, now=now, province=province
            ),
        )
        if done is not REFUSED:
            filing.claimed_by, filing.claimed_at = name, now

    @action(
        8,
        when=some_in(S.PLATFORM_REVIEW),
        index=INDEX,
        legal=LEGAL,
        actor=ACTOR,
        approve=APPROVE,
        fields=REASONS,
        claim_first=CLAIM_FIRST,
        pause=PAUSE,
    )
    def platform_decides(
        self,
        index: int,
        legal: bool,
        actor: int,
        approve: bool,
        fields: list[str],
        claim_first: bool,
        pause: int,
    ) -> None:
        filing = self.pick(index, legal, frozenset({S.PLATFORM_REVIEW}))
        name, province = self.reviewer(filing, "platform", actor)
        if claim_first:
            self.take(filing, "platform", name, province)
        self.clock.advance(minutes=pause)
        now = self.now()
        expected = self.refusal(filing, "platform", None, holding=name)
        if expected is None and not approve and not fields:
            expected = Refusal(FilingError, errcode=BAD_INPUT)
        reasons = [{"field": f, "error": "请补充说明", "suggest": "按要求修改"} for f in fields]
        done = self.attempt(
            "platform_approve" if approve else "platform_reject",
            expected,
            lambda s: (
                review.approve_platform(s, filing_id=filing.id, reviewer=name, now=now)
                if approve
                else review.reject_platform(
                    s, filing_id=filing.id, reviewer=name, audit_data=reasons, now=now
                )
            ),
        )
        if done is REFUSED:
            return
        if approve:
            self.model.move(filing, Event.PLATFORM_APPROVE, actor=name, now=now)
            self.model.start_challenges(filing, "verify", now)
        else:
            self.model.move(filing, Event.PLATFORM_REJECT, actor=name, now=now)
            filing.unlocked = sorted(set(fields))

    @action(
        8,
        when=some_in(S.BUREAU_REVIEW),
        index=INDEX,
        legal=LEGAL,
        actor=ACTOR,
        approve=APPROVE,
        fields=REASONS,
        claim_first=CLAIM_FIRST,
        pause=PAUSE,
    )
    def bureau_decides(
        self,
        index: int,
        legal: bool,
        actor: int,
        approve: bool,
        fields: list[str],
        claim_first: bool,
        pause: int,
    ) -> None:
        filing = self.pick(index, legal, frozenset({S.BUREAU_REVIEW}))
        name, province = self.reviewer(filing, "bureau", actor)
        if claim_first:
            self.take(filing, "bureau", name, province)
        self.clock.advance(minutes=pause)
        now = self.now()
        expected = self.refusal(filing, "bureau", province, holding=name)
        original = self.model.filings.get(filing.replaces_id or "")
        if expected is None and approve and original and original.status != S.FILED:
            # A change replaces a filed record; one no longer filed cannot be superseded.
            expected = Refusal(IllegalMove)
        if expected is None and not approve and not fields:
            expected = Refusal(FilingError, errcode=BAD_INPUT)
        reasons = [{"field": f, "error": "材料不符", "suggest": "请更正"} for f in fields]
        done = self.attempt(
            "bureau_approve" if approve else "bureau_reject",
            expected,
            lambda s: (
                review.approve_bureau(
                    s, filing_id=filing.id, reviewer=name, province=str(province), now=now
                )
                if approve
                else review.reject_bureau(
                    s,
                    filing_id=filing.id,
                    reviewer=name,
                    province=str(province),
                    audit_data=reasons,
                    now=now,
                )
            ),
        )
        if done is REFUSED:
            return
        if not approve:
            self.model.move(filing, Event.BUREAU_REJECT, actor=name, now=now)
            filing.unlocked = sorted(set(fields))
            return
        if original is not None:
            self.model.move(original, Event.SUPERSEDE, actor=name, now=now)
            filing.record_number, original.record_number = original.record_number, None
        else:
            filing.record_number = self.model.issue_number(filing, now)
        filing.filed_at = now
        self.model.move(filing, Event.BUREAU_APPROVE, actor=name, now=now)
