from .alerts import Alert, AlertPolicy, ChangeKind, ChangeSuggestion, Trigger
from .closure import ClosureReview
from .drift import ColumnKind, DriftColumnResult, DriftReference, DriftRun, DriftSettings, Method
from .kpis import (
    STATUS_RANK, DailyRollup, Direction, Family, Frequency, Kpi, KpiDaily, Measurement, MeasurementBatch, PushToken,
    Status, ThresholdChange, WeeklyRollup, status_of,
)

__all__ = [
    "Alert", "AlertPolicy", "ChangeKind", "ChangeSuggestion", "ClosureReview", "ColumnKind", "DailyRollup",
    "Direction", "DriftColumnResult", "DriftReference", "DriftRun", "DriftSettings", "Family", "Frequency", "Kpi",
    "KpiDaily", "Measurement", "MeasurementBatch", "Method", "PushToken", "STATUS_RANK", "Status", "ThresholdChange",
    "Trigger", "WeeklyRollup", "status_of",
]
