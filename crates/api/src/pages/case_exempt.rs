//! The case page's appeals (申诉) and final replies (最终答复): what the bureau answering for the
//! request may ask a supervisor, and where its asking stands. An unfair 不满意 or "not solved"
//! return visit may be appealed once, with reasons and photos of the evidence; while the bureau
//! handles the request it may give its final reply to an unreasonable repeat demand.

use chrono::{DateTime, Utc};
use jiesu_words::Lang;
use jiesu_words::time::local_time;
use maud::{Markup, html};

use super::session::Viewer;
use crate::work::case_view::{CaseView, VisitView};
use crate::work::exemptions::ExemptionView;
use crate::work::tasks::TaskDetail;

/// The viewer's bureau when it leads: its exemptions show in `section`, so the case page's list of
/// shares leaves them out rather than say them twice.
pub(crate) fn own_section<'a>(v: &'a Viewer<impl Sized>, c: &CaseView) -> Option<&'a str> {
    v.me.bureau.as_ref().map(|b| b.as_str()).filter(|m| c.lead.as_ref().is_some_and(|l| l.code == *m))
}

/// A visit's answers in words.
pub(crate) fn visit_words(v: &VisitView, lang: Lang) -> String {
    let solved =
        if v.solved { lang.pick("已解决", "solved") } else { lang.pick("未解决", "not solved") };
    let rating = match v.satisfaction.as_deref() {
        Some("satisfied") => lang.pick("满意", "satisfied"),
        Some("basically_satisfied") => lang.pick("基本满意", "basically satisfied"),
        Some("dissatisfied") => lang.pick("不满意", "dissatisfied"),
        _ => lang.pick("未评价", "no rating"),
    };
    format!("{solved} · {rating}")
}

/// What the kind and state of one are called.
pub(crate) fn title(e: &ExemptionView, lang: Lang) -> &'static str {
    match (e.kind.as_str(), e.state.as_str()) {
        ("appeal", "pending") => lang.pick("申诉待审核", "Appeal under review"),
        ("appeal", "granted") => lang.pick("申诉成立，已剔除", "Appeal upheld: exempted"),
        ("appeal", _) => lang.pick("申诉不成立", "Appeal rejected"),
        (_, "pending") => lang.pick("最终答复待审核", "Final reply under review"),
        (_, "granted") => lang.pick("最终答复已同意，已结案", "Final reply approved: closed"),
        _ => lang.pick("最终答复未获同意", "Final reply refused"),
    }
}

/// A visit the bureau may still appeal: 不满意 or not solved, and not appealed before.
fn appealable<'a>(case: &'a CaseView, bureau: &str) -> Vec<&'a VisitView> {
    let mine: Vec<&ExemptionView> = case.exemptions.iter().filter(|e| e.bureau.code == bureau).collect();
    if mine.iter().any(|e| e.state != "refused") {
        return Vec::new();
    }
    case.return_visits
        .iter()
        .filter(|v| !v.solved || v.satisfaction.as_deref() == Some("dissatisfied"))
        .filter(|v| !mine.iter().any(|e| e.visit_id.as_deref() == Some(v.id.as_str())))
        .collect()
}

/// The bureau's forms and its exemptions' state; nothing for anyone else.
pub(crate) fn section(v: &Viewer<impl Sized>, t: &TaskDetail) -> Markup {
    let lang = v.lang;
    let task = &t.task.task;
    let case = &t.case;
    let Some(bureau) = own_section(v, case) else { return html! {} };
    if task.bureau.code != bureau {
        return html! {};
    }
    let mine: Vec<&ExemptionView> = case.exemptions.iter().filter(|e| e.bureau.code == bureau).collect();
    let visits = appealable(case, bureau);
    let quiet = mine.iter().any(|e| e.state != "refused");
    let may_reply = !quiet && task.role == "lead" && task.state == "claimed";
    if mine.is_empty() && visits.is_empty() && !may_reply {
        return html! {};
    }
    let base = format!("/staff/tasks/{}", task.id);
    let now = jiesu_domain::time::now();
    html! {
        section.card.o3 #exemptions aria-labelledby="h-exemptions" {
            h2 #h-exemptions { (lang.pick("申诉与最终答复", "Appeals and final replies")) }
            @for e in &mine { (status(e, now, lang)) }
            @for visit in &visits { (appeal_form(v, &base, visit, now)) }
            @if may_reply { (reply_form(v, &base)) }
        }
    }
}

fn status(e: &ExemptionView, now: DateTime<Utc>, lang: Lang) -> Markup {
    html! {
        div.exemption id={ "exemption-" (e.id) } {
            p { strong { (title(e, lang)) } " " span.muted.small { (local_time(e.requested_at, now, lang)) } }
            p.small style="white-space:pre-wrap" { (e.reason) }
            @if let Some(n) = &e.note { p.small { (lang.pick("审核意见：", "Supervisor: ")) (n) } }
        }
    }
}

fn photos_input(lang: Lang, id: &str) -> Markup {
    html! {
        label for=(id) { (lang.pick("证据照片", "Evidence photos")) " " span.hint { (lang.pick("最多 3 张", "up to 3")) } }
        input id=(id) type="file" name="photos" accept="image/jpeg,image/png,image/webp" multiple;
    }
}

fn appeal_form(v: &Viewer<impl Sized>, base: &str, visit: &VisitView, now: DateTime<Utc>) -> Markup {
    let lang = v.lang;
    let reason = format!("appeal-reason-{}", visit.id);
    html! {
        details.act {
            summary {
                (lang.pick("对回访结果申诉：", "Appeal the return visit: ")) (local_time(visit.at, now, lang)) "，" (visit_words(visit, lang))
            }
            form.appeal-form method="post" action={ (base) "/appeal" } enctype="multipart/form-data" {
                input type="hidden" name="csrf" value=(v.csrf.as_str());
                input type="hidden" name="visit" value=(visit.id);
                @if let Some(c) = &visit.comment { p.small { (lang.pick("群众意见：", "The citizen said: ")) (c) } }
                label for=(reason) { (lang.pick("申诉理由", "Why it is unfair")) " " span.hint { (lang.pick("如诉求超出法定职责、评价针对其他事项", "e.g. the demand is outside the law, the rating is about another matter")) } }
                textarea id=(reason) name="reason" maxlength="2000" required {}
                (photos_input(lang, &format!("appeal-photos-{}", visit.id)))
                div.actions { button.secondary type="submit" { (lang.pick("提交申诉", "Appeal")) } }
            }
        }
    }
}

fn reply_form(v: &Viewer<impl Sized>, base: &str) -> Markup {
    let lang = v.lang;
    html! {
        details.act {
            summary { (lang.pick("最终答复（不合理诉求）", "Final reply (unreasonable demand)")) }
            form #final-reply-form method="post" action={ (base) "/final-reply" } enctype="multipart/form-data" {
                input type="hidden" name="csrf" value=(v.csrf.as_str());
                p.hint { (lang.pick("对反复提出、无法满足的诉求作出最终答复；经督办审核同意后结案，不计入本单位考核。", "For a repeated demand that cannot be met: approved by a supervisor, it closes the request and leaves your bureau's rates.")) }
                label for="final-reply" { (lang.pick("答复内容", "The reply")) " " span.hint { (lang.pick("将告知群众", "shown to the citizen")) } }
                textarea #final-reply name="reply" maxlength="2000" required {}
                (photos_input(lang, "final-reply-photos"))
                div.actions { button.secondary #propose-final-reply type="submit" { (lang.pick("提交审核", "Submit for review")) } }
            }
        }
    }
}
