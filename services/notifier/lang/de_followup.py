"""German (formal address, "Sie"): the reminder, the check-in and its nudge."""

from string import Template

from services.notifier.blocks import Actions, card, panel, para
from services.notifier.followup_wording import FollowUpWording

GERMAN_FOLLOWUP = FollowUpWording(
    reminder_subject=Template("Erinnerung: $partner wartet auf Ihre Antwort"),
    reminder=(
        para("Hallo $name,"),
        para("Ihr Reverse-Mentoring-Tandem mit $partner wartet noch auf Ihre Antwort."),
        card(
            "Ihr Tandem",
            "$partner",
            (
                "Das bringen Sie $partner bei: $you_teach.",
                "Das bringt $partner Ihnen bei: $partner_teaches.",
            ),
            ("Gemeinsame Sprachen: $languages.",),
        ),
        panel("Ihr erstes Treffen", "$when", "$meeting"),
        para("Bitte nehmen Sie das Tandem bis $expires an oder lehnen Sie es ab."),
        Actions(("accept", "decline")),
    ),
    checkin_subject=Template("Wie läuft es mit $partner?"),
    final_subject=Template("Das Programm ist zu Ende: Wie war es mit $partner?"),
    nudge_subject=Template("Nur ein Klick: Wie läuft es mit $partner?"),
    checkin_intro=(
        para("Hallo $name,"),
        para(
            "wie läuft Ihr Reverse-Mentoring-Tandem mit $partner? Jede Antwort ist ein Klick, "
            "und Sie können sie bis $closes ändern."
        ),
    ),
    final_intro=(
        para("Hallo $name,"),
        para(
            "das Programm ist zu Ende und damit auch Ihr Reverse-Mentoring-Tandem mit $partner. "
            "Vielen Dank, dass Sie mitgemacht haben! Ein letztes Mal: Wie war es? Sie können "
            "bis $closes antworten."
        ),
    ),
    nudge_intro=(
        para("Hallo $name,"),
        para(
            "wir haben noch nichts von Ihnen zu Ihrem Tandem mit $partner gehört. Ihre Antwort "
            "hilft dem Programm; sie ist ein Klick, bis $closes."
        ),
    ),
    met_question="Haben Sie sich getroffen?",
    met_labels={"yes": "Ja", "not_yet": "Noch nicht", "stopped": "Wir haben aufgehört"},
    usefulness_question="Wie nützlich war es? 1: gar nicht, 5: sehr.",
    learned_question="Was haben Sie von $partner gelernt?",
    learned_other="Etwas anderes (im Formular eintragen)",
    rematch="Passt das Tandem nicht? Sie können um ein neues Tandem bitten: Das beendet dieses "
    "Tandem, und Sie sind beide frei für die nächste Runde.",
    rematch_label="Um ein neues Tandem bitten",
    closing=(para("Viele Grüße\n$program"),),
    unsubscribe="Lieber keine Erinnerungen? Check-ins und Nachrichten zu Ihrem Tandem erhalten "
    "Sie weiterhin.",
    unsubscribe_label="Erinnerungen abbestellen",
)
