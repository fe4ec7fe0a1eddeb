"""The shared skill vocabulary: what the two generations typically bring to each other, and its
labels in each language people read (the notifier's emails, the matcher's answer pages)."""

from collections.abc import Mapping
from enum import StrEnum


class Skill(StrEnum):
    """A skill from the shared vocabulary. Free-text extras sit beside these in a profile."""

    # What the younger side usually brings.
    SOCIAL_MEDIA = "social_media"
    DIGITAL_TOOLS = "digital_tools"
    AI_TOOLS = "ai_tools"
    DATA_ANALYSIS = "data_analysis"
    CONTENT_CREATION = "content_creation"
    VIDEO_EDITING = "video_editing"
    MOBILE_APPS = "mobile_apps"
    REMOTE_COLLABORATION = "remote_collaboration"
    CYBERSECURITY_HYGIENE = "cybersecurity_hygiene"
    PROGRAMMING = "programming"
    NEW_TRENDS = "new_trends"
    PERSONAL_BRANDING = "personal_branding"
    # What the older side usually brings.
    STRATEGY = "strategy"
    LEADERSHIP = "leadership"
    EMOTIONAL_INTELLIGENCE = "emotional_intelligence"
    INDUSTRY_KNOWLEDGE = "industry_knowledge"
    NEGOTIATION = "negotiation"
    PUBLIC_SPEAKING = "public_speaking"
    CAREER_NAVIGATION = "career_navigation"
    STAKEHOLDER_MANAGEMENT = "stakeholder_management"
    CONFLICT_RESOLUTION = "conflict_resolution"
    BUSINESS_WRITING = "business_writing"
    FINANCIAL_ACUMEN = "financial_acumen"
    DECISION_MAKING = "decision_making"


def label(skill: Skill) -> str:
    """The skill's English name, as explanations carry it ("ai tools")."""
    return skill.value.replace("_", " ")


_NAMED = {name: skill for skill in Skill for name in (skill.value, label(skill))}


def named_skill(text: str) -> Skill | None:
    """The vocabulary skill `text` names exactly (its value or its label); None for anything else,
    such as a free-text extra, which is shown as written."""
    return _NAMED.get(text)


GERMAN: Mapping[Skill, str] = {
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
}
LABELS: Mapping[str, Mapping[Skill, str]] = {"de": GERMAN}  # English: `label`


def labels_in(language: str) -> Mapping[Skill, str]:
    """The language's own labels (empty for English and any language without its own)."""
    return LABELS.get(language, {})


def skill_name(text: str, language: str) -> str:
    """A vocabulary skill (by value or label) named in `language`, in English where that language
    has no label; anything else, such as a free-text extra, exactly as written."""
    skill = named_skill(text)
    return text if skill is None else labels_in(language).get(skill, label(skill))
