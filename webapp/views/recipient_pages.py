"""A program's recipient list (KPM): built from the registry at the plan, and each distribution
round's checklist, one tick at a time (made for a phone at the distribution point)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask import Blueprint, abort, redirect, request, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required

from forms.dynamic import FILE_MAX_BYTES, FILE_TOO_LARGE, FILE_TYPE_REFUSED, accepted_file
from forms.fields import parse_rupiah
from forms.households import DESIL_CHOICES, ENROLMENT_STATUS, NOT_RECEIVED, RELATIONS
from forms.program_labels import CHANNELS, PROXY_RELATIONS

from ..extensions import db
from ..services.assistance import recipient_lists, records, rounds, spot_checks, ticks
from ..services.errors import InvalidInput, ServiceError
from ..services.registry import access, importing, search
from ..services.workflow.attachments import Upload
from .rendering import attempt, flash, or_abort, render, wants_fragment

bp = Blueprint("recipients", __name__, url_prefix="/programs/<int:instance_id>")


def _state(instance_id: int) -> recipient_lists.ListState:
    return or_abort(recipient_lists.state, db(), current_user, instance_id)  # type: ignore[no-any-return]


@bp.get("/recipients")
@login_required
def index(instance_id: int) -> Any:
    listed = _state(instance_id)
    text = request.args.get("q", "")[:80]
    page = request.args.get("page", 1, type=int) or 1
    found, more = recipient_lists.entries(db(), current_user, instance_id, text, page)
    region = listed.instance.region_code or ""
    desa = [(code, name) for code, name in search.desa_in_use(db(), current_user)
            if not region or code.startswith(region + ".")]
    imports = [i for i in importing.recent(db(), current_user) if i.status == "done"]
    available = recipient_lists.registry_has_families(db(), current_user, instance_id) \
        if listed.editable else True
    return render("registry/recipients.html", "entries", listed=listed, found=found,
                  more=more, page=page, text=text, desa=desa, imports=imports,
                  available=available, DESIL=DESIL_CHOICES, ENROLMENT_STATUS=ENROLMENT_STATUS,
                  RELATIONS=RELATIONS, may_edit=access.may_edit(current_user))


@bp.post("/recipients/add")
@login_required
def add(instance_id: int) -> Any:
    form = request.form
    import_id = form.get("import_id", type=int)
    added = attempt(recipient_lists.add_from_registry, db(), current_user, instance_id,
                    form.get("desa", "")[:13], form.get("desil", "")[:5], import_id)
    if added == 0 and not recipient_lists.registry_has_families(db(), current_user,
                                                              instance_id):
        flash(_l("The registry holds no family in this program's region yet: import the "
                 "village list first."), "info")
    elif added is not None:
        flash(_l("%(n)s families added to the list.", n=added) if added else
              _l("No family matched that was not on the list already."),
              "success" if added else "info")
    return redirect(url_for("recipients.index", instance_id=instance_id), 303)


@bp.post("/recipients/<int:enrolment_id>/remove")
@login_required
def remove(instance_id: int, enrolment_id: int) -> Any:
    """Take a draft family off the list (the page asks first)."""
    name = attempt(recipient_lists.remove, db(), current_user, instance_id, enrolment_id)
    if name is not None:
        flash(_l("%(name)s is off the list.", name=name), "info")
    return redirect(url_for("recipients.index", instance_id=instance_id,
                            q=request.form.get("q", "")), 303)


@bp.post("/recipients/<int:enrolment_id>/status")
@login_required
def status(instance_id: int, enrolment_id: int) -> Any:
    """Pause, exit or re-enrol a family of an approved list, with the reason."""
    changed = attempt(recipient_lists.set_status, db(), current_user, instance_id, enrolment_id,
                      request.form.get("status", ""), request.form.get("reason", ""))
    if changed is not None:
        flash(_l("Saved."), "success")
    return redirect(url_for("recipients.index", instance_id=instance_id,
                            q=request.form.get("q", "")), 303)


@bp.post("/recipients/<int:enrolment_id>/terms")
@login_required
def terms(instance_id: int, enrolment_id: int) -> Any:
    """Who collects for the family, and what it is entitled to per round."""
    recipient = request.form.get("recipient_id", "")
    text = request.form.get("entitled_amount", "").strip()
    try:
        amount = parse_rupiah(text) if text else None
    except ValueError:
        flash(_l("Enter the amount in whole rupiah, for example 200.000."), "error")
    else:
        changed = attempt(recipient_lists.set_terms, db(), current_user, instance_id,
                          enrolment_id, int(recipient) if recipient.isdigit() else None, amount)
        if changed is not None:
            flash(_l("Saved."), "success")
    return redirect(url_for("recipients.index", instance_id=instance_id,
                            q=request.form.get("q", "")), 303)


@bp.post("/recipients/clear")
@login_required
def clear(instance_id: int) -> Any:
    if attempt(recipient_lists.clear, db(), current_user, instance_id):
        flash(_l("The list is empty again."), "info")
    return redirect(url_for("recipients.index", instance_id=instance_id), 303)


@bp.get("/rounds/<int:number>", endpoint="round")
@login_required
def round_page(instance_id: int, number: int) -> Any:
    listed = _state(instance_id)
    text = request.args.get("q", "")[:80]
    page = request.args.get("page", 1, type=int) or 1
    found, more = recipient_lists.entries(db(), current_user, instance_id, text, page,
                                        round_=number)
    figures = rounds.figures(db(), instance_id, number)
    row = rounds.round_row(db(), instance_id, number)
    return render("registry/round.html", "lines" if request.args.get("part") == "lines"
                  else "content", listed=listed, number=number, found=found, more=more,
                  page=page, text=text, figures=figures, open=listed.round == number,
                  row=row, needs_amount=row is None or row.program.benefit_amount is None,
                  awaits_decree=row is not None and records.awaits_decree(row.program)
                  and not listed.enrolled,
                  NOT_RECEIVED=NOT_RECEIVED, RELATIONS=RELATIONS, CHANNELS=CHANNELS,
                  PROXY_RELATIONS=PROXY_RELATIONS,
                  may_edit=access.may_edit(current_user), round_name=records.round_name,
                  desa_documents=rounds.documents(db(), instance_id, number)
                  if row is not None and row.opened_at is not None else [])


@bp.post("/rounds/<int:number>/open")
@login_required
def open_round(instance_id: int, number: int) -> Any:
    """Open the round: the families enrolled now become due in it, each with its amount."""
    due = attempt(lambda: rounds.open_round(db(), current_user, instance_id, number,
                                            request.form.get("channel", "")))
    if due is not None:
        flash(_l("Round %(n)s is open: %(due)s families are due in it.", n=number,
                 due=due), "success")
    return redirect(url_for("recipients.round", instance_id=instance_id, number=number), 303)


@bp.post("/rounds/<int:number>/schedule")
@login_required
def schedule(instance_id: int, number: int) -> Any:
    """A round's planned date and name, before it opens."""
    text = request.form.get("planned_date", "").strip()
    planned = _day(text)
    if text and planned is None:
        flash(_l("Enter a date, for example 2026-03-01."), "error")
    elif attempt(rounds.reschedule, db(), current_user, instance_id, number, planned,
                 request.form.get("label", "")) is not None:
        flash(_l("Saved."), "success")
    return redirect(url_for("recipients.round", instance_id=instance_id, number=number), 303)


@bp.post("/rounds/<int:number>/handover")
@login_required
def handover(instance_id: int, number: int) -> Any:
    """The signed BAST of one desa in the round."""
    storage = request.files.get("handover_file")
    upload = Upload(storage.filename or "", storage.read(FILE_MAX_BYTES + 1),
                    storage.mimetype or "") if storage and storage.filename else None
    if upload is None:
        flash(_l("Choose the file of the handover record."), "error")
    elif len(upload.data) > FILE_MAX_BYTES:
        flash(FILE_TOO_LARGE, "error")
    elif not accepted_file(upload.filename, upload.data[:512]):
        flash(FILE_TYPE_REFUSED, "error")
    elif attempt(rounds.add_handover, db(), current_user, instance_id, number,
                 request.form.get("region_code", ""), upload) is not None:
        flash(_l("The handover record is kept with the round."), "success")
    return redirect(url_for("recipients.round", instance_id=instance_id, number=number,
                            _anchor="handover"), 303)


@bp.post("/decree")
@login_required
def decree(instance_id: int) -> Any:
    """The SK penetapan of an approved local list: recorded, and the list is enrolled."""
    storage = request.files.get("decree_file")
    upload = Upload(storage.filename or "", storage.read(FILE_MAX_BYTES + 1),
                    storage.mimetype or "") if storage and storage.filename else None
    if upload is not None and len(upload.data) > FILE_MAX_BYTES:
        flash(FILE_TOO_LARGE, "error")
    elif upload is not None and not accepted_file(upload.filename, upload.data[:512]):
        flash(FILE_TYPE_REFUSED, "error")
    else:
        enrolled = attempt(lambda: records.record_decree(
            db(), current_user, instance_id, request.form.get("decree_number", ""),
            _day(request.form.get("decree_date", "")), upload))
        if enrolled is not None:
            flash(_l("The decree is recorded: %(n)s families are enrolled.", n=enrolled),
                  "success")
    number = request.form.get("round", 1, type=int) or 1
    return redirect(url_for("recipients.round", instance_id=instance_id, number=number), 303)


def _day(text: str) -> dt.date | None:
    try:
        return dt.date.fromisoformat(text.strip()[:10])
    except ValueError:
        return None


@bp.get("/rounds/<int:number>/figures")
@login_required
def round_figures(instance_id: int, number: int) -> Any:
    listed = _state(instance_id)
    return render("registry/round.html", "figures", listed=listed, number=number,
                  figures=rounds.figures(db(), instance_id, number))


@bp.post("/rounds/<int:number>/lines/<int:enrolment_id>")
@login_required
def tick(instance_id: int, number: int, enrolment_id: int) -> Any:
    """One family ticked: the row comes back as saved (or with why not); without JavaScript,
    the checklist again with what happened."""
    form = request.form
    received = form.get("received") == "1" or form.get("received_by") == "proxy"
    amount = None
    try:
        if received and form.get("amount", "").strip():
            try:
                amount = parse_rupiah(form.get("amount", ""))
            except ValueError:
                raise InvalidInput(_l("Enter the amount in whole rupiah, for example "
                                      "200.000.")) from None
        ticks.tick(db(), current_user, instance_id, enrolment_id, number, received,
                   form.get("reason", ""), amount, form.get("goods", ""), form.get("note", ""),
                   _moment(form.get("ticked_at", "")), form.get("received_by", "recipient"),
                   form.get("proxy_name", ""), form.get("proxy_relation", ""))
    except ServiceError as err:
        if err.status == 404:
            abort(404)
        if not wants_fragment():
            flash(err.message, "error")
            return _back_to_round(instance_id, number, enrolment_id)
        return _row(instance_id, number, enrolment_id, err.status, error=err.message)
    if not wants_fragment():
        flash(_l("Saved."), "success")
        return _back_to_round(instance_id, number, enrolment_id)
    response = _row(instance_id, number, enrolment_id)
    response.headers["HX-Trigger"] = "line-saved"  # the queue of unsent ticks reads it too
    return response


def _moment(text: str) -> dt.datetime | None:
    """When the phone made the tick (ISO 8601 with its zone), if it says so."""
    try:
        moment = dt.datetime.fromisoformat(text.strip()[:40].replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else None


def _back_to_round(instance_id: int, number: int, enrolment_id: int) -> Any:
    return redirect(url_for("recipients.round", instance_id=instance_id, number=number,
                            _anchor=f"line-{enrolment_id}"), 303)


def _row(instance_id: int, number: int, enrolment_id: int, status: int = 200,
         error: Any = None) -> Any:
    found, _more = recipient_lists.entries(db(), current_user, instance_id, "", 1,
                                         round_=number, only=enrolment_id)
    if not found:
        abort(404)
    return render("registry/round.html", "line", status, entry=found[0],
                  instance_id=instance_id, number=number, open=True, error=error,
                  NOT_RECEIVED=NOT_RECEIVED)


@bp.get("/spot-checks")
@login_required
def spot_checks_page(instance_id: int) -> Any:
    """Uji petik: the sample of families to check in the field, each with its check."""
    listed = _state(instance_id)
    found = or_abort(spot_checks.sample, db(), current_user, instance_id)
    return render("registry/spot_checks.html", "content", listed=listed, found=found,
                  step_id=spot_checks.open_step(db(), instance_id))


@bp.post("/spot-checks/<int:line_id>")
@login_required
def spot_check(instance_id: int, line_id: int) -> Any:
    form = request.form
    text = form.get("deduction", "").strip()
    try:
        deduction = parse_rupiah(text) if text else 0
    except ValueError:
        deduction = -1
    checked = attempt(lambda: spot_checks.record(
        db(), current_user, instance_id, line_id, form.get("received") == "1",
        form.get("right_amount") == "1", form.get("on_time") == "1", deduction,
        form.get("note", "")))
    if checked is not None:
        flash(_l("Saved."), "success")
    return redirect(url_for("recipients.spot_checks_page", instance_id=instance_id,
                            _anchor=f"check-{line_id}"), 303)
