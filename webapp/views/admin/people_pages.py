"""People for administrators: users (role, groups, region, active, passwords), groups with their
default due time, partner organisations, and the region table."""

from __future__ import annotations

from typing import Any

from flask import redirect, request, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from forms.fields import as_choices
from forms.people_admin import (
    PARTNER_KIND_LABELS,
    ROLE_LABELS,
    GroupForm,
    PartnerForm,
    UserForm,
)

from ...extensions import db
from ...services.accounts import people
from ...services.errors import ServiceError
from ..rendering import attempt, flash, refuse, render
from . import admin_required, bp


def _user_form(user: Any = None) -> UserForm:
    form = UserForm(obj=user) if user is not None and request.method == "GET" else UserForm()
    form.groups.choices = as_choices((g.name, g.name) for g, _n in
                                     people.groups_with_counts(db(), current_user))
    if user is not None and request.method == "GET":
        form.groups.data = sorted(user.group_names)
        form.region.data = user.region_code or ""
    return form


@bp.get("/users")
@admin_required
def user_list() -> Any:
    args = request.args
    page = people.list_users(db(), current_user, args.get("q", ""), args.get("role", ""),
                             args.get("group", ""), args.get("active", ""),
                             args.get("page", 1, type=int) or 1)
    return render("admin/users.html", "content", page=page, args=args, ROLES=ROLE_LABELS,
                  groups=people.groups_with_counts(db(), current_user))


@bp.route("/users/new", methods=["GET", "POST"])
@admin_required
def user_new() -> Any:
    form = _user_form()
    if form.validate_on_submit():
        made = attempt(people.create_user, db(), current_user, form.username.data,
                        form.full_name.data, form.email.data or "", form.role.data,
                        form.groups.data or [], (form.region.data or "").strip() or None)
        if made is not None:
            user, password = made
            return render("admin/password.html", "content", user=user, password=password)
    return render("admin/user_form.html", "content", 422 if form.is_submitted() else 200,
                  form=form, user=None)


@bp.route("/users/<int:user_id>", methods=["GET", "POST"])
@admin_required
def user_edit(user_id: int) -> Any:
    try:
        user = people.get_user(db(), current_user, user_id)
    except ServiceError as err:
        refuse(err)
    form = _user_form(user)
    del form.username  # a user name never changes: it is in the history
    if form.validate_on_submit():
        done = attempt(people.update_user, db(), current_user, user_id,
                        full_name=form.full_name.data, email=form.email.data or "",
                        role=form.role.data, groups=form.groups.data or [],
                        region_code=(form.region.data or "").strip() or None,
                        is_active=bool(form.is_active.data))
        if done is not None:
            flash(_l("Saved. If access changed, %(name)s must sign in again.",
                     name=done.display_name), "success")
            return redirect(url_for("admin.user_list"), 303)
    return render("admin/user_form.html", "content", 422 if form.is_submitted() else 200,
                  form=form, user=user)


@bp.post("/users/<int:user_id>/password")
@admin_required
def user_password(user_id: int) -> Any:
    password = attempt(people.reset_password, db(), current_user, user_id)
    if password is None:
        return redirect(url_for("admin.user_edit", user_id=user_id), 303)
    return render("admin/password.html", "content",
                  user=people.get_user(db(), current_user, user_id), password=password)


@bp.route("/groups", methods=["GET", "POST"])
@admin_required
def group_list() -> Any:
    form = GroupForm()
    if form.validate_on_submit():
        group = attempt(people.create_group, db(), current_user, form.name.data,
                         form.description.data or "")
        if group is not None:
            flash(_l("Group %(name)s created.", name=group.name), "success")
            return redirect(url_for("admin.group_list"), 303)
    return render("admin/groups.html", "content", 422 if form.is_submitted() else 200,
                  form=form, groups=people.groups_with_counts(db(), current_user))


@bp.post("/groups/<int:group_id>/due")
@admin_required
def group_due(group_id: int) -> Any:
    group = attempt(people.set_group_due, db(), current_user, group_id,
                     request.form.get("default_due", ""))
    if group is not None:
        flash(_l("Saved for %(name)s.", name=group.name), "success")
    return redirect(url_for("admin.group_list"), 303)


def _partner_values(form: PartnerForm) -> dict[str, Any]:
    return {"name": form.name.data, "kind": form.kind.data,
            "region_code": (form.region.data or "").strip() or None,
            "contact_name": form.contact_name.data or "", "phone": form.phone.data or "",
            "email": form.email.data or "", "notes": form.notes.data or "",
            "is_active": bool(form.is_active.data)}


@bp.route("/partners", methods=["GET", "POST"])
@admin_required
def partner_list() -> Any:
    form = PartnerForm()
    if form.validate_on_submit():
        partner = attempt(people.save_partner, db(), current_user, None, _partner_values(form))
        if partner is not None:
            flash(_l("%(name)s added.", name=partner.name), "success")
            return redirect(url_for("admin.partner_list"), 303)
    return render("admin/partners.html", "content", 422 if form.is_submitted() else 200,
                  form=form, KINDS=PARTNER_KIND_LABELS,
                  partners=people.list_partners(db(), current_user, request.args.get("q", ""),
                                                bool(request.args.get("inactive"))))


@bp.route("/partners/<int:partner_id>", methods=["GET", "POST"])
@admin_required
def partner_edit(partner_id: int) -> Any:
    try:
        partner = people.get_partner(db(), current_user, partner_id)
    except ServiceError as err:
        refuse(err)
    form = PartnerForm(obj=partner) if request.method == "GET" else PartnerForm()
    if request.method == "GET":
        form.region.data = partner.region_code or ""
    if form.validate_on_submit():
        saved = attempt(people.save_partner, db(), current_user, partner_id,
                         _partner_values(form))
        if saved is not None:
            flash(_l("%(name)s saved.", name=saved.name), "success")
            return redirect(url_for("admin.partner_list"), 303)
    return render("admin/partner_form.html", "content", 422 if form.is_submitted() else 200,
                  form=form, partner=partner)


@bp.get("/regions")
@admin_required
def region_search() -> Any:
    text = request.args.get("q", "")
    return render("admin/regions.html", "content", text=text,
                  regions=people.search_regions(db(), text))
