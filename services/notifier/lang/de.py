"""German (formal address, "Sie")."""

from string import Template

from services.notifier.wording import Wording
from shared.vocabulary import Skill

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
        Template("Hallo $name,"),
        Template("wir freuen uns, Ihnen Ihr Reverse-Mentoring-Tandem vorzustellen: $partner."),
        Template(
            "Das bringen Sie $partner bei: $you_teach.\nDas bringt $partner Ihnen bei: "
            "$partner_teaches.\nGemeinsame Sprachen: $languages."
        ),
        Template("So erreichen Sie $partner: $partner_email"),
        Template("$meeting"),
        Template("Bitte nehmen Sie das Tandem bis $expires an oder lehnen Sie es ab."),
        Template("Viele Grüße\n$program"),
    ),
    meeting=Template(
        "Ihr erstes Treffen: $when. Es wiederholt sich alle $interval Wochen, insgesamt "
        "$count Termine. Die Kalendereinladung ist angehängt."
    ),
    no_meeting=Template(
        "In den nächsten $days Tagen haben Sie keine gemeinsame freie Zeit. "
        "Bitte verabreden Sie das erste Treffen direkt mit $partner."
    ),
    cancel_subject=Template("Ihr Reverse-Mentoring-Tandem mit $partner wurde abgesagt"),
    cancel=(
        Template("Hallo $name,"),
        Template(
            "Ihr Reverse-Mentoring-Tandem mit $partner wurde abgesagt: $reason.\nDetails: $detail"
        ),
        Template("$calendar"),
        Template("Viele Grüße\n$program"),
    ),
    ended_subject=Template("Ihr Reverse-Mentoring-Tandem mit $partner ist beendet"),
    ended=(
        Template("Hallo $name,"),
        Template("Ihr Reverse-Mentoring-Tandem mit $partner ist beendet: $reason."),
        Template("Vielen Dank, dass Sie beide mitgemacht haben."),
        Template("$calendar"),
        Template("Viele Grüße\n$program"),
    ),
    calendar_removed="Die Termine werden aus Ihrem Kalender entfernt.",
    reasons={
        "declined": "einer von Ihnen hat abgelehnt",
        "expired": "es wurde nicht rechtzeitig bestätigt",
        "constraint_broken": "es passt nicht mehr zu den Regeln des Programms",
        "profile_deleted": "ein Profil wurde aus dem Programm entfernt",
        "ended": "einer von Ihnen hat es als abgeschlossen markiert",
    },
    conjunction="und",
    skills={
        Skill.SOCIAL_MEDIA: "Social Media",
        Skill.DIGITAL_TOOLS: "digitale Werkzeuge",
        Skill.AI_TOOLS: "KI-Werkzeuge",
        Skill.DATA_ANALYSIS: "Datenanalyse",
        Skill.CONTENT_CREATION: "Content-Erstellung",
        Skill.VIDEO_EDITING: "Videoschnitt",
        Skill.MOBILE_APPS: "mobile Apps",
        Skill.REMOTE_COLLABORATION: "Zusammenarbeit auf Distanz",
        Skill.CYBERSECURITY_HYGIENE: "IT-Sicherheit im Alltag",
        Skill.PROGRAMMING: "Programmieren",
        Skill.NEW_TRENDS: "neue Trends",
        Skill.PERSONAL_BRANDING: "Personal Branding",
        Skill.STRATEGY: "Strategie",
        Skill.LEADERSHIP: "Führung",
        Skill.EMOTIONAL_INTELLIGENCE: "emotionale Intelligenz",
        Skill.INDUSTRY_KNOWLEDGE: "Branchenwissen",
        Skill.NEGOTIATION: "Verhandlungsführung",
        Skill.PUBLIC_SPEAKING: "freies Sprechen",
        Skill.CAREER_NAVIGATION: "Karriereplanung",
        Skill.STAKEHOLDER_MANAGEMENT: "Stakeholder-Management",
        Skill.CONFLICT_RESOLUTION: "Konfliktlösung",
        Skill.BUSINESS_WRITING: "Geschäftskorrespondenz",
        Skill.FINANCIAL_ACUMEN: "Finanzverständnis",
        Skill.DECISION_MAKING: "Entscheidungsfindung",
    },
)
