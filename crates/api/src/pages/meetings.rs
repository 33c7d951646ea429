//! Coordination meetings (协调会): an invited bureau sees its invitations by date, confirms it
//! will attend and reads the agenda (the request, its photos, every disclaim with its reasons);
//! the convener (or the desk, or a supervisor) moves the meeting and records the decision: the
//! lead's and each assisting bureau's binding share (what, by when), who attended, the minutes,
//! and whether to propose a rule. The same workflow commands as `/api/v1/meetings/...`.

use axum::extract::{Path, Query};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use chrono::{DateTime, Duration, NaiveDate, NaiveDateTime, NaiveTime, TimeZone, Utc};
use jiesu_domain::bureau::BureauCode;
use jiesu_domain::district::District;
use jiesu_domain::escalation::{InviteReason, MeetingId, Share};
use jiesu_domain::ports::{Accounts, Cases, Escalations, Store};
use jiesu_domain::time::LOCAL;
use jiesu_domain::workflow::{Command, DecisionInput, Note};
use jiesu_words::Lang;
use jiesu_words::time::{local_date, local_time};
use maud::{Markup, html};
use serde::Deserialize;

use super::layout::{self, Section, flash};
use super::session::{Checked, Viewer};
use super::{State, words};
use crate::ApiError;
use crate::work::WorkApi;
use crate::work::errors::{invalid, required};
use crate::work::escalation_view::MeetingView;
use crate::work::meetings::{MeetingDetail, act_on_meeting, may_see, meeting_view};

/// How many assisting bureaus the decision form offers.
const ASSIST_ROWS: usize = 3;

fn state_name(state: &str, lang: Lang) -> &'static str {
    match state {
        "called" => lang.pick("待召开", "called"),
        "decided" => lang.pick("已决定", "decided"),
        "lapsed" => lang.pick("已逾期（已提级）", "lapsed (moved up a level)"),
        _ => lang.pick("—", "—"),
    }
}

fn reason_name(r: InviteReason, lang: Lang) -> &'static str {
    match r {
        InviteReason::Disclaimed => lang.pick("曾退单", "disclaimed it"),
        InviteReason::Candidate => lang.pick("职责清单候选单位", "a candidate of the list"),
        InviteReason::StreetOffice => lang.pick("属地街道", "the street office"),
        InviteReason::Convener => lang.pick("召集单位", "convener"),
    }
}

fn place(m: &MeetingView, lang: Lang) -> String {
    match (&m.place.address, m.place.on_site) {
        (Some(a), true) => format!("{}{a}", lang.pick("现场：", "on site: ")),
        (Some(a), false) => a.clone(),
        (None, true) => lang.pick("现场", "on site").to_owned(),
        (None, false) => lang.pick("会议室", "meeting room").to_owned(),
    }
}

/// `GET /staff/meetings`: this week's and the coming month's meetings the viewer may see, by day.
pub(crate) async fn list<S: Store + Cases + Accounts + Escalations>(
    axum::extract::State(pages): State<S>,
    viewer: Viewer<S>,
) -> Response {
    let lang = viewer.lang;
    let now = jiesu_domain::time::now();
    let api = &pages.work;
    let found =
        api.workflow.store().meetings_between(now - Duration::days(7), now + Duration::days(31), 500).await;
    let found = match found {
        Ok(f) => f,
        Err(e) => {
            let e = ApiError::from(e);
            return layout::error_page(lang, e.status, &words::refusal(&e, lang));
        }
    };
    let d = api.workflow.district();
    let meetings: Vec<MeetingView> = found
        .iter()
        .filter(|m| may_see(&viewer.me, m))
        .map(|m| crate::work::escalation_view::meeting(&d, m))
        .collect();
    let mut days: Vec<(String, Vec<&MeetingView>)> = Vec::new();
    for m in &meetings {
        let day = local_date(m.scheduled_at, lang);
        match days.last_mut() {
            Some((d, list)) if *d == day => list.push(m),
            _ => days.push((day, vec![m])),
        }
    }
    let body = html! {
        h1 { (lang.pick("协调会", "Coordination meetings")) }
        p.small.muted { (lang.pick("最近一周及未来一个月，本单位召集或受邀参加的会议。", "Last week and the coming month: meetings your bureau convenes or is invited to.")) }
        @if days.is_empty() { p.card.muted #empty { (lang.pick("没有会议。", "No meetings.")) } }
        @for (day, list) in &days {
            h2 { (day) }
            ul.rows {
                @for m in list {
                    li {
                        a.title href={ "/staff/meetings/" (m.id) } { (local_time(m.scheduled_at, now, lang)) " · " (m.agenda.summary) }
                        div.meta {
                            span { (lang.pick("召集：", "Convener: ")) (lang.pick(&m.convener.name, &m.convener.name_en)) }
                            span { (place(m, lang)) }
                            span.tag { (state_name(&m.state, lang)) }
                            span { (lang.pick("工单 ", "Request ")) (grouped(&m.agenda.tracking)) }
                        }
                    }
                }
            }
        }
    };
    layout::respond(
        StatusCode::OK,
        layout::page(viewer.chrome(), Section::Meetings, lang.pick("协调会", "Meetings"), body),
    )
}

#[derive(Debug, Deserialize)]
pub(crate) struct Done {
    done: Option<String>,
}

/// A tracking number grouped for reading out (as stored if it is not one).
fn grouped(tracking: &str) -> String {
    jiesu_domain::ids::TrackingNumber::parse(tracking).map_or_else(|_| tracking.to_owned(), |t| t.grouped())
}

fn parse_id(raw: &str) -> Option<MeetingId> {
    raw.parse::<uuid::Uuid>().ok().map(MeetingId::from_uuid)
}

fn not_found(lang: Lang) -> Response {
    layout::error_page(lang, StatusCode::NOT_FOUND, lang.pick("没有找到这个会议。", "No such meeting."))
}

/// `GET /staff/meetings/{id}`.
pub(crate) async fn page<S: Store + Cases + Accounts + Escalations>(
    axum::extract::State(pages): State<S>,
    viewer: Viewer<S>,
    Path(id): Path<String>,
    Query(q): Query<Done>,
) -> Response {
    let lang = viewer.lang;
    let Some(id) = parse_id(&id) else { return not_found(lang) };
    let notice = q.done.as_deref().map(|d| match d {
        "confirm" => lang.pick("已确认参会。", "Attendance confirmed."),
        "reschedule" => lang.pick("会议时间已调整，受邀单位需重新确认。", "Moved: invitees confirm again."),
        _ => lang.pick(
            "会议决定已记录，各单位的任务已派出。",
            "Decision recorded: each bureau's binding task is out.",
        ),
    });
    render(&pages.work, &viewer, id, StatusCode::OK, notice.map(|m| flash("ok", m))).await
}

async fn render<S: Store + Cases + Escalations>(
    api: &WorkApi<S>,
    v: &Viewer<impl Sized>,
    id: MeetingId,
    status: StatusCode,
    notice: Option<Markup>,
) -> Response {
    let lang = v.lang;
    match meeting_view(api, &v.me, id).await {
        Ok(axum::Json(detail)) => {
            let d = api.workflow.district();
            let body = meeting_body(&d, v, &detail, notice);
            layout::respond(
                status,
                layout::page(v.chrome(), Section::Meetings, lang.pick("协调会", "Meeting"), body),
            )
        }
        Err(e) if e.status == StatusCode::NOT_FOUND => not_found(lang),
        Err(e) => layout::error_page(lang, e.status, &words::refusal(&e, lang)),
    }
}

fn meeting_body(
    d: &District,
    v: &Viewer<impl Sized>,
    detail: &MeetingDetail,
    notice: Option<Markup>,
) -> Markup {
    let lang = v.lang;
    let now = jiesu_domain::time::now();
    let m = &detail.meeting;
    let mine = |code: &str| v.me.bureau.as_ref().is_some_and(|b| b.as_str() == code);
    let invited = m.invitees.iter().find(|i| mine(&i.bureau.code) && i.reason != InviteReason::Convener);
    let convenes = mine(&m.convener.code) || v.me.is(crate::DistrictWide::ROLES);
    let called = m.state == "called";
    let base = format!("/staff/meetings/{}", m.id);
    let csrf = html! { input type="hidden" name="csrf" value=(v.csrf.as_str()); };
    html! {
        p.small { a href="/staff/meetings" { "← " (lang.pick("返回会议列表", "Back to the meetings")) } }
        h1 { (lang.pick("协调会：", "Meeting: ")) (m.agenda.summary) }
        @if let Some(n) = notice { (n) }
        div.case {
            div.col {
                section.card.o1 aria-labelledby="h-meeting" {
                    h2 #h-meeting { (lang.pick("会议", "The meeting")) }
                    dl.facts {
                        dt { (lang.pick("时间", "When")) } dd #meeting-time { (local_time(m.scheduled_at, now, lang)) }
                        dt { (lang.pick("地点", "Where")) } dd { (place(m, lang)) }
                        dt { (lang.pick("召集单位", "Convener")) } dd { (lang.pick(&m.convener.name, &m.convener.name_en)) }
                        dt { (lang.pick("状态", "State")) } dd #meeting-state { (state_name(&m.state, lang)) }
                        dt { (lang.pick("最迟决定", "Decide by")) } dd { (local_time(m.decide_by, now, lang)) }
                    }
                }
                section.card.o4 aria-labelledby="h-agenda" {
                    h2 #h-agenda { (lang.pick("议程", "Agenda")) }
                    p { (lang.pick("工单 ", "Request ")) strong { (grouped(&m.agenda.tracking)) } }
                    @if let Some(r) = &detail.request { p style="white-space:pre-wrap" { (r.description) } }
                    @if !m.agenda.photos.is_empty() {
                        div.photos {
                            @for (i, url) in m.agenda.photos.iter().enumerate() {
                                a href=(url) target="_blank" rel="noopener" hx-boost="false" { img src=(url) alt={ (lang.pick("照片 ", "Photo ")) (i + 1) } loading="lazy"; }
                            }
                        }
                    }
                    h3.small { (lang.pick("各单位退单理由", "Why each bureau disclaimed")) }
                    ul #agenda-disclaims {
                        @for x in &m.agenda.disclaims {
                            li { strong { (jiesu_words::bureau_name(d, &x.bureau, lang)) } "：" (jiesu_words::names::disclaim_reason_name(x.reason, lang)) "，" (x.explanation) }
                        }
                    }
                }
            }
            div.col {
                section.card.o2 aria-labelledby="h-invitees" {
                    h2 #h-invitees { (lang.pick("参会单位", "Invited")) }
                    ul.rows #invitees {
                        @for i in &m.invitees {
                            li {
                                strong { (lang.pick(&i.bureau.name, &i.bureau.name_en)) } " "
                                span.muted.small { (reason_name(i.reason, lang)) } " "
                                @if i.confirmed_at.is_some() { span.clock.ok { (lang.pick("已确认", "confirmed")) } }
                                @else { span.clock.soon { (lang.pick("未确认", "not yet")) } }
                            }
                        }
                    }
                    @if called && invited.is_some_and(|i| i.confirmed_at.is_none()) {
                        form #confirm-form method="post" action={ (base) "/confirm" } {
                            (csrf)
                            button #confirm type="submit" { (lang.pick("确认参会", "Confirm attendance")) }
                        }
                    }
                }
                @if let Some(x) = &m.decision {
                    section.card.o3 #decision aria-labelledby="h-decision" {
                        h2 #h-decision { (lang.pick("会议决定", "Decision")) }
                        p { strong { (lang.pick("主办：", "Lead: ")) (lang.pick(&x.lead.bureau.name, &x.lead.bureau.name_en)) } " — " (x.lead.scope) " · " (lang.pick("期限 ", "due ")) (local_time(x.lead.due, now, lang)) }
                        @for a in &x.assists {
                            p { (lang.pick("协办：", "Assist: ")) (lang.pick(&a.bureau.name, &a.bureau.name_en)) " — " (a.scope) " · " (lang.pick("期限 ", "due ")) (local_time(a.due, now, lang)) }
                        }
                        p.small { (lang.pick("纪要：", "Minutes: ")) (x.minutes) }
                    }
                }
                @if called && convenes {
                    section.card.o3 aria-labelledby="h-convene" {
                        h2 #h-convene { (lang.pick("召集单位操作", "For the convener")) }
                        details.act {
                            summary { (lang.pick("调整时间地点", "Move the meeting")) }
                            form #reschedule-form method="post" action={ (base) "/reschedule" } {
                                (csrf)
                                label for="at" { (lang.pick("新的时间", "New time")) }
                                input #at type="datetime-local" name="at" required;
                                label for="address" { (lang.pick("现场地址", "On-site address")) " " span.hint { (lang.pick("不填则在会议室", "empty: the meeting room")) } }
                                input #address type="text" name="address" maxlength="500";
                                div.actions { button.secondary #reschedule type="submit" { (lang.pick("调整", "Move")) } }
                            }
                        }
                        details.act open {
                            summary { (lang.pick("记录会议决定", "Record the decision")) }
                            (decision_form(d, v, m, &base))
                        }
                    }
                }
            }
        }
    }
}

fn bureau_select(d: &District, id: &str, name: &str, required: bool, lang: Lang) -> Markup {
    html! {
        select id=(id) name=(name) required[required] {
            option value="" { (lang.pick("请选择", "Choose")) }
            @for b in d.bureaus() { option value=(b.code.as_str()) { (jiesu_words::bureau_name(d, &b.code, lang)) } }
        }
    }
}

fn decision_form(d: &District, v: &Viewer<impl Sized>, m: &MeetingView, base: &str) -> Markup {
    let lang = v.lang;
    html! {
        form #decision-form method="post" action={ (base) "/decide" } data-confirm=(lang.pick("确认记录会议决定？各单位将收到不可退单的任务。", "Record the decision? Each bureau gets a task it cannot disclaim.")) {
            input type="hidden" name="csrf" value=(v.csrf.as_str());
            fieldset {
                legend { (lang.pick("主办单位", "Lead bureau")) }
                label for="lead" { (lang.pick("单位", "Bureau")) }
                (bureau_select(d, "lead", "lead", true, lang))
                label for="lead-scope" { (lang.pick("负责内容", "Its share")) }
                input #lead-scope type="text" name="lead_scope" maxlength="2000" required;
                label for="lead-due" { (lang.pick("完成期限", "Due")) }
                input #lead-due type="date" name="lead_due" required;
            }
            @for i in 0..ASSIST_ROWS {
                fieldset {
                    legend { (lang.pick("协办单位 ", "Assisting bureau ")) (i + 1) " " span.hint { (lang.pick("可不填", "optional")) } }
                    label for={ "assist-" (i) } { (lang.pick("单位", "Bureau")) }
                    (bureau_select(d, &format!("assist-{i}"), "assist", false, lang))
                    label for={ "assist-scope-" (i) } { (lang.pick("负责内容", "Its share")) }
                    input id={ "assist-scope-" (i) } type="text" name="assist_scope" maxlength="2000";
                    label for={ "assist-due-" (i) } { (lang.pick("完成期限", "Due")) }
                    input id={ "assist-due-" (i) } type="date" name="assist_due";
                }
            }
            fieldset {
                legend { (lang.pick("实际参会单位", "Attended")) }
                @for i in &m.invitees {
                    label { input type="checkbox" name="attended" value=(i.bureau.code) checked; " " (lang.pick(&i.bureau.name, &i.bureau.name_en)) }
                }
            }
            label for="minutes" { (lang.pick("会议纪要", "Minutes")) }
            textarea #minutes name="minutes" maxlength="2000" required {}
            label { input #propose-rule type="checkbox" name="propose_rule" value="yes"; " " (lang.pick("建议将此分工写入职责清单（由督办人员审定）", "Propose this split for the responsibility list (a supervisor decides)")) }
            div.actions { button #decide type="submit" { (lang.pick("记录决定", "Record the decision")) } }
        }
    }
}

/// A local date (the end of that day, district time), as a share's deadline.
fn end_of_day(raw: &str) -> Result<DateTime<Utc>, ApiError> {
    let bad = || invalid(&jiesu_domain::ValidationError::invalid("due", "a date (YYYY-MM-DD)"));
    let date = NaiveDate::parse_from_str(raw.trim(), "%Y-%m-%d").map_err(|_| bad())?;
    let last = date.and_time(NaiveTime::from_hms_opt(23, 59, 59).ok_or_else(bad)?);
    LOCAL.from_local_datetime(&last).single().map(|t| t.with_timezone(&Utc)).ok_or_else(bad)
}

/// A `datetime-local` value (district time).
fn local_datetime(raw: &str) -> Result<DateTime<Utc>, ApiError> {
    let bad = || invalid(&jiesu_domain::ValidationError::invalid("at", "a date and time"));
    let t = NaiveDateTime::parse_from_str(raw.trim(), "%Y-%m-%dT%H:%M").map_err(|_| bad())?;
    LOCAL.from_local_datetime(&t).single().map(|t| t.with_timezone(&Utc)).ok_or_else(bad)
}

/// The forms of the meeting page, as posted (repeated fields in order).
#[derive(Debug, Default)]
pub(crate) struct MeetingForm {
    pairs: Vec<(String, String)>,
}

impl MeetingForm {
    fn one(&self, name: &str) -> String {
        self.pairs.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone()).unwrap_or_default()
    }

    fn all(&self, name: &str) -> Vec<String> {
        self.pairs.iter().filter(|(k, _)| k == name).map(|(_, v)| v.clone()).collect()
    }
}

fn decision(f: &MeetingForm) -> Result<DecisionInput, ApiError> {
    let lead = Share {
        bureau: required(&f.one("lead"), BureauCode::parse)?,
        scope: required(&f.one("lead_scope"), Note::parse)?,
        due: end_of_day(&f.one("lead_due"))?,
    };
    let mut assists = Vec::new();
    let (bureaus, scopes, dues) = (f.all("assist"), f.all("assist_scope"), f.all("assist_due"));
    for (i, b) in bureaus.iter().enumerate().filter(|(_, b)| !b.trim().is_empty()) {
        assists.push(Share {
            bureau: required(b, BureauCode::parse)?,
            scope: required(scopes.get(i).map_or("", String::as_str), Note::parse)?,
            due: end_of_day(dues.get(i).map_or("", String::as_str))?,
        });
    }
    let attended =
        f.all("attended").iter().map(|a| required(a, BureauCode::parse)).collect::<Result<_, _>>()?;
    Ok(DecisionInput {
        lead,
        assists,
        minutes: required(&f.one("minutes"), Note::parse)?,
        attended,
        propose_rule: f.one("propose_rule") == "yes",
    })
}

/// `POST /staff/meetings/{id}/{confirm|reschedule|decide}`.
pub(crate) async fn act<S: Store + Cases + Accounts + Escalations>(
    axum::extract::State(pages): State<S>,
    Path((id, action)): Path<(String, String)>,
    checked: Checked<S, Vec<(String, String)>>,
) -> Response {
    let Checked { viewer, form } = checked;
    let lang = viewer.lang;
    let Some(meeting) = parse_id(&id) else { return not_found(lang) };
    let form = MeetingForm { pairs: form };
    let api = &pages.work;
    let command = match action.as_str() {
        "confirm" => Ok(Command::ConfirmMeeting { meeting }),
        "reschedule" => local_datetime(&form.one("at")).map(|at| {
            let address = Some(form.one("address")).filter(|a| !a.trim().is_empty());
            Command::RescheduleMeeting { meeting, at: jiesu_domain::time::at_storage_precision(at), address }
        }),
        "decide" => decision(&form).map(|decision| Command::DecideMeeting { meeting, decision }),
        _ => return not_found(lang),
    };
    let outcome = match command {
        Ok(c) => act_on_meeting(api, &viewer.me, meeting, c).await.map(|_| ()),
        Err(e) => Err(e),
    };
    match outcome {
        Ok(()) => Redirect::to(&format!("/staff/meetings/{id}?done={action}")).into_response(),
        Err(e) if e.status == StatusCode::NOT_FOUND => not_found(lang),
        Err(e) => {
            render(api, &viewer, meeting, e.status, Some(flash("error", &words::refusal(&e, lang)))).await
        }
    }
}
