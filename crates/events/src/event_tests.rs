//! The events' stored form: what was written reads back, old forms included.

use super::*;

/// Routing events stored by the first version (a rule reason with only `matched`) still read
/// (the routing's own reasons are checked in `jiesu-routing`).
#[test]
fn routing_events_stored_by_the_first_version_still_read() {
    let rule: RouteReason = serde_json::from_str(r#"{"by":"rule","rule":"road-damage","matched":"010102"}"#)
        .expect("an old rule reason");
    let routed: EventKind = serde_json::from_str(
        r#"{"type":"request_routed","placement":{"by":"point","area":"pingshan.kengzi"},"routing":{"candidates":[{"bureau":"street-kengzi","reason":{"by":"area_default_owner","area":"pingshan.kengzi"}}]}}"#,
    )
    .expect("an old request_routed event");
    assert!(matches!(routed, EventKind::RequestRouted { .. }));
    let dispatched: EventKind = serde_json::from_str(
        r#"{"type":"task_dispatched","bureau":"transport","role":"lead","reason":{"by":"rule","rule":"road-damage","matched":"010102"}}"#,
    )
    .expect("an old task_dispatched event");
    assert!(matches!(dispatched, EventKind::TaskDispatched { reason, .. } if reason == rule));
}

#[test]
fn events_serialize_with_their_type_name() {
    let e = Event::new(
        RequestId::generate(),
        None,
        Actor::System,
        EventKind::RequestReceived {
            channel: Channel::Open311,
            tracking: TrackingNumber::for_request(&jiesu_model::secret::test_key(), RequestId::generate()),
            kind: Kind::Help,
            category: None,
        },
        Utc::now(),
    );
    let json = serde_json::to_value(&e).expect("serializes");
    assert_eq!(json["type"], "request_received");
    assert_eq!(e.topic(), "event.request_received");
    let back: Event = serde_json::from_value(json).expect("deserializes");
    assert_eq!(back, e);
}

#[test]
fn deadline_reminders_to_either_audience_read_back_from_their_stored_text() {
    let bureau = BureauCode::parse("urban-management").expect("code");
    for to in [ReminderTo::BureauAdmins { bureau: bureau.clone() }, ReminderTo::Supervisors] {
        let kind = EventKind::DeadlineReminder {
            deadline: DeadlineId::generate(),
            bureau: bureau.clone(),
            kind: DeadlineKind::Response,
            due_at: Utc::now(),
            to,
        };
        let e = Event::new(RequestId::generate(), None, Actor::System, kind, Utc::now());
        // As the stores keep it: text, where a repeated key is an error (a JSON value would
        // silently keep one of them).
        let text = serde_json::to_string(&e).expect("serializes");
        let back: Event = serde_json::from_str(&text).unwrap_or_else(|err| panic!("{text}: {err}"));
        assert_eq!(back, e);
    }
}

#[test]
fn desk_reminders_read_back_from_their_stored_text() {
    for to in [ReminderTo::Desk, ReminderTo::Supervisors] {
        let kind = EventKind::DeskReminder {
            clock: DeskClockId::generate(),
            kind: DeskClockKind::DisclaimReview,
            due_at: Utc::now(),
            to,
        };
        let e = Event::new(RequestId::generate(), None, Actor::System, kind, Utc::now());
        let text = serde_json::to_string(&e).expect("serializes");
        assert!(text.contains(r#""type":"desk_reminder""#), "{text}");
        let back: Event = serde_json::from_str(&text).unwrap_or_else(|err| panic!("{text}: {err}"));
        assert_eq!(back, e);
    }
}
