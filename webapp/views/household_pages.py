"""The registry pages: find a family, open its page (members, programs, timeline), add and
change households and members, move a member, and show a full NIK or KK on purpose."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, redirect, request, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from markupsafe import Markup

from forms.base import SimpulForm
from forms.households import (
    BENEFIT,
    DESIL_CHOICES,
    DISABILITY,
    ENROLMENT_STATUS,
    HOUSEHOLD_STATUS,
    NOT_RECEIVED,
    PRESENCE,
    RELATIONS,
    SCHOOL,
    SCHOOL_LEVEL,
    SEVERITY,
    SEX,
    DeathForm,
    HeadForm,
    HouseholdForm,
    MoveForm,
    PersonForm,
    RevealForm,
    WideHouseholdForm,
    desa_choices,
)

from ..extensions import db
from ..services.accounts import regions
from ..services.errors import ServiceError
from ..services.registry import (
    access,
    entry,
    facts,
    family_rules,
    search,
    timeline,
    whereabouts,
)
from .rendering import attempt, flash, or_abort, render

bp = Blueprint("registry", __name__, url_prefix="/registry")

LABELS: dict[str, Any] = {
    "RELATIONS": RELATIONS, "DISABILITY": DISABILITY, "SCHOOL": SCHOOL, "SEX": SEX,
    "HOUSEHOLD_STATUS": HOUSEHOLD_STATUS, "ENROLMENT_STATUS": ENROLMENT_STATUS,
    "NOT_RECEIVED": NOT_RECEIVED, "SCHOOL_LEVEL": SCHOOL_LEVEL, "SEVERITY": SEVERITY,
    "PRESENCE": PRESENCE, "BENEFIT": BENEFIT}
EVENTS = {
    "created": _l("Household registered"),
    "edited": _l("Household details changed"),
    "member_added": _l("Member added"),
    "member_edited": _l("Member details changed"),
    "moved_in": _l("Member moved in"),
    "moved_out": _l("Member moved out"),
    "revealed": _l("Full number shown"),
    "died": _l("Death recorded"),
    "imported": _l("Updated by an import"),
    "enrolment": _l("Recipient list"),
    "distribution": _l("Distribution"),
    "step": _l("Program step"),
}


@bp.get("/")
@login_required
def index() -> Any:
    args = request.args
    program = args.get("program", type=int)
    filters = search.Filters(text=args.get("q", "")[:80], region=args.get("desa", "")[:13],
                             desil=args.get("desil", "")[:5], program=program,
                             status=args.get("status", "")[:14])
    found = search.search(db(), current_user, filters, args.get("page", 1, type=int) or 1)
    return render("registry/index.html", "results", found=found, args=args,
                  desa=search.desa_in_use(db(), current_user),
                  programs=search.programs_with_lists(db(), current_user),
                  DESIL=DESIL_CHOICES, may_edit=access.may_edit(current_user), **LABELS)


def _household_form(**kwargs: Any) -> HouseholdForm:
    """The household form for the user's region: the desa chosen from a list grouped by
    kecamatan, or written by its code where the region holds too many to list."""
    groups = regions.desa_choices(db(), current_user.region_code)
    if groups is None:
        return WideHouseholdForm(**kwargs)
    form = HouseholdForm(**kwargs)
    form.region_code.choices = desa_choices(groups)
    return form


def _show_problems(problems: family_rules.Checked, form: SimpulForm,
                   head: SimpulForm | None = None) -> None:
    """Put each of the service's problems on its field (``head_nik`` on the head form's
    ``nik``); one without a field of the form stays in ``problems`` for the top of the page."""
    for name, message in list(problems.errors.items()):
        target, field = (head, name[5:]) if head is not None and name.startswith("head_") \
            else (form, name)
        if field in target._fields:
            if not target[field].errors:  # the form's own message first (it is more basic)
                target[field].errors = [message]
            del problems.errors[name]


def _confirm(form: Any, problems: family_rules.Checked) -> None:
    if not problems.blocking:
        form.confirmed.data = "1"


def _save(form: Any, action: Any, *args: Any, head: SimpulForm | None = None,
          saved: Any = None) -> tuple[Any, family_rules.Checked | None]:
    """Run a registry save with the form's confirmation: (what it saved, None), or (None, the
    problems), already on their fields, the confirmation kept when only warnings are left."""
    try:
        done = action(db(), current_user, *args, confirmed=form.confirmed.data == "1")
    except family_rules.RegistryProblems as err:
        _confirm(form, err.checked)
        _show_problems(err.checked, form, head)
        return None, err.checked
    flash(saved or _l("Saved."), "success")
    return done, None


@bp.route("/households/new", methods=["GET", "POST"])
@login_required
def household_new() -> Any:
    if not access.may_edit(current_user):
        abort(403)
    form, head = _household_form(), HeadForm(prefix="head")
    del form.status
    problems = None
    if request.method == "POST" and not (form.validate() & head.validate()):
        # say everything at once: the registry's rules too, on the fields still without errors
        problems = entry.check_new_household(db(), current_user, form.data, head.values())
        problems.warnings, problems.duplicates = [], []  # after the fields are right
        _show_problems(problems, form, head)
    elif request.method == "POST":
        made, problems = _save(form, entry.create_household, form.data,
                               head.values() | {"relation": "head"}, head=head,
                               saved=_l("Household registered."))
        if made is not None:
            return redirect(url_for("registry.household", household_id=made.id), 303)
    status = 422 if request.method == "POST" else 200
    return render("registry/household_form.html", "content", status, form=form, head=head,
                  household=None, problems=problems, **LABELS)


@bp.get("/households/<int:household_id>")
@login_required
def household(household_id: int) -> Any:
    page = or_abort(timeline.household_page, db(), current_user, household_id)
    return render("registry/household.html", "content", page=page, EVENTS=EVENTS,
                  may_edit=access.may_edit(current_user),
                  may_reveal=access.may_reveal(current_user),
                  move=MoveForm(), reveal=RevealForm(), death=DeathForm(), **LABELS)


@bp.route("/households/<int:household_id>/edit", methods=["GET", "POST"])
@login_required
def household_edit(household_id: int) -> Any:
    found = or_abort(access.get_household, db(), current_user, household_id)
    if not access.may_edit(current_user):
        abort(403)
    form = _household_form(obj=found) if request.method == "GET" else _household_form()
    if request.method == "GET":
        form.kk_number.data = ""  # the number is kept unless a new one is typed
    problems = None
    if request.method == "POST" and form.validate():
        values = dict(form.data)
        values["kk_number"] = (values["kk_number"] or "").strip() or found.kk_number
        _done, problems = _save(form, entry.update_household, household_id, values)
        if problems is None:
            return redirect(url_for("registry.household", household_id=household_id), 303)
    status = 422 if request.method == "POST" else 200
    return render("registry/household_form.html", "content", status, form=form, head=None,
                  household=found, problems=problems, **LABELS)


@bp.route("/households/<int:household_id>/members/new", methods=["GET", "POST"],
          defaults={"person_id": None})
@bp.route("/households/<int:household_id>/members/<int:person_id>", methods=["GET", "POST"])
@login_required
def member(household_id: int, person_id: int | None) -> Any:
    found = or_abort(access.get_household, db(), current_user, household_id)
    person = or_abort(access.get_person, db(), current_user, person_id) \
        if person_id is not None else None
    if not access.may_edit(current_user) or (person and person.household_id != found.id):
        abort(403 if not access.may_edit(current_user) else 404)
    form = PersonForm(obj=person) if request.method == "GET" and person else PersonForm()
    if request.method == "GET" and person is not None:
        form.disability.data = person.disabilities
        form.birth_date.data = person.birth_date.isoformat() if person.birth_date else ""
        form.pregnant.data = facts.pregnant_now(person)
        form.nik.data = ""  # the number is kept unless a new one is typed
    problems = None
    if request.method == "POST" and form.validate():
        values = form.values()
        if person is not None and not (values["nik"] or "").strip():
            values["nik"] = person.nik or ""
        _done, problems = _save(form, entry.save_member, household_id, person_id, values)
        if problems is None:
            return redirect(url_for("registry.household", household_id=household_id), 303)
    status = 422 if request.method == "POST" else 200
    return render("registry/member_form.html", "content", status, form=form, household=found,
                  person=person, problems=problems, **LABELS)


@bp.post("/people/<int:person_id>/move")
@login_required
def move(person_id: int) -> Any:
    """Move a member to the household chosen from the suggestions (or the one household
    that the typed name or number finds, without JavaScript)."""
    person = or_abort(access.get_person, db(), current_user, person_id)
    or_abort(access.require_editor, current_user)  # the role, before what was sent
    source = person.household_id
    form = MoveForm()
    if not form.validate():
        first = next(iter(form.errors.values()))[0]
        flash(first, "error")
        return redirect(url_for("registry.household", household_id=source), 303)
    target = form.to_household.data
    if target is None:
        found = search.households_for(db(), current_user, form.target.data or "", source)
        if len(found.rows) != 1:
            flash(_l("Several households match: choose one from the list, or type more of "
                     "the name or number.") if found.rows else
                  _l("No household in your region matches: type the head's name or the "
                     "KK's last digits."), "error")
            return redirect(url_for("registry.household", household_id=source), 303)
        target = found.rows[0].household.id
    moved = attempt(entry.move_member, db(), current_user, person_id, target,
                    form.relation.data or "", form.reason.data or "")
    if moved is not None:
        flash(_l("%(name)s moved.", name=moved.full_name), "success")
        return redirect(url_for("registry.household", household_id=moved.household_id), 303)
    return redirect(url_for("registry.household", household_id=source), 303)


@bp.post("/people/<int:person_id>/death")
@login_required
def death(person_id: int) -> Any:
    """Record a member's death with its date (the family's programs put under review)."""
    person = or_abort(access.get_person, db(), current_user, person_id)
    or_abort(access.require_editor, current_user)  # the role, before what was sent
    form = DeathForm()
    if not form.validate():
        flash(next(iter(form.errors.values()))[0], "error")
    elif attempt(whereabouts.record_death, db(), current_user, person_id, form.died_on.data,
                 form.note.data or "") is not None:
        flash(_l("The death of %(name)s is recorded.", name=person.full_name), "success")
    return redirect(url_for("registry.household", household_id=person.household_id), 303)


@bp.get("/people/<int:person_id>/move-targets")
@login_required
def move_targets(person_id: int) -> Any:
    """The households a member may move to, for what is typed (a list to choose from)."""
    person = or_abort(access.get_person, db(), current_user, person_id)
    text = request.args.get("target", "")[:80]
    found = search.households_for(db(), current_user, text, person.household_id) \
        if text.strip() else None
    return render("registry/_move_targets.html", "content", found=found, person=person)


@bp.post("/people/<int:person_id>/reveal", defaults={"household_id": None})
@bp.post("/households/<int:household_id>/reveal", defaults={"person_id": None})
@login_required
def reveal(person_id: int | None, household_id: int | None) -> Any:
    """The full number, for an htmx swap in place of the masked one (or a page without JS)."""
    or_abort(access.require_revealer, current_user)  # the role, before what was sent
    form = RevealForm()
    number, problem = None, None
    if form.validate():
        try:
            number = access.reveal(db(), current_user, person_id, household_id,
                                   form.reason.data or "")
        except ServiceError as err:
            if err.status == 404:
                abort(404)
            problem = err.message
    else:
        problem = form.reason.errors[0] if form.reason.errors else _l("Give a reason.")
    # shown on purpose (recorded with its reason): Markup passes the pages' mask
    return render("registry/revealed.html", "content", 200 if number else 422,
                  number=Markup.escape(number) if number else None, problem=problem,
                  person_id=person_id, household_id=household_id)
