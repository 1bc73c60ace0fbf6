"""Personal API tokens: list, create (the secret is shown once), revoke after confirmation."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required

from django.db.models import Q
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from . import services
from .forms import errors_on
from .models import ApiToken, User

# The form offers two levels; a read-write token carries both scopes so "may read" checks never need to know
# that writing implies reading.
SCOPE_SETS = {"read": ["read"], "write": ["read", "write"]}


class TokenForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("Name"), max_length=100,
                           help_text=gettext_lazy("What the token is for, e.g. \"CI pipeline\" or \"BI export\"."))
    scope = forms.ChoiceField(
        label=gettext_lazy("Access"), widget=forms.RadioSelect, initial="read",
        choices=[("read", gettext_lazy("Read only")), ("write", gettext_lazy("Read and write"))],
    )
    days = forms.IntegerField(label=gettext_lazy("Lifetime in days"), min_value=1, max_value=366,
                              help_text=gettext_lazy("The token stops working after this many days (1 to 366)."))


@login_required
def token_list(request):
    tokens = ApiToken.objects.filter(user=request.user).order_by("-created_at")
    return render(request, "core/tokens.html", {"tokens": tokens, "now": timezone.now()})


@login_required
def token_create(request):
    form = TokenForm(request.POST or None, initial={"days": settings.API_TOKEN_DEFAULT_DAYS})
    if request.method == "POST" and form.is_valid():
        with errors_on(form):
            token, secret = services.create_api_token(
                actor=request.user, name=form.cleaned_data["name"], scopes=SCOPE_SETS[form.cleaned_data["scope"]],
                days=form.cleaned_data["days"],
            )
        if not form.errors:
            # The secret exists only in this response: it is not stored, so it must not be cached either.
            response = render(request, "core/tokens_created.html", {"token": token, "secret": secret})
            response["Cache-Control"] = "no-store"
            return response
    return render(request, "core/tokens_form.html", {"form": form})


@login_required
def token_revoke(request, pk: int):
    # One's own tokens, or those of people one may manage; anything else does not exist for this person.
    manageable = User.objects.restrict(request.user, "change").values("pk")
    token = get_object_or_404(ApiToken.objects.select_related("user").filter(Q(user=request.user) | Q(user__in=manageable)),
                              pk=pk)
    if request.method == "POST":
        services.revoke_api_token(actor=request.user, token=token)
        messages.success(request, _("The token “%(name)s” was revoked.") % {"name": token.name})
        return redirect("token_list")
    return render(request, "core/tokens_revoke.html", {"token": token})
