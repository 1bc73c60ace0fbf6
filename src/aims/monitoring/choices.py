"""Drift methods and column kinds: plain choices, apart from the models so that the ledger's display helpers
(labels.py) can name them without importing the models that use those helpers."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Method(models.TextChoices):
    KS = "ks", _("Kolmogorov-Smirnov (p-value)")
    CHI_SQUARE = "chisquare", _("Chi-square (p-value)")
    Z = "z", _("Z-test for proportions (p-value)")
    WASSERSTEIN = "wasserstein", _("Wasserstein distance (normed)")
    JENSEN_SHANNON = "jensenshannon", _("Jensen-Shannon distance")
    PSI = "psi", _("Population stability index")


class ColumnKind(models.TextChoices):
    NUMERICAL = "numerical", _("Numerical")
    CATEGORICAL = "categorical", _("Categorical")
    SKIPPED = "skipped", _("Not tested")
