//! The tracking pages: the look-up form, and a request's page for the citizen who proved it is
//! theirs: what it is, where it stands, its life in plain words (`jiesu_words::timeline`), the
//! return visit when it is due, and the offer to stop notices.

use jiesu_domain::district::District;
use jiesu_domain::escalation::Meeting;
use jiesu_domain::event::Event;
use jiesu_domain::ids::TrackingNumber;
use jiesu_domain::ports::RequestView;
use jiesu_domain::request::{MediaUrl, RequestStatus};
use jiesu_domain::secret::VisitSecret;
use jiesu_domain::workflow::Stars;
use jiesu_words::names::category_name;
use jiesu_words::timeline::{Step, for_citizen};
use jiesu_words::{Lang, bureau_name, status_name};
use maud::{Markup, html};

use super::super::text::{Text, text};
use super::{layout, other, when};

pub fn track_form(lang: Lang, number: &str, error: Option<&str>) -> Markup {
    let t = text(lang);
    let body = html! {
        div.weui-form__text-area {
            h1.weui-form__title { (t.track_title) }
            p.weui-form__desc { (t.track_intro) }
        }
        @if let Some(e) = error { div.errors #errors role="alert" { p { (e) } } }
        form #track method="post" action="/track" {
            input type="hidden" name="lang" value=(t.param);
            div.weui-cells.weui-cells_form {
                div.weui-cell.weui-cell_active {
                    div.weui-cell__hd { label.weui-label for="n" { (t.number) } }
                    div.weui-cell__bd { input.weui-input #n type="text" name="n" required autocomplete="off" value=(number); }
                }
                div.weui-cell.weui-cell_active {
                    div.weui-cell__hd { label.weui-label for="last4" { (t.last4) } }
                    div.weui-cell__bd { input.weui-input #last4 type="text" name="last4" inputmode="numeric" maxlength="4" required autocomplete="off"; }
                }
            }
            div.weui-form__opr-area { button.weui-btn.weui-btn_primary #look-up type="submit" { (t.look_up) } }
        }
        p.links { a href={ "/?lang=" (t.param) } { (t.report_another) } }
    };
    layout(t, t.track_title, &format!("/track?n={number}&lang={}", other(lang)), body)
}

/// What the tracking page says above the request, after the citizen acted on it.
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
                    button.weui-btn.weui-btn_mini.weui-btn_default #quiet-submit type="submit" { (t.quiet_button) }
                }
            }
        }
    }
}

/// One choice of a radio group as a WeUI cell: the words on the left, the button on the right.
fn choice(id: &str, name: &str, value: &str, words: &str, required: bool) -> Markup {
    html! {
        label.weui-cell.weui-cell_active.weui-check__label.choice for=(id) {
            div.weui-cell__bd { p { (words) } }
            div.weui-cell__ft { input #(id) type="radio" name=(name) value=(value) required[required]; }
        }
    }
}

/// The return-visit form, for a request whose result passed the closure review. It carries the
/// request's return-visit secret (`k`), the only proof the visit is taken with, and shows the link
/// that carries it. Solved or not, the 满意/基本满意/不满意 scale, and one to five stars.
fn visit_form(t: &Text, tracking: &TrackingNumber, secret: &VisitSecret) -> Markup {
    html! {
        section.card #visit {
            h2 { (t.visit_title) }
            p { (t.visit_intro) }
            form #visit-form method="post" action="/track/visit" {
                input type="hidden" name="lang" value=(t.param);
                input type="hidden" name="n" value=(tracking.as_str());
                input type="hidden" name="k" value=(secret.as_str());
                fieldset.weui-cells.weui-cells_radio {
                    legend.weui-cells__title { (t.visit_solved) }
                    (choice("solved-yes", "solved", "yes", t.visit_yes, true))
                    (choice("solved-no", "solved", "no", t.visit_no, false))
                }
                fieldset.weui-cells.weui-cells_radio {
                    legend.weui-cells__title { (t.visit_satisfaction) }
                    @for (code, name) in ["satisfied", "basically_satisfied", "dissatisfied"].iter().zip(t.visit_satisfied) {
                        (choice(&format!("sat-{code}"), "satisfaction", code, name, false))
                    }
                }
                fieldset.stars #stars {
                    legend { (t.visit_stars) }
                    div.star-row {
                        @for n in 1..=Stars::MAX {
                            input.star-input id={ "star-" (n) } type="radio" name="stars" value=(n);
                            label.star for={ "star-" (n) } title=(t.stars_name.replace("{n}", &n.to_string())) {
                                span aria-hidden="true" { "★" }
                                span.sr-only { (t.stars_name.replace("{n}", &n.to_string())) }
                            }
                        }
                    }
                }
                div.weui-cells.weui-cells_form {
                    div.weui-cell.stacked {
                        div.weui-cell__bd {
                            label.weui-label for="comment" { (t.visit_comment) }
                            textarea.weui-textarea #comment name="comment" maxlength="2000" rows="3" {}
                        }
                    }
                }
                div.weui-form__opr-area { button.weui-btn.weui-btn_primary #visit-submit type="submit" { (t.visit_submit) } }
            }
            p.hint { (t.visit_link) ": " a #visit-link href=(super::super::visit_link("", tracking, secret)) { (t.visit_title) } }
        }
    }
}

fn photos(list: &[MediaUrl], alt: &str) -> Markup {
    html! {
        @if !list.is_empty() {
            ul.photos {
                @for (i, p) in list.iter().enumerate() {
                    li { a href=(p.as_str()) { img src=(p.as_str()) alt={ (alt) " " (i + 1) } loading="lazy"; } }
                }
            }
        }
    }
}

/// The steps, newest last, each with the units that declined before it on request.
fn timeline(t: &Text, steps: &[Step], lang: Lang) -> Markup {
    html! {
        ol.timeline #history {
            @for (i, s) in steps.iter().enumerate() {
                li.step.current[i + 1 == steps.len()] {
                    (when(s.at, lang))
                    p.title { (s.title) }
                    @if let Some(d) = &s.detail { p.detail { (d) } }
                    (photos(&s.photos, t.result_photo))
                    @if !s.declined.is_empty() {
                        details.declined {
                            summary { (t.declined_summary.replace("{n}", &s.declined.len().to_string())) }
                            ul { @for d in &s.declined { li { (d.bureau) "：" (d.reason) } } }
                            p.hint { (t.declined_hint) }
                        }
                    }
                }
            }
        }
    }
}

/// The request's page, for the citizen who proved it is theirs (with the phone digits or the
/// private link), with the return-visit form when it is due.
pub fn track_result(
    d: &District,
    lang: Lang,
    (view, events, meetings): (&RequestView, &[Event], &[Meeting]),
    secret: &VisitSecret,
    notice: Option<Notice>,
    quiet: Quiet,
) -> Markup {
    let t = text(lang);
    let r = &view.request;
    let lead = jiesu_domain::task::current_lead(&view.tasks);
    let category = r.submitted.category.as_ref().and_then(|c| category_name(d, c, lang));
    let notice = notice.map(|n| match n {
        Notice::Thanks => ("notice", t.visit_thanks),
        Notice::Reopened => ("notice", t.visit_reopened),
        Notice::VisitIncomplete => ("errors", t.err_visit),
        Notice::Quiet => ("notice", t.quiet_done),
    });
    let steps = for_citizen(events, meetings, d, lang);
    let body = html! {
        h1.page-title { (t.track_title) }
        @if let Some((class, message)) = notice { div #visit-notice class=(class) role="status" { p { (message) } } }
        section.summary {
            div.status-line {
                span.label { (t.status) }
                strong #status class={ "status status-" (r.status.as_str()) } { (status_name(r.status, lang)) }
            }
            dl.facts {
                div { dt { (t.number) } dd.tracking-small #tracking { (r.submitted.tracking.grouped()) } }
                @if let Some(c) = category { div { dt { (t.category) } dd { (c) } } }
                div { dt { (t.handled_by) } dd #handled-by { (lead.map(|x| bureau_name(d, &x.bureau, lang)).unwrap_or_else(|| "—".into())) } }
                div { dt { (t.received_at) } dd { (when(r.submitted.received_at, lang)) } }
                @if let Some(due) = view.expected_at { div { dt { (t.expected_at) } dd #expected-at { (when(due, lang)) } } }
            }
            p.description { (r.submitted.description) }
            (photos(&r.submitted.media, t.your_photo))
        }
        @if r.status == RequestStatus::Reviewed { (visit_form(t, &r.submitted.tracking, secret)) }
        section.card {
            h2 { (t.history) }
            (timeline(t, &steps, lang))
        }
        (quiet_form(t, &r.submitted.tracking, secret, quiet))
        p.links { a href={ "/?lang=" (t.param) } { (t.report_another) } }
    };
    // The holder of this page holds its link: the other language is the same page.
    let switch =
        format!("{}&lang={}", super::super::visit_link("", &r.submitted.tracking, secret), other(lang));
    layout(t, t.track_title, &switch, body)
}
