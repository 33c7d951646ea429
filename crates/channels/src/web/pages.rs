//! The citizens' pages, as HTML. Everything interpolated is escaped by maud; the only raw HTML is
//! the fixed style sheet and script below.

use jiesu_domain::district::District;
use jiesu_domain::event::Event;
use jiesu_domain::ids::TrackingNumber;
use jiesu_domain::ports::RequestView;
use jiesu_domain::request::Kind;
use jiesu_domain::secret::VisitSecret;
use jiesu_words::names::{category_name, local_name};
use jiesu_words::{Lang, bureau_name, describe, kind_name, status_name};
use maud::{DOCTYPE, Markup, PreEscaped, html};

use super::form::Values;
use super::text::{Text, text};
use crate::open311::datetime;

const CSS: &str = "body{font-family:system-ui,sans-serif;max-width:40rem;margin:0 auto;padding:1rem;line-height:1.5}\
header{display:flex;justify-content:space-between;align-items:baseline}header a{text-decoration:none}\
label{display:block;margin-top:1rem;font-weight:600}input,select,textarea{width:100%;box-sizing:border-box;\
font-size:1rem;padding:.5rem}textarea{min-height:7rem}.row{display:flex;gap:.5rem}.hint{color:#555;font-size:.9rem;\
font-weight:normal}.errors{background:#fdecea;border-left:4px solid #c0392b;padding:.5rem 1rem}\
.notice{background:#fff6e0;border-left:4px solid #e69b00;padding:.5rem 1rem}button{font-size:1rem;padding:.6rem 1.2rem;\
margin-top:1rem}.tracking{font-size:2rem;font-weight:700;letter-spacing:.1em}footer{margin-top:2rem;color:#595959;font-size:.85rem}\
ol.history li{margin-bottom:.5rem}@media (max-width:30rem){.tracking{font-size:1.5rem;letter-spacing:.05em}}#quiet-form,#quiet-state{margin-top:1.5rem;color:#555}#quiet-form p{margin:0}#quiet-form button{margin-top:.5rem}";

/// Fills latitude and longitude from the browser's geolocation, where the citizen allows it.
const LOCATE: &str = "document.getElementById('locate').addEventListener('click',function(){\
var s=document.getElementById('locate-status');if(!navigator.geolocation){s.textContent='—';return;}\
s.textContent='…';navigator.geolocation.getCurrentPosition(function(p){\
document.getElementById('lat').value=p.coords.latitude.toFixed(6);\
document.getElementById('lon').value=p.coords.longitude.toFixed(6);s.textContent='✓';},\
function(e){s.textContent=e.message;},{enableHighAccuracy:true,timeout:10000});});\
document.getElementById('photos').addEventListener('change',function(){if(this.files.length>3){\
alert(this.dataset.tooMany);this.value='';}});";

fn layout(t: &Text, title: &str, switch_to: &str, body: Markup) -> Markup {
    html! {
        (DOCTYPE)
        html lang=(t.html_lang) {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (title) " · " (t.site) }
                style { (PreEscaped(CSS)) }
            }
            body {
                header {
                    a href={ "/?lang=" (t.param) } { strong { (t.site) } }
                    a #lang href=(switch_to) { (t.other_language) }
                }
                main { (body) }
                footer { (t.sample_note) }
            }
        }
    }
}

fn other(lang: Lang) -> &'static str {
    match lang {
        Lang::Zh => "en",
        Lang::En => "zh",
    }
}

fn errors_box(t: &Text, errors: &[&str]) -> Markup {
    html! {
        @if !errors.is_empty() {
            div.errors #errors role="alert" {
                p { (t.errors) }
                ul { @for e in errors { li { (e) } } }
            }
        }
    }
}

/// `photo_mb`: the largest photo accepted, in MB, as the label states it.
pub fn report_form(
    d: &District,
    lang: Lang,
    v: &Values,
    errors: &[&str],
    notice: Option<&str>,
    photo_mb: &str,
) -> Markup {
    let t = text(lang);
    let name = |zh: &str, en: &Option<String>| local_name(zh, en.as_deref(), lang);
    let top = d.taxonomy().iter().filter(|c| c.code.level() == 1);
    let body = html! {
        h1 { (t.report_title) }
        p { (t.report_intro) }
        (errors_box(t, errors))
        @if let Some(n) = notice { p.notice { (n) } }
        form #report method="post" action="/requests" enctype="multipart/form-data" {
            input type="hidden" name="form_token" value=(v.form_token);
            input type="hidden" name="lang" value=(t.param);
            label for="category" { (t.category) }
            select #category name="category" required {
                option value="" { (t.choose_category) }
                @for l1 in top {
                    @for l2 in d.taxonomy().iter().filter(|c| c.code.level() == 2 && l1.code.contains(&c.code)) {
                        optgroup label={ (name(&l1.name, &l1.name_en)) " · " (name(&l2.name, &l2.name_en)) } {
                            @for leaf in d.taxonomy().leaves().filter(|c| l2.code.contains(&c.code)) {
                                option value=(leaf.code) selected[v.category == leaf.code.as_str()] { (name(&leaf.name, &leaf.name_en)) }
                            }
                        }
                    }
                }
            }
            label for="kind" { (t.kind) }
            select #kind name="kind" {
                @for k in Kind::ALL {
                    option value=(k.as_str()) selected[v.kind == k.as_str()] { (kind_name(k, lang)) }
                }
            }
            label for="description" { (t.description) " " span.hint { (t.description_hint) } }
            textarea #description name="description" maxlength="4000" required { (v.description) }
            label for="address" { (t.address) " " span.hint { (t.address_hint) } }
            input #address type="text" name="address" maxlength="500" value=(v.address);
            label { (t.point) }
            div.row {
                input #lat type="text" inputmode="decimal" name="lat" placeholder=(t.lat) aria-label=(t.lat) value=(v.lat);
                input #lon type="text" inputmode="decimal" name="lon" placeholder=(t.lon) aria-label=(t.lon) value=(v.lon);
            }
            button #locate type="button" { (t.locate) } " " span #locate-status {}
            label for="photos" { (t.photos.replace("{mb}", photo_mb)) " " span.hint { (t.photos_hint) } }
            input #photos type="file" name="photos" accept="image/jpeg,image/png,image/webp" multiple data-too-many=(t.err_photo_count);
            label for="phone" { (t.phone) " " span.hint { (t.phone_hint) } }
            input #phone type="tel" name="phone" required value=(v.phone);
            label for="name" { (t.name) }
            input #name type="text" name="name" maxlength="100" value=(v.name);
            button #submit type="submit" { (t.submit) }
        }
        p { a href={ "/track?lang=" (t.param) } { (t.track_it) } }
        script { (PreEscaped(LOCATE)) }
    };
    layout(t, t.report_title, &format!("/?lang={}", other(lang)), body)
}

pub fn received(lang: Lang, tracking: &TrackingNumber) -> Markup {
    let t = text(lang);
    let body = html! {
        h1 { (t.received_title) }
        p { (t.tracking_number) }
        p.tracking #tracking { (tracking.grouped()) }
        p { (t.keep_number) }
        p { a #track-link href={ "/track?n=" (tracking.as_str()) "&lang=" (t.param) } { (t.track_it) } }
        p { a href={ "/?lang=" (t.param) } { (t.report_another) } }
    };
    layout(t, t.received_title, &format!("/track?n={}&lang={}", tracking.as_str(), other(lang)), body)
}

pub fn track_form(lang: Lang, number: &str, error: Option<&str>) -> Markup {
    let t = text(lang);
    let body = html! {
        h1 { (t.track_title) }
        p { (t.track_intro) }
        @if let Some(e) = error { div.errors #errors role="alert" { p { (e) } } }
        form #track method="post" action="/track" {
            input type="hidden" name="lang" value=(t.param);
            label for="n" { (t.number) }
            input #n type="text" name="n" required autocomplete="off" value=(number);
            label for="last4" { (t.last4) }
            input #last4 type="text" name="last4" inputmode="numeric" maxlength="4" required autocomplete="off";
            button #look-up type="submit" { (t.look_up) }
        }
    };
    layout(t, t.track_title, &format!("/track?n={number}&lang={}", other(lang)), body)
}

/// What the tracking page says above the history, after the citizen answered the return visit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Notice {
    Thanks,
    Reopened,
    /// The answer could not be read: say what is missing.
    VisitIncomplete,
    /// The citizen asked for no more notices about the request.
    Quiet,
}

/// Whether the page offers to stop this request's notices: not for a request nobody can be told
/// of (no phone, no WeChat) or one that is over; else whether it was asked already.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Quiet {
    NotOffered,
    Offered,
    Asked,
}

/// The request's notices: stop them (a form carrying the return-visit secret, the proof this
/// takes, like the return visit), or that they were stopped.
fn quiet_form(t: &Text, tracking: &TrackingNumber, secret: &VisitSecret, quiet: Quiet) -> Markup {
    html! {
        @match quiet {
            Quiet::NotOffered => {}
            Quiet::Asked => { p #quiet-state { (t.quiet_state) } }
            Quiet::Offered => {
                form #quiet-form method="post" action="/track/quiet" {
                    input type="hidden" name="lang" value=(t.param);
                    input type="hidden" name="n" value=(tracking.as_str());
                    input type="hidden" name="k" value=(secret.as_str());
                    p { (t.quiet_intro) }
                    button #quiet-submit type="submit" { (t.quiet_button) }
                }
            }
        }
    }
}

/// The return-visit form, for a request whose result passed the closure review. It carries the
/// request's return-visit secret (`k`), the only proof the visit is taken with, and shows the link
/// that carries it.
fn visit_form(t: &Text, tracking: &TrackingNumber, secret: &VisitSecret) -> Markup {
    html! {
        section #visit {
            h2 { (t.visit_title) }
            p { (t.visit_intro) }
            p { (t.visit_link) ": " a #visit-link href=(super::visit_link("", tracking, secret)) { (t.visit_title) } }
            form #visit-form method="post" action="/track/visit" {
                input type="hidden" name="lang" value=(t.param);
                input type="hidden" name="n" value=(tracking.as_str());
                input type="hidden" name="k" value=(secret.as_str());
                fieldset {
                    legend { (t.visit_solved) }
                    label { input #solved-yes type="radio" name="solved" value="yes" required; " " (t.visit_yes) }
                    label { input #solved-no type="radio" name="solved" value="no"; " " (t.visit_no) }
                }
                fieldset {
                    legend { (t.visit_satisfaction) }
                    @for (code, name) in ["satisfied", "basically_satisfied", "dissatisfied"].iter().zip(t.visit_satisfied) {
                        label { input id={ "sat-" (code) } type="radio" name="satisfaction" value=(code); " " (name) }
                    }
                }
                label for="comment" { (t.visit_comment) }
                textarea #comment name="comment" maxlength="2000" {}
                button #visit-submit type="submit" { (t.visit_submit) }
            }
        }
    }
}

/// A time as people read it, in district time ("12月7日 18:02", with the year when it is not this
/// one), marked up with the exact instant for machines.
fn when(at: chrono::DateTime<chrono::Utc>, lang: Lang) -> Markup {
    let shown = jiesu_words::time::local_time(at, jiesu_domain::time::now(), lang);
    html! { time datetime=(datetime(at)) { (shown) } }
}

/// The request's page, for the citizen who proved it is theirs (with the phone digits or the
/// return-visit link), with the return-visit form when it is due.
pub fn track_result(
    d: &District,
    lang: Lang,
    view: &RequestView,
    events: &[Event],
    secret: &VisitSecret,
    notice: Option<Notice>,
    quiet: Quiet,
) -> Markup {
    let t = text(lang);
    let r = &view.request;
    let lead = jiesu_domain::task::current_lead(&view.tasks);
    let status = status_name(r.status, lang);
    let category = r.submitted.category.as_ref().and_then(|c| category_name(d, c, lang));
    let notice = notice.map(|n| match n {
        Notice::Thanks => ("notice", t.visit_thanks),
        Notice::Reopened => ("notice", t.visit_reopened),
        Notice::VisitIncomplete => ("errors", t.err_visit),
        Notice::Quiet => ("notice", t.quiet_done),
    });
    let body = html! {
        h1 { (t.track_title) }
        @if let Some((class, message)) = notice { div #visit-notice class=(class) role="status" { p { (message) } } }
        p.tracking #tracking { (r.submitted.tracking.grouped()) }
        dl {
            @if let Some(c) = category { dt { (t.category) } dd { (c) } }
            dt { (t.status) } dd #status { (status) }
            dt { (t.handled_by) } dd #handled-by { (lead.map(|x| bureau_name(d, &x.bureau, lang)).unwrap_or_else(|| "—".into())) }
            dt { (t.received_at) } dd { (when(r.submitted.received_at, lang)) }
            @if let Some(due) = view.expected_at { dt { (t.expected_at) } dd #expected-at { (when(due, lang)) } }
            dt { (t.description) } dd { (r.submitted.description) }
        }
        @if r.status == jiesu_domain::request::RequestStatus::Reviewed { (visit_form(t, &r.submitted.tracking, secret)) }
        (quiet_form(t, &r.submitted.tracking, secret, quiet))
        h2 { (t.history) }
        ol.history #history {
            @for e in events { li { (when(e.occurred_at, lang)) " " (describe(e, d, lang)) } }
        }
        p { a href={ "/?lang=" (t.param) } { (t.report_another) } }
    };
    layout(
        t,
        t.track_title,
        &format!("/track?n={}&lang={}", r.submitted.tracking.as_str(), other(lang)),
        body,
    )
}
