use jiesu_testkit::fixtures::district;

use super::*;

fn order() -> WorkOrder {
    WorkOrder {
        order_no: "GD20261122000123".into(),
        call_time: "2026-11-22 09:15:00".into(),
        caller_number: Some("13912345678".into()),
        caller_name: Some("张先生".into()),
        confidential: true,
        kind: "投诉".into(),
        category: Some("施工噪声".into()),
        title: Some("夜间施工噪音扰民".into()),
        content: "金沙社区旁工地每晚十一点后仍在施工".into(),
        address: None,
        street: Some("坑梓街道".into()),
        community: Some("金沙社区".into()),
        urgency: Some("紧急".into()),
        operator_id: Some("A0123".into()),
        answer: None,
    }
}

fn now() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2026-11-22T12:00:00+08:00").map(|t| t.with_timezone(&Utc)).expect("valid")
}

#[test]
fn a_work_order_becomes_a_request_with_every_detail() {
    let r = order().into_request(&jiesu_domain::secret::test_key(), district(), now()).expect("valid");
    assert_eq!(r.channel, Channel::Hotline);
    assert_eq!(r.channel_ref.as_str(), "GD20261122000123");
    assert_eq!(r.kind, Kind::Complaint);
    assert_eq!(r.category, None, "words, not a code");
    assert_eq!(r.details.category_text.as_ref().map(|t| t.as_str()), Some("施工噪声"));
    assert_eq!(r.details.area_hint.as_ref().map(|a| a.as_str()), Some("pingshan.kengzi.jinsha"));
    assert_eq!(
        r.location.address().map(|a| a.as_str()),
        Some("坑梓街道金沙社区"),
        "the place as the operator knew it"
    );
    assert_eq!(r.details.urgency, Urgency::Urgent);
    assert!(r.contact.confidential);
    assert_eq!(
        r.received_at.to_rfc3339(),
        "2026-11-22T01:15:00+00:00",
        "China time when the export gives no zone"
    );
}

#[test]
fn the_same_order_number_always_has_the_same_tracking_number() {
    let a = order().into_request(&jiesu_domain::secret::test_key(), district(), now()).expect("valid");
    let b = order().into_request(&jiesu_domain::secret::test_key(), district(), now()).expect("valid");
    assert_ne!(a.id, b.id);
    assert_eq!(a.tracking, b.tracking);
    assert_eq!(order().tracking(&jiesu_domain::secret::test_key()), Ok(a.tracking));
}

#[test]
fn a_category_code_is_used_as_a_code() {
    let r = WorkOrder { category: Some("030101".into()), ..order() }
        .into_request(&jiesu_domain::secret::test_key(), district(), now())
        .expect("valid");
    assert_eq!(r.category.map(|c| c.to_string()), Some("030101".into()));
    assert_eq!(r.details.category_text, None);
}

#[test]
fn a_consultation_answered_on_the_phone_keeps_its_answer() {
    let o =
        WorkOrder { kind: "咨询".into(), answer: Some("请到社区工作站办理".into()), ..order() };
    assert!(
        o.into_request(&jiesu_domain::secret::test_key(), district(), now())
            .expect("valid")
            .details
            .answer
            .is_some()
    );
    let wrong = WorkOrder { answer: Some("已答复".into()), ..order() };
    assert_eq!(
        wrong
            .into_request(&jiesu_domain::secret::test_key(), district(), now())
            .map(|_| ())
            .expect_err("a complaint")
            .field,
        "answer"
    );
}

#[test]
fn each_bad_field_is_named() {
    let cases: [(WorkOrder, &str); 7] = [
        (WorkOrder { order_no: " ".into(), ..order() }, "order_no"),
        (WorkOrder { call_time: "yesterday".into(), ..order() }, "call_time"),
        (WorkOrder { call_time: "2026-11-23 09:00:00".into(), ..order() }, "call_time"),
        (WorkOrder { caller_number: Some("12345".into()), ..order() }, "caller_number"),
        (WorkOrder { kind: "闲聊".into(), ..order() }, "kind"),
        (WorkOrder { urgency: Some("很急".into()), ..order() }, "urgency"),
        (WorkOrder { content: "".into(), ..order() }, "content"),
    ];
    for (o, field) in cases {
        assert_eq!(
            o.into_request(&jiesu_domain::secret::test_key(), district(), now())
                .map(|_| ())
                .expect_err(field)
                .field,
            field
        );
    }
}

#[test]
fn an_order_with_no_place_concerns_the_whole_district() {
    let o = WorkOrder { address: None, street: None, community: None, ..order() };
    let r = o.into_request(&jiesu_domain::secret::test_key(), district(), now()).expect("accepted");
    assert_eq!(r.location.address().map(|a| a.as_str()), Some("坪山区"));
    assert_eq!(r.details.area_hint, None);
}

#[test]
fn confidentiality_is_read_in_either_language() {
    assert_eq!(parse_confidential("是"), Ok(true));
    assert_eq!(parse_confidential("否"), Ok(false));
    assert_eq!(parse_confidential(""), Ok(false));
    assert!(parse_confidential("maybe").is_err());
}

#[test]
fn a_call_time_without_a_zone_is_china_time_whether_iso_or_as_exports_write_it() {
    let expected =
        DateTime::parse_from_rfc3339("2026-11-22T09:15:00+08:00").expect("valid").with_timezone(&Utc);
    for raw in [
        "2026-11-22T09:15:00",
        "2026-11-22T09:15",
        "2026-11-22T09:15:00.000",
        "2026-11-22 09:15:00",
        "2026-11-22 09:15",
        "2026/11/22 09:15:00",
        "2026-11-22T09:15:00+08:00",
        "2026-11-22T01:15:00Z",
    ] {
        assert_eq!(call_time(raw, now()), Ok(expected), "{raw}");
    }
}

#[test]
fn a_call_time_before_2000_or_beyond_a_small_skew_is_refused_by_name() {
    for raw in
        ["1970-01-01T00:00:00Z", "1970-01-01 08:00:00", "1999-12-31 23:59:59", "2026-11-22T12:06:00+08:00"]
    {
        let e = call_time(raw, now()).expect_err(raw);
        assert_eq!(e.field, "call_time", "{raw}");
        assert!(e.message.contains(raw), "the message quotes the value: {}", e.message);
    }
    // The floor itself and a clock a few minutes fast are accepted.
    assert!(call_time("2000-01-01 00:00:00", now()).is_ok());
    assert!(call_time("2026-11-22T12:04:00+08:00", now()).is_ok());
}
