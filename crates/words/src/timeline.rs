//! A request's life as its citizen reads it: a few steps in plain words, not the administration's
//! history line by line. Disclaims and re-dispatches collapse into one step naming who handles it
//! now; a coordination meeting reads "多个部门对职责有不同意见，…已召集协调会（12月7日 09:30，现场）";
//! the units that declined, with their stated reasons, travel with the step that concerns them, for
//! the page to show on request. No internal ids, rule names, clocks, reminders or notices.

use chrono::{DateTime, Utc};
use jiesu_domain::bureau::BureauCode;
use jiesu_domain::district::District;
use jiesu_domain::escalation::{Meeting, MeetingId};
use jiesu_domain::event::EscalationTrigger;
use jiesu_domain::event::{Event, EventKind};
use jiesu_domain::exemption::ExemptionKind;
use jiesu_domain::request::MediaUrl;
use jiesu_domain::task::TaskRole;

use crate::Lang;
use crate::names::{bureau_name, channel_name, disclaim_reason_name};
use crate::time::local_time;

/// One step of the timeline.
#[derive(Debug, Clone, PartialEq)]
pub struct Step {
    pub at: DateTime<Utc>,
    pub title: String,
    pub detail: Option<String>,
    /// Photos of the result.
    pub photos: Vec<MediaUrl>,
    /// The units that said the request was not theirs before this step, with their reasons.
    pub declined: Vec<Declined>,
}

/// A unit that declined the request, and the reason it gave.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Declined {
    pub bureau: String,
    pub reason: String,
}

/// The timeline of a request from its events (oldest first) and its meetings (for their places).
pub fn for_citizen(events: &[Event], meetings: &[Meeting], d: &District, lang: Lang) -> Vec<Step> {
    let mut t = Timeline {
        d,
        lang,
        meetings,
        steps: Vec::new(),
        declined: Vec::new(),
        open: Open::None,
        leads: Vec::new(),
        coordinating: false,
    };
    for e in events {
        t.add(e);
    }
    // The list of who declined goes with the latest step that has one: each is the whole list so
    // far, and one is enough to read.
    if let Some(last) = t.steps.iter().rposition(|s| !s.declined.is_empty()) {
        for s in &mut t.steps[..last] {
            s.declined.clear();
        }
    }
    t.steps
}

/// What the last step may still absorb.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Open {
    None,
    /// A dispatch: assists dispatched with it join its line.
    Dispatch,
    /// A hand-over after disclaims: further disclaims and re-dispatches update it.
    Handover,
    /// A meeting was called: its decision's tasks need no line of their own.
    Meeting,
    /// Escalated for coordination: the meeting called next takes this step's place.
    Escalated,
}

struct Timeline<'a> {
    d: &'a District,
    lang: Lang,
    meetings: &'a [Meeting],
    steps: Vec<Step>,
    /// Units that declined since the request was last settled on a unit.
    declined: Vec<Declined>,
    open: Open,
    /// The bureaus leading it now.
    leads: Vec<BureauCode>,
    /// Escalated for coordination and not yet decided: further escalations add nothing, and the
    /// tasks the decision makes (written before the decision's own event) add no lines.
    coordinating: bool,
}

impl Timeline<'_> {
    fn zh(&self) -> bool {
        self.lang == Lang::Zh
    }

    fn name(&self, b: &BureauCode) -> String {
        bureau_name(self.d, b, self.lang)
    }

    fn when(&self, at: DateTime<Utc>) -> String {
        local_time(at, jiesu_domain::time::now(), self.lang)
    }

    fn push(&mut self, at: DateTime<Utc>, title: String, detail: Option<String>, open: Open) {
        self.steps.push(Step { at, title, detail, photos: Vec::new(), declined: Vec::new() });
        self.open = open;
    }

    fn add(&mut self, e: &Event) {
        let zh = self.zh();
        let at = e.occurred_at;
        match &e.kind {
            EventKind::RequestReceived { channel, .. } => {
                let how = channel_name(*channel, self.lang);
                let detail =
                    if zh { format!("通过{how}提交") } else { format!("Submitted through {how}") };
                self.push(at, self.lang.pick("已受理", "Received").into(), Some(detail), Open::None);
            }
            EventKind::RequestAnswered { .. } => {
                self.push(at, self.lang.pick("已当场答复", "Answered on receipt").into(), None, Open::None)
            }
            EventKind::TaskDispatched { bureau, role, .. } | EventKind::TaskAssigned { bureau, role, .. } => {
                self.dispatched(at, bureau, *role)
            }
            EventKind::TaskDisclaimed { bureau, reason, .. } => {
                self.leads.retain(|b| b != bureau);
                let reason = disclaim_reason_name(*reason, self.lang).to_owned();
                self.declined.push(Declined { bureau: self.name(bureau), reason });
            }
            EventKind::DisclaimReviewed { bureau, accepted: false, .. } => {
                // The desk did not accept it: the unit keeps the request.
                let name = self.name(bureau);
                if let Some(i) = self.declined.iter().rposition(|x| x.bureau == name) {
                    self.declined.remove(i);
                }
                self.leads.push(bureau.clone());
            }
            EventKind::EscalationOpened { trigger, .. } => self.escalated(at, *trigger),
            EventKind::MeetingCalled { meeting, convener, scheduled_at, .. } => {
                let when = self.when(*scheduled_at);
                let place = self.place(meeting);
                let convener = self.name(convener);
                let title = if zh {
                    format!("多个部门对职责有不同意见，{convener}已召集协调会（{when}，{place}）")
                } else {
                    format!(
                        "The units disagree on whose duty this is; {convener} has called a coordination meeting ({when}, {place})"
                    )
                };
                // The escalation step just before says the same with less: the meeting replaces it.
                if self.open == Open::Escalated {
                    self.steps.pop();
                }
                self.coordinating = true;
                self.push(at, title, None, Open::Meeting);
                self.attach_declined();
            }
            EventKind::MeetingRescheduled { scheduled_at, .. } => {
                let when = self.when(*scheduled_at);
                let title = if zh {
                    format!("协调会改期至{when}")
                } else {
                    format!("The meeting moved to {when}")
                };
                self.push(at, title, None, Open::Meeting);
            }
            EventKind::MeetingDecided { lead, assists, .. } => {
                let names: Vec<String> = assists.iter().map(|b| self.name(b)).collect();
                let lead_name = self.name(lead);
                let title = match (zh, names.is_empty()) {
                    (true, true) => format!("协调会决定：由{lead_name}牵头办理"),
                    (true, false) => format!("协调会决定：由{lead_name}牵头办理，{}协助", names.join("、")),
                    (false, true) => format!("The meeting decided: {lead_name} leads"),
                    (false, false) => {
                        format!("The meeting decided: {lead_name} leads, {} assist", names.join(", "))
                    }
                };
                self.leads = vec![lead.clone()];
                self.declined.clear();
                self.coordinating = false;
                self.push(at, title, None, Open::Meeting);
            }
            EventKind::MeetingLapsed { .. } => {
                let title = self.lang.pick(
                    "协调会未能按时作出决定，已提请上一级协调",
                    "The meeting did not decide in time; it goes one level up",
                );
                self.push(at, title.into(), None, Open::Meeting);
            }
            EventKind::TaskClaimed { bureau } if self.leads.contains(bureau) => {
                let name = self.name(bureau);
                let title =
                    if zh { format!("{name}已签收，正在办理") } else { format!("{name} took it on") };
                self.push(at, title, None, Open::None);
            }
            EventKind::TaskResolved { bureau, result, photos } if self.leads.contains(bureau) => {
                let name = self.name(bureau);
                let title =
                    if zh { format!("{name}已办理完毕") } else { format!("{name} has dealt with it") };
                self.push(at, title, Some(result.as_str().to_owned()), Open::None);
                if let Some(s) = self.steps.last_mut() {
                    s.photos.clone_from(photos);
                }
            }
            EventKind::ResolutionReviewed { approved, .. } => {
                let title = match (approved, zh) {
                    (true, true) => "办理结果已审核，请您评价",
                    (true, false) => "The result was checked; please tell us how it went",
                    (false, true) => "办理结果未通过审核，已退回重新办理",
                    (false, false) => "The result was not accepted; it goes back to be done again",
                };
                self.push(at, title.into(), None, Open::None);
            }
            EventKind::ReturnVisitRecorded { solved, satisfaction, by_phone, stars, .. } => {
                self.visited(at, *solved, *satisfaction, *by_phone, *stars)
            }
            EventKind::RequestReopened { bureau } => {
                let name = self.name(bureau);
                let title = if zh {
                    format!("已重新交由{name}办理")
                } else {
                    format!("Back with {name} to be done again")
                };
                self.push(at, title, None, Open::None);
            }
            EventKind::RequestClosed => {
                self.push(at, self.lang.pick("已结案", "Closed").into(), None, Open::None)
            }
            EventKind::ExtensionDecided { approved: true, new_due: Some(due), .. } => {
                let when = self.when(*due);
                let title = if zh {
                    format!("办理期限延长至{when}")
                } else {
                    format!("The time to deal with it was extended to {when}")
                };
                self.push(at, title, None, Open::None);
            }
            EventKind::ExemptionDecided {
                exemption_kind: ExemptionKind::FinalReply,
                granted: true,
                note,
                ..
            } => {
                let title = self.lang.pick("已作出最终答复", "A final reply was given");
                self.push(at, title.into(), Some(note.as_str().to_owned()), Open::None);
            }
            _ => {}
        }
    }

    fn dispatched(&mut self, at: DateTime<Utc>, bureau: &BureauCode, role: TaskRole) {
        // While units are being coordinated, who does it is the meeting's to say (its decision's
        // tasks are written just before the decision itself).
        if self.coordinating {
            if role == TaskRole::Lead {
                self.leads.push(bureau.clone());
            }
            return;
        }
        let zh = self.zh();
        let name = self.name(bureau);
        if role != TaskRole::Lead {
            if self.open == Open::Dispatch || self.open == Open::Meeting {
                if self.open == Open::Dispatch {
                    let s = self.steps.last_mut().expect("an open dispatch step");
                    let joined = match (&s.detail, zh) {
                        (Some(d), true) => format!("{d}、{name}"),
                        (Some(d), false) => format!("{d}, {name}"),
                        (None, true) => format!("协助单位：{name}"),
                        (None, false) => format!("Assisted by {name}"),
                    };
                    s.detail = Some(joined);
                }
                return;
            }
            let title = if zh { format!("{name}协助办理") } else { format!("{name} assists") };
            self.push(at, title, None, Open::None);
            return;
        }
        self.leads.push(bureau.clone());
        match self.open {
            // The meeting's decision already said who.
            Open::Meeting => {}
            Open::Handover if !self.declined.is_empty() => {
                let title = self.handover_title(&name);
                let s = self.steps.last_mut().expect("an open hand-over step");
                s.title = title;
                self.attach_declined();
            }
            _ if !self.declined.is_empty() => {
                let title = self.handover_title(&name);
                self.push(at, title, None, Open::Handover);
                self.attach_declined();
            }
            _ => {
                let title = if zh { format!("已交由{name}办理") } else { format!("Sent to {name}") };
                self.push(at, title, None, Open::Dispatch);
            }
        }
    }

    fn handover_title(&self, now_with: &str) -> String {
        let n = self.declined.len();
        if self.zh() {
            format!("{n}个单位认为不属于其职责，现已交由{now_with}办理")
        } else if n == 1 {
            format!("One unit said this is not its duty; it is now with {now_with}")
        } else {
            format!("{n} units said this is not their duty; it is now with {now_with}")
        }
    }

    /// Gives the last step the units that declined so far.
    fn attach_declined(&mut self) {
        let declined = self.declined.clone();
        if let Some(s) = self.steps.last_mut() {
            s.declined = declined;
        }
    }

    fn escalated(&mut self, at: DateTime<Utc>, trigger: EscalationTrigger) {
        // Several escalations (every unit declined, and over and over) are one coordination.
        if self.coordinating {
            return;
        }
        let title = match (trigger, self.zh()) {
            (EscalationTrigger::Exhausted | EscalationTrigger::PingPong, true) => {
                "多个部门对职责有不同意见，已提请协调"
            }
            (EscalationTrigger::Exhausted | EscalationTrigger::PingPong, false) => {
                "The units disagree on whose duty this is; it has gone to coordination"
            }
            (EscalationTrigger::Hotspot, true) => "附近有多件同类诉求，已作为热点问题统一督办",
            (EscalationTrigger::Hotspot, false) => {
                "Several similar requests nearby: followed up together as one problem"
            }
            // Missed clocks and the desk's own delays are the administration's business.
            _ => return,
        };
        self.coordinating = matches!(trigger, EscalationTrigger::Exhausted | EscalationTrigger::PingPong);
        self.push(at, title.into(), None, Open::Escalated);
        self.attach_declined();
    }

    fn place(&self, meeting: &MeetingId) -> String {
        let m = self.meetings.iter().find(|m| &m.id == meeting);
        match m.map(|m| (&m.place.address, m.place.on_site)) {
            Some((Some(address), true)) => format!("{}{address}", self.lang.pick("现场：", "on site: ")),
            Some((Some(address), false)) => address.clone(),
            Some((None, true)) | None => self.lang.pick("现场", "on site").into(),
            Some((None, false)) => self.lang.pick("会议室", "meeting room").into(),
        }
    }

    fn visited(
        &mut self,
        at: DateTime<Utc>,
        solved: bool,
        satisfaction: Option<jiesu_domain::workflow::Satisfaction>,
        by_phone: bool,
        stars: Option<jiesu_domain::workflow::Stars>,
    ) {
        let zh = self.zh();
        let mut parts = vec![match (solved, zh) {
            (true, true) => "已解决".to_owned(),
            (false, true) => "未解决".to_owned(),
            (true, false) => "solved".to_owned(),
            (false, false) => "not solved".to_owned(),
        }];
        if let Some(s) = satisfaction {
            parts.push(if zh { s.name_zh().to_owned() } else { s.as_str().replace('_', " ") });
        }
        if let Some(s) = stars {
            parts.push(s.drawn());
        }
        let what = parts.join(if zh { "，" } else { ", " });
        let title = match (by_phone, zh) {
            (true, true) => format!("电话回访：{what}"),
            (false, true) => format!("您的评价：{what}"),
            (true, false) => format!("Follow-up call: {what}"),
            (false, false) => format!("Your answer: {what}"),
        };
        self.push(at, title, None, Open::None);
    }
}
