"""The user's API tokens page: create (the key is shown once), list with last use, revoke."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from accounts.tokens import token_create, token_revoke, tokens_of


class TokenForm(forms.Form):
    name = forms.CharField(
        label=gettext_lazy("Nom du jeton"),
        max_length=100,
        help_text=gettext_lazy("L'outil qui l'utilisera, par exemple « Formulaire du site »."),
    )


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def token_list(request: HttpRequest) -> HttpResponse:
    form = TokenForm(request.POST or None)
    new_key = None
    if request.method == "POST" and form.is_valid():
        try:
            created = token_create(user=request.user, name=form.cleaned_data["name"])
        except ValidationError as error:
            form.add_error(None, error)
        else:
            new_key = created.key  # shown on this response only, never again
            form = TokenForm()
    context = {"form": form, "tokens": list(tokens_of(request.user)), "new_key": new_key}
    return render(request, "accounts/tokens.html", context)


@login_required
@require_POST
def token_revoke_view(request: HttpRequest, pk: int) -> HttpResponse:
    token = get_object_or_404(tokens_of(request.user), pk=pk)  # another user's token: 404
    if token_revoke(token=token):
        messages.success(request, _("Le jeton « %(name)s » a été révoqué.") % {"name": token.name})
    return redirect("accounts:tokens")
