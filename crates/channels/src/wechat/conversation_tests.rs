use super::*;

fn now() -> DateTime<Utc> {
    jiesu_domain::time::now()
}

fn ttl() -> Duration {
    Duration::minutes(60)
}

fn reply(a: &Action) -> &str {
    match a {
        Action::Reply(t) => t,
        other => panic!("expected a reply, got {other:?}"),
    }
}

const PINGSHAN_GCJ: (f64, f64) = (22.7393, 114.3918); // roughly Kengzi, as WeChat reports it

#[test]
fn text_location_and_three_photos_wait_for_submit() {
    let mut s = State::default();
    let a = step(&mut s, Input::Text("秀新路口路灯不亮".into()), now(), ttl());
    assert!(reply(&a).contains("请发送问题位置"));
    let a = step(
        &mut s,
        Input::Location {
            lat: PINGSHAN_GCJ.0, lon: PINGSHAN_GCJ.1, label: Some("坑梓街道秀新路".into())
        },
        now(),
        ttl(),
    );
    assert!(reply(&a).contains("提交"));
    for i in 1..=MAX_PHOTOS {
        let a = step(&mut s, Input::Image(format!("http://mmbiz.qpic.cn/{i}.jpg")), now(), ttl());
        assert!(reply(&a).contains(&format!("已收到{i}张照片")), "kept, not submitted: {a:?}");
    }
    let Action::Submit(d) = step(&mut s, Input::Text("提交".into()), now(), ttl()) else {
        panic!("submitted on 提交")
    };
    assert_eq!(d.text, ["秀新路口路灯不亮"]);
    assert_eq!(d.photos.len(), MAX_PHOTOS);
    let p = d.point.expect("a point");
    let (glat, glon) = jiesu_domain::geo::wgs84_to_gcj02(p.lat(), p.lon());
    assert!((glat - PINGSHAN_GCJ.0).abs() < 1e-7 && (glon - PINGSHAN_GCJ.1).abs() < 1e-7, "stored as WGS84");
    assert_eq!(s.draft, None);
    assert_eq!(s.last, None, "the handler records it, with the number the server key gives");
}

#[test]
fn greetings_are_answered_and_never_part_of_the_description() {
    let mut s = State::default();
    let a = step(&mut s, Input::Text("你好".into()), now(), ttl());
    assert!(reply(&a).starts_with("您好，我在。") && reply(&a).contains("文字描述"), "{a:?}");
    assert_eq!(s.draft, None, "a greeting starts no draft");
    step(&mut s, Input::Text("小区门口的井盖丢了".into()), now(), ttl());
    let a = step(&mut s, Input::Text("在吗？".into()), now(), ttl());
    assert!(reply(&a).contains("请发送问题位置"), "the draft's next question: {a:?}");
    step(&mut s, Input::Text("谢谢".into()), now(), ttl());
    assert_eq!(s.draft.as_ref().map(|d| d.text.clone()), Some(vec!["小区门口的井盖丢了".to_owned()]));
}

#[test]
fn submit_after_the_request_went_in_says_it_is_in_with_its_number() {
    let key = jiesu_domain::secret::test_key();
    let number = TrackingNumber::for_key(&key, "wechat", "draft", "x");
    let mut s = State { last: Some(number.clone()), ..State::default() };
    let a = step(&mut s, Input::Text("提交".into()), now(), ttl());
    assert!(reply(&a).contains("已经提交") && reply(&a).contains(&number.grouped()), "{a:?}");
}

#[test]
fn submit_works_once_there_is_a_description_and_a_place() {
    let mut s = State::default();
    let a = step(&mut s, Input::Text("提交".into()), now(), ttl());
    assert!(reply(&a).contains("不完整"));
    step(&mut s, Input::Voice(Some("小区门口的井盖丢了".into())), now(), ttl());
    assert!(reply(&step(&mut s, Input::Text("提交。".into()), now(), ttl())).contains("不完整"));
    step(&mut s, Input::Location { lat: 22.7, lon: 114.35, label: None }, now(), ttl());
    assert!(matches!(step(&mut s, Input::Voice(Some("提交".into())), now(), ttl()), Action::Submit(_)));
}

#[test]
fn a_menu_tap_starts_a_draft_with_its_category() {
    let mut s = State::default();
    let a = step(&mut s, Input::Menu("CATEGORY_010102".into()), now(), ttl());
    assert!(reply(&a).contains("描述"));
    assert_eq!(
        s.draft.as_ref().and_then(|d| d.category.clone()).map(|c| c.to_string()),
        Some("010102".into())
    );
    assert_eq!(step(&mut s, Input::Menu("STATUS".into()), now(), ttl()), Action::Status);
}

#[test]
fn cancel_status_help_and_noise() {
    let mut s = State::default();
    step(&mut s, Input::Text("有个问题".into()), now(), ttl());
    assert!(reply(&step(&mut s, Input::Text("取消".into()), now(), ttl())).contains("已取消"));
    assert_eq!(s.draft, None);
    assert_eq!(step(&mut s, Input::Text("查询".into()), now(), ttl()), Action::Status);
    assert!(reply(&step(&mut s, Input::Subscribe, now(), ttl())).contains("接诉即办"));
    assert_eq!(step(&mut s, Input::Ignore, now(), ttl()), Action::Silent);
    assert!(reply(&step(&mut s, Input::Voice(None), now(), ttl())).contains("语音"));
}

#[test]
fn photos_are_capped_and_old_drafts_expire() {
    let mut s = State::default();
    step(&mut s, Input::Text("垃圾没人清".into()), now(), ttl());
    for i in 0..MAX_PHOTOS {
        step(&mut s, Input::Image(format!("http://mmbiz.qpic.cn/{i}.jpg")), now(), ttl());
    }
    assert!(
        reply(&step(&mut s, Input::Image("http://mmbiz.qpic.cn/x.jpg".into()), now(), ttl()))
            .contains("最多")
    );
    let later = now() + Duration::minutes(61);
    let a = step(&mut s, Input::Text("新的问题".into()), later, ttl());
    assert!(reply(&a).starts_with("上次未提交的内容已过期"));
    assert_eq!(s.draft.as_ref().map(|d| d.text.clone()), Some(vec!["新的问题".to_owned()]));
}

#[test]
fn a_draft_becomes_a_wechat_request() {
    let mut s = State::default();
    step(&mut s, Input::Menu("CATEGORY_010101".into()), now(), ttl());
    step(&mut s, Input::Text("路灯不亮".into()), now(), ttl());
    step(
        &mut s,
        Input::Location { lat: PINGSHAN_GCJ.0, lon: PINGSHAN_GCJ.1, label: Some("秀新路".into()) },
        now(),
        ttl(),
    );
    let Action::Submit(d) = step(&mut s, Input::Text("提交".into()), now(), ttl()) else {
        panic!("submit")
    };
    let tracking = d.tracking(&jiesu_domain::secret::test_key());
    let openid = OpenId::parse("oU1234567890abcdef").expect("openid");
    let r = d
        .into_request(
            &jiesu_domain::secret::test_key(),
            openid.clone(),
            jiesu_testkit::fixtures::district(),
            now(),
        )
        .expect("valid");
    assert_eq!((r.channel, r.tracking, r.contact.openid), (Channel::Wechat, tracking, Some(openid)));
    assert_eq!(r.location.address().map(|a| a.as_str()), Some("秀新路"));
    assert_eq!(r.category.map(|c| c.to_string()), Some("010101".into()));
}

fn marriage(q: &str) -> Option<Suggestion> {
    q.contains("结婚")
        .then(|| Suggestion {
            entry: "marriage-registration".into(), answer: "带身份证和合影照片。".into()
        })
}

#[test]
fn a_question_the_knowledge_base_answers_is_answered_and_settled_on_解决了() {
    let mut s = State::default();
    let a = step_with(&mut s, Input::Text("结婚登记要带什么".into()), now(), ttl(), &marriage);
    assert!(reply(&a).starts_with("带身份证和合影照片。") && reply(&a).contains("解决了"), "{a:?}");
    assert_eq!(s.draft, None, "no draft while the answer is offered");
    let Action::Answered(o) = step_with(&mut s, Input::Text("解决了".into()), now(), ttl(), &marriage)
    else {
        panic!("settled")
    };
    assert_eq!((o.entry.as_str(), o.question.as_str()), ("marriage-registration", "结婚登记要带什么"));
    assert_eq!(s.offered, None);
    let key = jiesu_domain::secret::test_key();
    let openid = OpenId::parse("oJiesuTestUser0000000000001").expect("openid");
    let r =
        o.clone().into_request(&key, openid, jiesu_testkit::fixtures::district(), now()).expect("a request");
    assert_eq!(r.kind, Kind::Consultation);
    assert!(r.details.answer.is_some_and(|a| a.as_str().starts_with("秒回：")));
    assert_eq!(r.tracking, o.tracking(&key), "the same number on a redone step");
}

#[test]
fn an_answer_declined_turns_the_question_into_a_draft_and_other_words_let_the_offer_lapse() {
    let mut s = State::default();
    step_with(&mut s, Input::Text("结婚登记要带什么".into()), now(), ttl(), &marriage);
    let a = step_with(&mut s, Input::Text("没解决".into()), now(), ttl(), &marriage);
    assert!(reply(&a).contains("转交部门") && reply(&a).contains("位置"), "{a:?}");
    assert_eq!(s.draft.as_ref().map(|d| d.text.clone()), Some(vec!["结婚登记要带什么".to_owned()]));
    // A consultation, so the question also waits in the knowledge base's queue.
    let d = Draft { label: Some("坪山街道六联社区".into()), ..s.draft.clone().expect("a draft") };
    let openid = OpenId::parse("oJiesuTestUser0000000000001").expect("openid");
    let key = jiesu_domain::secret::test_key();
    let request =
        d.into_request(&key, openid, jiesu_testkit::fixtures::district(), now()).expect("a request");
    assert_eq!(request.kind, Kind::Consultation);

    let mut s = State::default();
    step_with(&mut s, Input::Text("结婚登记要带什么".into()), now(), ttl(), &marriage);
    let a = step_with(&mut s, Input::Text("好的".into()), now(), ttl(), &marriage);
    assert!(reply(&a).contains("解决了"), "small talk keeps the offer: {a:?}");
    step_with(&mut s, Input::Text("门口的路灯坏了".into()), now(), ttl(), &marriage);
    assert_eq!(s.offered, None);
    assert_eq!(s.draft.as_ref().map(|d| d.text.clone()), Some(vec!["门口的路灯坏了".to_owned()]));
}

#[test]
fn my_requests_is_asked_for_by_words_or_the_menu_and_leaves_the_draft_alone() {
    let now = Utc::now();
    let mut state = State::default();
    step(&mut state, Input::Text("路灯不亮".into()), now, Duration::minutes(60));
    let draft = state.draft.clone();
    assert_eq!(step(&mut state, Input::Text("我的诉求".into()), now, Duration::minutes(60)), Action::Mine);
    assert_eq!(step(&mut state, Input::Menu("MY_REQUESTS".into()), now, Duration::minutes(60)), Action::Mine);
    assert_eq!(state.draft, draft, "the words are not part of the description");
}
