//! What a district decides about escalation: when disclaims become a ping-pong, who convenes
//! meetings and when they are held, how long a missed deadline waits between the steps of its
//! chain, and what makes a hotspot.

use chrono::{DateTime, Duration, NaiveTime, TimeZone, Utc};

use jiesu_calendar::calendar::WorkCalendar;
use jiesu_calendar::sla::Limit;
use jiesu_model::area::AreaLevel;
use jiesu_model::bureau::BureauCode;

#[derive(Debug, Clone, PartialEq)]
pub struct HotspotPolicy {
    /// Open requests of one category that make a hotspot (0: never).
    pub min_requests: u32,
    pub radius_m: f64,
    pub days: u32,
}

#[derive(Debug, Clone, PartialEq)]
pub struct EscalationPolicy {
    /// A request disclaimed this many times is a ping-pong, candidates left or not (0: never).
    pub ping_pong_after: u32,
    /// Who convenes district meetings; `None`: the district's own default owner (the service
    /// centre of the sample).
    pub convener: Option<BureauCode>,
    /// Where the first meeting is held: `Street` (the street office convenes: 吹哨报到) or
    /// `District`. A meeting not decided in time is called again one level up.
    pub first_meeting_level: AreaLevel,
    /// Meeting times on working days, district time.
    pub meeting_slots: Vec<NaiveTime>,
    /// A meeting is called at least this long ahead.
    pub meeting_notice: Limit,
    /// ... and within this many working days.
    pub meeting_within_days: u32,
    /// Not decided this long after its time: it lapses.
    pub decide_within: Limit,
    /// Between the steps of a missed deadline's chain: the bureau's admin is reminded when it runs
    /// out, the supervisors one grace later, and each further grace raises it one level.
    pub reminder_grace: Limit,
    /// Call a meeting when a missed deadline's escalation reaches the district.
    pub deadline_meeting: bool,
    pub hotspot: HotspotPolicy,
}

impl Default for EscalationPolicy {
    fn default() -> Self {
        Self {
            ping_pong_after: 3,
            convener: None,
            first_meeting_level: AreaLevel::District,
            meeting_slots: vec![
                NaiveTime::from_hms_opt(9, 30, 0).unwrap_or_default(),
                NaiveTime::from_hms_opt(14, 30, 0).unwrap_or_default(),
            ],
            meeting_notice: Limit::Clock(Duration::hours(2)),
            meeting_within_days: 3,
            decide_within: Limit::WorkingDays(1),
            reminder_grace: Limit::WorkingDays(1),
            deadline_meeting: true,
            hotspot: HotspotPolicy { min_requests: 5, radius_m: 200.0, days: 30 },
        }
    }
}

impl EscalationPolicy {
    /// The first meeting slot on a working day at least `meeting_notice` after `now`, looking up to
    /// `meeting_within_days` working days ahead (and on, should the slots all be too early).
    pub fn next_slot(&self, now: DateTime<Utc>, cal: &WorkCalendar) -> DateTime<Utc> {
        let earliest = self.meeting_notice.due_from(now, cal);
        let mut slots = self.meeting_slots.clone();
        slots.sort();
        let mut day = earliest.with_timezone(&jiesu_model::time::LOCAL).date_naive();
        for _ in 0..(self.meeting_within_days.max(1) * 3 + 30) {
            if cal.is_working_day(day) {
                for s in &slots {
                    if let Some(t) = jiesu_model::time::LOCAL.from_local_datetime(&day.and_time(*s)).single()
                    {
                        let t = t.with_timezone(&Utc);
                        if t >= earliest {
                            return t;
                        }
                    }
                }
            }
            day = day.succ_opt().unwrap_or(day);
        }
        earliest
    }
}
