"""What an email says about the partner and the first meeting: the values of the partner card
and the meeting panel, for the proposal and for its reminder. Pure."""

from services.notifier.compose import MeetingPolicy, Schedule, invite_person
from services.notifier.emails import safe_display_name
from services.notifier.wording import Wording
from shared.events import Participant, ProposedPairing, RemindedPairing


def card_values(
    data: ProposedPairing | RemindedPairing,
    me: Participant,
    partner: Participant,
    schedule: Schedule | None,
    wording: Wording,
    policy: MeetingPolicy,
) -> dict[str, str]:
    """What each teaches the other (from `me`'s side), the shared languages, the partner's
    address, the first meeting in `me`'s timezone, and the proposal's expiry."""
    why = data.explanation
    mine, theirs = why.younger_teaches, why.older_teaches
    if me.id != data.younger.id:
        mine, theirs = theirs, mine
    partner_name = safe_display_name(partner.name)
    if schedule and schedule.start and schedule.end:
        when = wording.span(schedule.start, schedule.end, me.timezone)
        meeting = wording.meeting.substitute(interval=policy.interval_weeks, count=policy.count)
    elif schedule:
        when = wording.not_scheduled
        meeting = wording.no_meeting.substitute(days=policy.horizon.days, partner=partner_name)
    else:  # the proposal was never seen here: nothing to say about a meeting
        when, meeting = wording.not_scheduled, ""
    contact = invite_person(partner)
    return {
        "you_teach": wording.skill_list(mine),
        "partner_teaches": wording.skill_list(theirs),
        "languages": wording.language_list(why.shared_languages),
        "partner_email": contact.email if contact else "-",
        "when": when,
        "meeting": meeting,
        "expires": wording.moment(data.expires_at, me.timezone),
    }
