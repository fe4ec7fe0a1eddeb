"""German (formal address, "Sie")."""

from string import Template

from services.notifier.blocks import Actions, card, panel, para
from services.notifier.lang.de_followup import GERMAN_FOLLOWUP
from services.notifier.wording import Wording

GERMAN = Wording(
    locale="de",
    weekdays=("Montag", "Dienstag", "Mittwoch", "Donnerstag", "Freitag", "Samstag", "Sonntag"),
    months=(
        "Januar",
        "Februar",
        "März",
        "April",
        "Mai",
        "Juni",
        "Juli",
        "August",
        "September",
        "Oktober",
        "November",
        "Dezember",
    ),
    date=Template("$weekday, $day. $month $year"),
    time_suffix=" Uhr",
    proposal_subject=Template("Ihr Reverse-Mentoring-Tandem: $partner"),
    proposal=(
        para("Hallo $name,"),
        para("wir freuen uns, Ihnen Ihr Reverse-Mentoring-Tandem vorzustellen: $partner."),
        card(
            "Ihr Tandem",
            "$partner",
            (
                "Das bringen Sie $partner bei: $you_teach.",
                "Das bringt $partner Ihnen bei: $partner_teaches.",
            ),
            ("Gemeinsame Sprachen: $languages.", "So erreichen Sie $partner: $partner_email"),
        ),
        panel("Ihr erstes Treffen", "$when", "$meeting"),
        para("Bitte nehmen Sie das Tandem bis $expires an oder lehnen Sie es ab."),
        Actions(("accept", "decline")),
        para("Viele Grüße\n$program"),
    ),
    meeting=Template(
        "Es wiederholt sich alle $interval Wochen, insgesamt $count Termine. Die "
        "Kalendereinladung ist angehängt."
    ),
    not_scheduled="noch offen",
    no_meeting=Template(
        "In den nächsten $days Tagen haben Sie keine gemeinsame freie Zeit. "
        "Bitte verabreden Sie das erste Treffen direkt mit $partner."
    ),
    cancel_subject=Template("Ihr Reverse-Mentoring-Tandem mit $partner wurde abgesagt"),
    cancel=(
        para("Hallo $name,"),
        para(
            "Ihr Reverse-Mentoring-Tandem mit $partner wurde abgesagt: $reason.\nDetails: $detail"
        ),
        para("$calendar"),
        para("Viele Grüße\n$program"),
    ),
    ended_subject=Template("Ihr Reverse-Mentoring-Tandem mit $partner ist beendet"),
    ended=(
        para("Hallo $name,"),
        para("Ihr Reverse-Mentoring-Tandem mit $partner ist beendet: $reason."),
        para("Vielen Dank, dass Sie beide mitgemacht haben."),
        para("$calendar"),
        para("Viele Grüße\n$program"),
    ),
    calendar_removed="Die Termine werden aus Ihrem Kalender entfernt.",
    activated_subject=Template("Ihr Reverse-Mentoring-Tandem mit $partner hat begonnen"),
    activated=(
        para("Hallo $name,"),
        para("Sie und $partner haben beide angenommen: Ihr Reverse-Mentoring-Tandem ist aktiv."),
        Actions(("end",)),
        para("Viele Grüße\n$program"),
    ),
    answer_labels={
        "accept": "Tandem annehmen",
        "decline": "Tandem ablehnen (gern mit Grund)",
        "end": "Hat das Tandem seinen Zweck erfüllt? Hier beenden Sie es",
    },
    reasons={
        "declined": "einer von Ihnen hat abgelehnt",
        "expired": "es wurde nicht rechtzeitig bestätigt",
        "constraint_broken": "es passt nicht mehr zu den Regeln des Programms",
        "profile_deleted": "ein Profil wurde aus dem Programm entfernt",
        "ended": "einer von Ihnen hat es als abgeschlossen markiert",
        "rematch_requested": "einer von Ihnen hat um ein neues Tandem gebeten; Sie sind beide "
        "frei für die nächste Runde",
        "program_ended": "das Programm ist zu Ende",
    },
    conjunction="und",
    footer=Template("Sie erhalten diese E-Mail, weil Sie an $program teilnehmen."),
    followup=GERMAN_FOLLOWUP,
)
