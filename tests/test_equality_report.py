"""`report` breaks applications and acceptances down by each equality monitoring question,
with small groups suppressed and a lone hidden group protected from subtraction; the numbers
below are worked out by hand from the fixture."""

from __future__ import annotations

from sqlmodel import select

from store.models import Application, EqualityMonitoring
from store.people import upsert_person
from store.seed import seed_demo
from tests.applying import set_up_channel
from tests.conftest import START
from tests.test_reports import _facts, report_card

# 12 trainees (T1-T6 accepted, T7-T12 submitted) and seed_demo's 4 accepted mentors (M1-M4).
# What each answered (None: not answered).
ANSWERS = {
    "T1": {"gender": "woman", "ethnicity": "white", "disability": "yes"},
    "T2": {"gender": "woman", "ethnicity": "white", "disability": "yes"},
    "T3": {"gender": "woman", "ethnicity": "white", "disability": "yes"},
    "T4": {"gender": "woman", "ethnicity": "white", "disability": "yes"},
    "T5": {"gender": "woman", "ethnicity": "white", "disability": "yes"},
    "T6": {"gender": "man", "ethnicity": "white", "disability": "no"},
    "T7": {"gender": "man", "ethnicity": "asian", "disability": "no"},
    "T8": {"gender": "man", "ethnicity": "asian", "disability": "no"},
    "T9": {"gender": "man", "ethnicity": "asian", "disability": "no"},
    "T10": {"gender": "man", "ethnicity": "asian", "disability": "no"},
    "T11": {"gender": "other", "ethnicity": "asian", "disability": "prefer_not_to_say"},
    "T12": {"ethnicity": "black", "disability": "prefer_not_to_say"},
    "M1": {"gender": "woman", "ethnicity": "white", "disability": "prefer_not_to_say"},
    "M2": {"gender": "woman", "ethnicity": "asian", "disability": "prefer_not_to_say"},
    "M3": {"gender": "man", "ethnicity": "white", "disability": "prefer_not_to_say"},
    "M4": None,
}
F5 = "fewer than 5"

EXPECTED = {
    # Applied: woman 7, man 6, another way 1, prefer not 0, not answered 2 (T12, M4).
    # Accepted: woman 7 (T1-T5, M1, M2), man 2 (T6, M3), not answered 1 (M4).
    "Applications by gender": {
        "Woman": "applied: 7, accepted: 7",
        "Man": f"applied: 6, accepted: {F5}",
        "In another way": f"applied: {F5}, accepted: {F5}",
        "Prefer not to say": f"applied: {F5}, accepted: {F5}",
        "Not answered": f"applied: {F5}, accepted: {F5}",
        "All": "applied: 16, accepted: 10",
    },
    # Applied: white 8 (T1-T6, M1, M3), asian 6 (T7-T11, M2), black 1, not answered 1 (M4).
    # Accepted: white 8, asian 1 (M2), black 0, not answered 1.
    "Applications by ethnic group": {
        "Asian or Asian British": f"applied: 6, accepted: {F5}",
        "Black, Black British, Caribbean or African": f"applied: {F5}, accepted: {F5}",
        "Mixed or multiple ethnic groups": f"applied: {F5}, accepted: {F5}",
        "White": "applied: 8, accepted: 8",
        "Other ethnic group": f"applied: {F5}, accepted: {F5}",
        "Prefer not to say": f"applied: {F5}, accepted: {F5}",
        "Not answered": f"applied: {F5}, accepted: {F5}",
        "All": "applied: 16, accepted: 10",
    },
    # Applied: yes 5, no 5, prefer not 5, not answered 1 (M4): only "not answered" would be
    # hidden, and 16 - 15 would give it away, so the first of the smallest (yes) is hidden too.
    # Accepted: yes 5, no 1 (T6), prefer not 3 (M1-M3), not answered 1 (M4).
    "Applications by disability": {
        "Yes": "applied: not shown, accepted: 5",
        "No": f"applied: 5, accepted: {F5}",
        "Prefer not to say": f"applied: 5, accepted: {F5}",
        "Not answered": f"applied: {F5}, accepted: {F5}",
        "All": "applied: 16, accepted: 10",
    },
    # Nobody answered: everyone is "not answered", every band is hidden.
    "Applications by age": {
        "Under 25": f"applied: {F5}, accepted: {F5}",
        "25–34": f"applied: {F5}, accepted: {F5}",
        "35–44": f"applied: {F5}, accepted: {F5}",
        "45–54": f"applied: {F5}, accepted: {F5}",
        "55 or over": f"applied: {F5}, accepted: {F5}",
        "Prefer not to say": f"applied: {F5}, accepted: {F5}",
        "Not answered": "applied: 16, accepted: 10",
        "All": "applied: 16, accepted: 10",
    },
}


def _seed(ctx) -> None:
    with ctx.session() as session:
        programme = seed_demo(session, START)
        mentors = session.exec(
            select(Application).where(Application.role == "mentor").order_by(Application.id)
        ).all()
        applications = {f"M{n}": a for n, a in enumerate(mentors, 1)}
        for n in range(1, 13):
            person = upsert_person(session, f"aad-t{n}", START, display_name=f"Trainee {n}")
            application = Application(
                programme_id=programme.id,
                person_id=person.id,
                role="trainee",
                status="accepted" if n <= 6 else "submitted",
                organisation="City Council",
                answers={},
                submitted_at=START,
                created_at=START,
                updated_at=START,
            )
            session.add(application)
            session.flush()
            applications[f"T{n}"] = application
        for who, answers in ANSWERS.items():
            if answers is not None:
                session.add(
                    EqualityMonitoring(
                        application_id=applications[who].id, answers=answers, created_at=START
                    )
                )


async def test_report_breaks_applications_down_by_equality_answers_with_suppression(bot):
    _seed(bot.ctx)
    await set_up_channel(bot)
    facts = _facts(await report_card(bot))
    for heading, groups in EXPECTED.items():
        shown = {k.split(" / ", 1)[1]: v for k, v in facts.items() if k.startswith(heading)}
        assert shown == groups, heading
    # The organisation funnel follows the same rule: City Council (12 trainees and a mentor)
    # shown, the other three mentors' organisations (1 each) hidden.
    assert facts["Applications by organisation / City Council"].startswith("13 requested")
