"""Subscribe, confirm, manage and unsubscribe pages, and the staff preview of a digest.

Server-rendered, no JavaScript. Every link a mail carries holds a signed token (digest/tokens.py);
a token that does not verify gets the same 404 page whatever is wrong with it, so probing reveals
nothing. Answers to /subscribe never tell whether an address is known. Redirect targets are never
taken from input. One-click unsubscribe (RFC 8058) is a POST to the link in List-Unsubscribe,
without login or body checks, and it is idempotent because mail clients may send it twice.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from fastapi.responses import HTMLResponse, PlainTextResponse, Response
from fastapi.security import HTTPBasic, HTTPBasicCredentials
from fastapi.templating import Jinja2Templates
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData

from digest.mailer import MailConfigError, MailUnavailable, MessageRefused, mailer_for
from digest.render import (
    TEMPLATES,
    confirm_url,
    html_part,
    links_for,
    render_already_subscribed,
    render_confirmation,
    render_digest,
    text_part,
)
from digest.searches import SavedSearchError, canonical, saved_search, search_params
from digest.selection import Selector
from digest.sending import mail_context
from digest.subscribers import MAX_EMAIL_LENGTH, Status, Subscriber, SubscriberError, Subscribers
from digest.tokens import Purpose, parse_token, verify
from kontext.services import Meili
from kontext.settings import Settings
from kontext.store import Store
from search.index import SearchError, SearchIndex
from search.query import DEFAULT_AUDIENCES
from search.web.api import SEARCH_PARAMETERS
from search.web.problems import pages

log = logging.getLogger(__name__)

# One confirmation mail per address per this interval, however often the form is sent.
CONFIRMATION_INTERVAL = timedelta(minutes=10)
NOT_SEARCH_FIELDS = {"email", "lang", "website", "action"}
CHALLENGE = {"WWW-Authenticate": 'Basic realm="Kontext staff", charset="UTF-8"'}
NO_STORE = {"Cache-Control": "no-store", "X-Robots-Tag": "noindex, nofollow"}
LANGUAGE = {"type": "string", "enum": ["de", "en"]}
INVALID_LINK = {404: "The link is invalid or has expired (the same page whatever is wrong with it)"}


def form_body(properties: dict[str, Any], required: tuple[str, ...] = ()) -> dict[str, Any]:
    """`openapi_extra=` of a route that reads its form itself: the fields it understands."""
    schema: dict[str, Any] = {"type": "object", "properties": properties}
    if required:
        schema["required"] = list(required)
    return {
        "requestBody": {
            "required": bool(required),
            "content": {"application/x-www-form-urlencoded": {"schema": schema}},
        }
    }


# The saved search is the search page's parameters, without the page.
SUBSCRIBE_FORM = form_body(
    {
        "email": {"type": "string", "format": "email", "maxLength": MAX_EMAIL_LENGTH},
        "lang": LANGUAGE,
        **SEARCH_PARAMETERS,
    },
    required=("email",),
)
PREFERENCES_FORM = form_body(
    {"action": {"type": "string", "enum": ["save", "resubscribe"]}, "lang": LANGUAGE, **SEARCH_PARAMETERS}
)


def _language(request: Request, chosen: str | None) -> str:
    if chosen in ("de", "en"):
        return chosen
    accepted = request.headers.get("accept-language", "").lower()
    return "en" if accepted.startswith("en") else "de"


def _real_time() -> datetime:
    return datetime.now(UTC)


def router(
    settings: Settings,
    meili: Meili,
    *,
    clock: Callable[[], datetime] | None = None,
    store: Store | None = None,
) -> APIRouter:
    """The digest's web routes, to include in the search app (`app.include_router(router(...))`).

    `clock` fixes "now" (tests); without it the app's own clock (`app.state.kontext.clock`, what
    the search pages count "upcoming" from) is used, else the real time."""
    store = store or Store.from_settings(settings)
    subscribers = Subscribers(store)
    context = mail_context(settings)
    templates = Jinja2Templates(directory=TEMPLATES / "web")
    staff = HTTPBasic(auto_error=False, realm="Kontext staff")
    api = APIRouter()

    def page(request: Request, name: str, data: dict[str, Any], status: int = 200) -> HTMLResponse:
        response = templates.TemplateResponse(request, name, data, status_code=status, headers=NO_STORE)
        return response

    def message(
        request: Request, lang: str, heading: str, paragraphs: list[str], status: int = 200, link=None
    ) -> HTMLResponse:
        data = {"lang": lang, "heading": heading, "paragraphs": paragraphs, "link": link}
        return page(request, "message.html", data, status)

    def invalid(request: Request, lang: str = "de") -> HTMLResponse:
        if lang == "de":
            return message(
                request,
                lang,
                "Link ungültig",
                ["Dieser Link ist ungültig oder abgelaufen. Bitte nutzen Sie den Link aus der neuesten E-Mail."],
                404,
            )
        return message(
            request,
            lang,
            "Invalid link",
            ["This link is invalid or has expired. Please use the latest email."],
            404,
        )

    def moment(request: Request) -> datetime:
        shared = getattr(getattr(request.app.state, "kontext", None), "clock", None)
        return (clock or shared or _real_time)()

    def holder(token: str, purpose: Purpose, now: datetime) -> Subscriber | None:
        """The subscriber a token was issued to, or None for anything that does not verify."""
        claim = parse_token(token)
        if claim is None:
            return None
        subscriber = subscribers.get(claim.subscriber_id)
        if subscriber is None or not verify(context.key, purpose, claim, subscriber.token_nonce, now):
            return None
        return subscriber

    def deliver(build: Callable[[], Any]) -> bool:
        """Send one transactional mail now; False when the mail server cannot take it."""
        mailer = mailer_for(settings.smtp_url, settings.home / "outbox", attempts=2, backoff=0.5)
        try:
            mailer.send(build())
        except (MailUnavailable, MailConfigError, MessageRefused) as error:
            log.error("could not send a subscription mail: %s", error)
            return False
        finally:
            mailer.close()
        return True

    # --- subscribe -----------------------------------------------------------------------

    @api.post(
        "/subscribe",
        response_class=HTMLResponse,
        openapi_extra=SUBSCRIBE_FORM,
        responses=pages(
            400,
            503,
            meanings={
                400: "The address or the search cannot be saved (a page that says which)",
                503: "The confirmation mail cannot be sent right now",
            },
        ),
    )
    async def subscribe(request: Request) -> HTMLResponse:
        form = await request.form()
        # The rest talks to the store and the mail server: off the event loop.
        return await run_in_threadpool(_subscribe, request, form)

    def _subscribe(request: Request, form: FormData) -> HTMLResponse:
        now = moment(request)
        lang = _language(request, str(form.get("lang") or ""))
        email = str(form.get("email") or "").strip()[:320]
        fields = [(key, str(value)) for key, value in form.multi_items() if key not in NOT_SEARCH_FIELDS]
        if form.get("website"):  # the hidden honeypot field: only bots fill it in
            return _check_inbox(request, lang)
        try:
            search = saved_search(fields, settings.timezone)
            subscriber, action = subscribers.request(email, search, lang, now)
        except (SavedSearchError, SubscriberError) as error:
            data = {
                "lang": lang,
                "error": str(error),
                "email": email,
                "params": search_params(canonical(fields)),
            }
            return page(request, "subscribe_error.html", data, 400)
        return _send_confirmation(request, subscriber, action, lang, now)

    def _send_confirmation(
        request: Request, subscriber: Subscriber, action: str, lang: str, now: datetime
    ) -> HTMLResponse:
        last = subscribers.confirmation_sent_at(subscriber.id)
        if last is not None and now - last < CONFIRMATION_INTERVAL:
            return _check_inbox(request, lang)
        message_id = f"<subscription.{subscriber.id}.{secrets.token_hex(6)}@{context.domain}>"
        if action == "already":
            sent = deliver(
                lambda: render_already_subscribed(
                    subscriber,
                    context=context,
                    links=links_for(subscriber, context, now),
                    now=now,
                    message_id=message_id,
                )
            )
        else:
            sent = deliver(
                lambda: render_confirmation(
                    subscriber,
                    context=context,
                    confirm=confirm_url(subscriber, context, now),
                    now=now,
                    message_id=message_id,
                )
            )
        if not sent:
            heading = "Versand gerade nicht möglich" if lang == "de" else "Cannot send email right now"
            text = (
                "Wir konnten die Bestätigungs-E-Mail nicht senden. Bitte versuchen Sie es später noch einmal."
                if lang == "de"
                else "We could not send the confirmation email. Please try again later."
            )
            return message(request, lang, heading, [text], 503)
        subscribers.mark_confirmation_sent(subscriber.id, now)
        return _check_inbox(request, lang)

    def _check_inbox(request: Request, lang: str) -> HTMLResponse:
        if lang == "de":
            return message(
                request,
                lang,
                "Bitte bestätigen Sie Ihre Anmeldung",
                [
                    "Wir haben Ihnen eine E-Mail geschickt. Erst wenn Sie den Link darin anklicken, "
                    "erhalten Sie den Wochenüberblick.",
                    "Keine E-Mail bekommen? Sehen Sie im Spam-Ordner nach.",
                ],
            )
        return message(
            request,
            lang,
            "Please confirm your subscription",
            [
                "We have sent you an email. You will receive the weekly digest once you follow the link in it.",
                "No email? Please check your spam folder.",
            ],
        )

    # --- confirm -------------------------------------------------------------------------

    @api.get("/confirm/{token}", response_class=HTMLResponse, responses=pages(404, meanings=INVALID_LINK))
    def confirm(request: Request, token: str) -> HTMLResponse:
        now = moment(request)
        subscriber = holder(token, Purpose.CONFIRM, now)
        confirmed = subscribers.confirm(subscriber.id, now) if subscriber else None
        if confirmed is None:
            return invalid(request, _language(request, None))
        lang = confirmed.language
        manage = links_for(confirmed, context, now).manage.removeprefix(context.base_url)
        if lang == "de":
            return message(
                request,
                lang,
                "Anmeldung bestätigt",
                [f"Ab jetzt erhält {confirmed.email} jede Woche die neuen Veranstaltungen zu Ihrer Suche."],
                link={"href": manage, "text": "Suche und Einstellungen ändern"},
            )
        return message(
            request,
            lang,
            "Subscription confirmed",
            [f"From now on {confirmed.email} receives the new events for your search every week."],
            link={"href": manage, "text": "Change your search and preferences"},
        )

    # --- manage --------------------------------------------------------------------------

    def manage_page(
        request: Request,
        token: str,
        subscriber: Subscriber,
        now: datetime,
        *,
        notice: str | None = None,
        error: str | None = None,
    ) -> HTMLResponse:
        lang = subscriber.language
        labels = context.labels
        search = dict(subscriber.search)
        search.setdefault("audience", list(DEFAULT_AUDIENCES))
        de = lang == "de"
        groups = [
            (name, legend, [(code, labels.label(kind, code, lang)) for code in labels.codes(kind)])
            for name, kind, legend in (
                ("sector", "sectors", "Branchen" if de else "Sectors"),
                ("topic", "topics", "Themen" if de else "Topics"),
                ("format", "formats", "Formate" if de else "Formats"),
                ("audience", "audience", "Zielgruppe" if de else "Audience"),
            )
        ]
        links = links_for(subscriber, context, now)
        data = {
            "lang": lang,
            "de": de,
            "email": subscriber.email,
            "search": search,
            "groups": groups,
            "action": f"/manage/{token}",
            "unsubscribe": links.unsubscribe.removeprefix(context.base_url),
            "unsubscribed": subscriber.status is Status.UNSUBSCRIBED,
            "notice": notice,
            "error": error,
        }
        return page(request, "manage.html", data, 400 if error else 200)

    @api.get("/manage/{token}", response_class=HTMLResponse, responses=pages(404, meanings=INVALID_LINK))
    def manage(request: Request, token: str) -> HTMLResponse:
        now = moment(request)
        subscriber = holder(token, Purpose.MANAGE, now)
        if subscriber is None:
            return invalid(request, _language(request, None))
        return manage_page(request, token, subscriber, now)

    @api.post(
        "/manage/{token}",
        response_class=HTMLResponse,
        openapi_extra=PREFERENCES_FORM,
        responses=pages(
            400, 404, meanings={400: "The search cannot be saved (the page says which part)", **INVALID_LINK}
        ),
    )
    async def save_preferences(request: Request, token: str) -> HTMLResponse:
        form = await request.form()
        return await run_in_threadpool(_save_preferences, request, token, form)

    def _save_preferences(request: Request, token: str, form: FormData) -> HTMLResponse:
        now = moment(request)
        subscriber = holder(token, Purpose.MANAGE, now)
        if subscriber is None:
            return invalid(request, _language(request, None))
        if form.get("action") == "resubscribe":
            again = subscribers.resubscribe(subscriber.id, now) or subscriber
            notice = "Sie sind wieder angemeldet." if again.language == "de" else "You are subscribed again."
            return manage_page(request, token, again, now, notice=notice)
        lang = str(form.get("lang") or subscriber.language)
        fields = [(key, str(value)) for key, value in form.multi_items() if key not in NOT_SEARCH_FIELDS]
        try:
            search = saved_search(fields, settings.timezone)
            updated = subscribers.update_preferences(subscriber.id, search, lang, now)
        except (SavedSearchError, SubscriberError) as problem:
            return manage_page(request, token, subscriber, now, error=str(problem))
        if updated is None:
            return invalid(request, subscriber.language)
        notice = "Gespeichert." if updated.language == "de" else "Saved."
        return manage_page(request, token, updated, now, notice=notice)

    # --- unsubscribe ---------------------------------------------------------------------

    @api.get("/unsubscribe/{token}", response_class=HTMLResponse, responses=pages(404, meanings=INVALID_LINK))
    def unsubscribe_page(request: Request, token: str) -> HTMLResponse:
        # A GET never unsubscribes: link scanners and previews follow links.
        now = moment(request)
        subscriber = holder(token, Purpose.UNSUBSCRIBE, now)
        if subscriber is None:
            return invalid(request, _language(request, None))
        manage_link = links_for(subscriber, context, now).manage.removeprefix(context.base_url)
        data = {
            "lang": subscriber.language,
            "email": subscriber.email,
            "action": f"/unsubscribe/{token}",
            "manage": manage_link,
        }
        return page(request, "unsubscribe.html", data)

    @api.post("/unsubscribe/{token}", response_class=HTMLResponse, responses=pages(404, meanings=INVALID_LINK))
    def unsubscribe(request: Request, token: str) -> HTMLResponse:
        now = moment(request)
        subscriber = holder(token, Purpose.UNSUBSCRIBE, now)
        done = subscribers.unsubscribe(subscriber.id, now) if subscriber else None
        if done is None:
            return invalid(request, _language(request, None))
        manage_link = links_for(done, context, now).manage.removeprefix(context.base_url)
        if done.language == "de":
            return message(
                request,
                "de",
                "Abgemeldet",
                [f"{done.email} erhält keine E-Mails von Kontext mehr."],
                link={"href": manage_link, "text": "Versehentlich? Wieder anmelden"},
            )
        return message(
            request,
            "en",
            "Unsubscribed",
            [f"{done.email} will receive no more emails from Kontext."],
            link={"href": manage_link, "text": "By mistake? Subscribe again"},
        )

    # --- staff preview -------------------------------------------------------------------

    # A default, not Annotated[...]: `staff` is local here and string annotations cannot see it.
    def staff_only(credentials: HTTPBasicCredentials | None = Depends(staff)) -> None:  # noqa: B008
        if not settings.staff_user or not settings.staff_password:
            raise HTTPException(
                403, "staff access is not configured: set KONTEXT_STAFF_USER and KONTEXT_STAFF_PASSWORD"
            )
        if credentials is None:
            raise HTTPException(401, "staff login required", headers=CHALLENGE)
        user_ok = secrets.compare_digest(credentials.username.encode(), settings.staff_user.encode())
        password_ok = secrets.compare_digest(credentials.password.encode(), settings.staff_password.encode())
        if not (user_ok and password_ok):
            raise HTTPException(401, "wrong staff user or password", headers=CHALLENGE)

    @api.get(
        "/preview/{subscriber_id}",
        dependencies=[Depends(staff_only)],
        response_class=HTMLResponse,
        responses={
            200: {"content": {"text/plain": {}}, "description": "The digest's HTML part, or its text (part=text)"},
            **pages(401, 403),
            **pages(
                404,
                503,
                meanings={404: "No such subscriber", 503: "The digest cannot be selected right now"},
                media_type="text/plain",
            ),
        },
    )
    def preview(
        request: Request,
        subscriber_id: int,
        part: Annotated[str, Query(json_schema_extra={"enum": ["html", "text"]})] = "html",
    ) -> Response:
        subscriber = subscribers.get(subscriber_id)
        if subscriber is None:
            return PlainTextResponse("no such subscriber", status_code=404, headers=NO_STORE)
        now = moment(request)
        # Previews are rare: a client of their own, closed after use, instead of one per app.
        index = SearchIndex(meili, settings.events_index)
        try:
            selection = Selector(index, store, now, settings.timezone).select(subscriber)
        except SearchError as error:
            return PlainTextResponse(f"cannot select the digest: {error}", status_code=503, headers=NO_STORE)
        finally:
            index.close()
        if selection.empty:
            return PlainTextResponse("No digest: nothing new matches this subscriber's search.", headers=NO_STORE)
        rendered = render_digest(
            subscriber,
            selection,
            context=context,
            links=links_for(subscriber, context, now),
            now=now,
            message_id=f"<preview.{subscriber.id}@{context.domain}>",
        )
        headers = {
            **NO_STORE,
            "X-Digest-Subject": str(rendered["Subject"]).encode("ascii", "replace").decode(),
        }
        if part == "text":
            return PlainTextResponse(text_part(rendered), headers=headers)
        # The mail's own inline styles must apply; nothing else may load or run.
        headers["Content-Security-Policy"] = (
            "default-src 'none'; style-src 'unsafe-inline'; img-src https: data:; base-uri 'none'; "
            "form-action 'none'; frame-ancestors 'none'"
        )
        return HTMLResponse(html_part(rendered), headers=headers)

    return api
