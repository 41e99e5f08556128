"""Applications: the expression-of-interest form, the applicant's own view of it, and the
coordinators' review in the channel (cards, shortlist, interview, manager support, offers)."""

from __future__ import annotations

from bot.applications.my_application import MyApplication
from bot.applications.review import ApplicationReview
from bot.commands import PERSONAL, TEAM, Command
from bot.events import ApplicationChanged
from bot.features import CommandHandler, Registry, Services
from bot.teams import Turn
from dialogs.application_dialog import ApplicationDialog
from domain.authorisation import Action

_MY_APPLICATION_CHOICES = ("edit", "withdraw", "withdraw_confirmed", "view")


def register(registry: Registry, services: Services) -> CommandHandler:
    """Returns the `apply` command's handler (an announcement's Apply button starts it)."""
    ctx = services.ctx
    review = ApplicationReview(ctx, services.outbox, services.messenger, services.events)
    registry.events.subscribe(ApplicationChanged, review.refresh)
    mine = MyApplication(ctx, review)
    registry.dialog(ApplicationDialog(ctx, review.application_changed))

    async def apply(turn: Turn, _argument: str, _roles) -> None:
        if turn.value is not None and await turn.dialog_in_progress() == "application":
            # Apply pressed again (twice, or on an older card) while the form is open.
            await turn.send(
                "Your application form is already open: carry on with the card above. "
                "(Type **apply** to see your current step again.)"
            )
            return
        reopened = mine.reopen_if_withdrawn(turn)
        if reopened:
            await turn.send(
                "Welcome back — your application is open again with your earlier answers."
            )
        await turn.begin_dialog("application", {"welcome_back": not reopened})

    async def my_application(turn: Turn, _argument: str, _roles) -> None:
        await mine.show(turn)

    async def applications(turn: Turn, _argument: str, _roles) -> None:
        await turn.send_paged(review.applications_report(ctx.clock.now()))

    async def my_application_card(turn: Turn, value: dict) -> None:
        choice = value["my_application"]
        if choice == "edit":
            await turn.begin_dialog("application", {"edit": "review"})
        elif choice == "withdraw":
            await mine.ask_to_withdraw(turn)
        elif choice == "withdraw_confirmed":
            await mine.withdraw(turn)
        else:
            await mine.show(turn)

    registry.command(
        Command("apply", "Apply to the mentoring programme", (PERSONAL,), Action.APPLY), apply
    )
    registry.command(
        Command(
            "my application",
            "See, change or withdraw your application",
            (PERSONAL,),
            Action.VIEW_OWN,
        ),
        my_application,
    )
    registry.command(
        Command(
            "applications",
            "Applications by organisation and stage",
            (TEAM,),
            Action.REVIEW_APPLICATIONS,
        ),
        applications,
    )
    registry.card_action("review", review.act, action=Action.REVIEW_APPLICATIONS)
    registry.card_action("offer", review.answer_offer)
    registry.card_action(
        "my_application",
        my_application_card,
        when=lambda value: value.get("my_application") in _MY_APPLICATION_CHOICES,
    )
    return apply
