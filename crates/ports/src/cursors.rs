//! Each listing's cursor at one of its rows: the columns the stores order that listing by (see
//! `page`). Apart from `page` so that the ports' files do not import each other in a circle: the
//! listings' rows are the ports' types, and the ports name `Page`.

use jiesu_calendar::deadline::DeadlineState;
use jiesu_decisions::escalation::Escalation;

use super::cases::{DeskItem, TaskListing};
use super::page::Cursor;
use super::store::RequestView;

impl Cursor {
    /// `Listing::Tasks`.
    pub fn of_task(l: &TaskListing) -> Self {
        Self::new(l.task.dispatched_at, l.task.id.as_uuid())
    }

    /// `Listing::ByClock`: the task's first running clock (the one the listing ordered it by),
    /// else its earliest clock (all settled since the listing was read).
    pub fn of_task_by_clock(l: &TaskListing) -> Self {
        let running = l.deadlines.iter().filter(|d| d.state == DeadlineState::Pending);
        let first = running.min_by_key(|d| (d.due_at, d.id.as_uuid()));
        let clock = first.or_else(|| l.deadlines.iter().min_by_key(|d| (d.due_at, d.id.as_uuid())));
        clock.map_or_else(|| Self::of_task(l), |d| Self::new(d.due_at, d.id.as_uuid()))
    }

    /// `Listing::Desk`.
    pub fn of_desk_request(v: &RequestView) -> Self {
        Self::new(v.request.updated_at, v.request.submitted.id.as_uuid())
    }

    /// `Listing::DeskClocks`.
    pub fn of_desk_item(x: &DeskItem) -> Self {
        Self::new(x.clock.due_at, x.clock.id.as_uuid())
    }

    /// `Listing::Escalations`.
    pub fn of_escalation(e: &Escalation) -> Self {
        Self::new(e.opened_at, e.id.as_uuid())
    }

    /// `Listing::Requests`.
    pub fn of_request(v: &RequestView) -> Self {
        Self::new(v.request.submitted.received_at, v.request.submitted.id.as_uuid())
    }
}
