"""The shared skill vocabulary: what the two generations typically bring to each other."""

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
