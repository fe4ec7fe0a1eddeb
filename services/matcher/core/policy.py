"""What makes a pair acceptable and how good it is, configurable per program."""

from dataclasses import dataclass

from shared.availability import MEETING_MINUTES


@dataclass(frozen=True)
class Policy:
    """Hard thresholds, score weights and the knobs of the matching engine.

    The score is `weight_complementarity * c + weight_overlap * o + weight_gap * g`, each term in
    [0, 1]: `c` fuses what each person teaches the other (harmonic mean, so a one-sided pair
    scores low), `o` grows with the common hours until `full_overlap_hours`, `g` with the
    birth-year gap until `full_gap_years`.
    """

    min_common_hours: float = 1.0
    """Common hours a week, counting only stretches of at least `meeting_minutes`."""
    meeting_minutes: int = MEETING_MINUTES
    """The first meeting's length: at least the notifier's `meeting_minutes`, so that it fits."""
    min_birth_year_gap: int = 10
    weight_complementarity: float = 0.6
    weight_overlap: float = 0.25
    weight_gap: float = 0.15
    full_overlap_hours: float = 4.0
    full_gap_years: int = 30
    require_two_way: bool = True
    """Only pairs where each person teaches the other at least one wanted skill are proposed."""
    max_candidates: int = 25
    resolve_loss_threshold: float = 0.005
    """Re-solve fully once the estimated loss against the optimum exceeds this fraction."""

    def __post_init__(self) -> None:
        weights = (self.weight_complementarity, self.weight_overlap, self.weight_gap)
        if min(weights) < 0 or sum(weights) <= 0:
            raise ValueError("weights must be non-negative and not all zero")
        if self.min_common_hours < 0 or self.min_birth_year_gap < 0:
            raise ValueError("thresholds must be non-negative")
        if self.full_overlap_hours <= 0 or self.full_gap_years <= 0:
            raise ValueError("saturation points must be positive")
        if self.meeting_minutes < 1:
            raise ValueError("meeting_minutes must be at least 1")
        if self.max_candidates < 1:
            raise ValueError("max_candidates must be at least 1")
        if not 0 <= self.resolve_loss_threshold < 1:
            raise ValueError("resolve_loss_threshold is a fraction in [0, 1)")

    @property
    def min_common_minutes(self) -> int:
        """The overlap threshold in whole minutes (availability is kept in minutes)."""
        return int(-(-round(self.min_common_hours * 60 * 1000) // 1000))
