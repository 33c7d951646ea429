use axum::http::StatusCode;
use jiesu_domain::api_client::{ApiClient, ClientChannel};
use jiesu_domain::secret::test_key;
use jiesu_testkit::fixtures::district;

use super::*;

fn client() -> ApiClient {
    ApiClient::new("test app", ClientChannel::Open311, jiesu_domain::time::now()).expect("valid")
}

fn parse(body: &str) -> Result<NewRequest, Open311Error> {
    parse_keyed(body, None)
}

fn parse_keyed(body: &str, key: Option<&str>) -> Result<NewRequest, Open311Error> {
    let c = client();
    let form = Form::parse(body.as_bytes())?;
    new_request(
        &form,
        district(),
        &Submitter { client: &c, idempotency_key: key.map(str::as_bytes), key: &test_key() },
        jiesu_domain::time::now(),
    )
}

fn status(body: &str) -> StatusCode {
    parse(body).expect_err("refused").status
}

#[test]
fn a_complete_form_becomes_a_request() {
    let r = parse(
        "api_key=x&service_code=010101&lat=22.742&long=114.387&address_string=%E5%9D%91%E6%A2%93%E8%A1%97%E9%81%93\
         &description=%E8%B7%AF%E7%81%AF%E4%B8%8D%E4%BA%AE&first_name=%E9%9B%B7&last_name=%E6%9D%8E\
         &phone=13812345678&email=li%40example.cn&media_url=https%3A%2F%2Fexample.cn%2F1.jpg\
         &attribute[lamps_out]=3&attribute[lamp_type]=street&attribute[unasked]=x",
    )
    .expect("valid");
    assert_eq!(r.category.as_ref().map(|c| c.as_str()), Some("010101"));
    assert_eq!(r.location.point().map(|p| (p.lat(), p.lon())), Some((22.742, 114.387)));
    assert_eq!(r.location.address().map(|a| a.as_str()), Some("坑梓街道"));
    assert_eq!(r.description.as_str(), "路灯不亮");
    assert_eq!(r.contact.name.as_ref().map(|n| n.as_str()), Some("李雷"));
    assert_eq!(r.contact.phone.as_ref().map(|p| p.expose()), Some("13812345678"));
    assert_eq!(r.attributes.get("lamps_out"), Some(["3".to_owned()].as_slice()));
    assert_eq!(r.attributes.get("lamp_type"), Some(["street".to_owned()].as_slice()));
    assert_eq!(
        r.attributes.get("unasked"),
        None,
        "answers to questions the service does not ask are dropped"
    );
    assert_eq!(r.media.len(), 1);
    assert_eq!(r.channel, Channel::Open311);
    assert_eq!(r.tracking, TrackingNumber::for_request(&test_key(), r.id));
}

#[test]
fn missing_service_code_is_400_and_unknown_is_404() {
    assert_eq!(status("lat=22.7&long=114.3"), StatusCode::BAD_REQUEST);
    assert_eq!(status("service_code=&lat=22.7&long=114.3"), StatusCode::BAD_REQUEST);
    assert_eq!(status("service_code=999999&lat=22.7&long=114.3"), StatusCode::NOT_FOUND);
    assert_eq!(
        status("service_code=01&lat=22.7&long=114.3"),
        StatusCode::NOT_FOUND,
        "a branch is not a service"
    );
    assert_eq!(status("service_code=abc&lat=22.7&long=114.3"), StatusCode::NOT_FOUND);
}

#[test]
fn a_location_is_required_and_must_be_sane() {
    assert_eq!(status("service_code=010101"), StatusCode::BAD_REQUEST);
    assert_eq!(status("service_code=010101&lat=22.7"), StatusCode::BAD_REQUEST);
    assert_eq!(status("service_code=010101&lat=north&long=114.3"), StatusCode::BAD_REQUEST);
    assert_eq!(status("service_code=010101&lat=122.7&long=114.3"), StatusCode::BAD_REQUEST);
    assert_eq!(status("service_code=010101&address_id=42"), StatusCode::BAD_REQUEST);
    assert!(parse("service_code=010101&address_string=%E5%9D%AA%E5%B1%B1").is_ok());
}

#[test]
fn bad_contact_details_are_refused_with_the_field_named() {
    let e = parse("service_code=010101&lat=22.7&long=114.3&phone=12345").expect_err("bad phone");
    assert_eq!(e.status, StatusCode::BAD_REQUEST);
    assert!(e.description.contains("phone"), "{}", e.description);
    assert!(parse("service_code=010101&lat=22.7&long=114.3&email=nope").is_err());
}

#[test]
fn overlong_descriptions_are_refused() {
    let long = "a".repeat(4001);
    assert_eq!(
        status(&format!("service_code=010101&lat=22.7&long=114.3&description={long}")),
        StatusCode::BAD_REQUEST
    );
}

#[test]
fn attributes_are_checked_against_the_service_definition() {
    // The lift category asks, required, whether anyone is trapped.
    assert_eq!(status("service_code=040102&lat=22.7&long=114.3"), StatusCode::BAD_REQUEST);
    assert_eq!(
        status("service_code=040102&lat=22.7&long=114.3&attribute[trapped]=maybe"),
        StatusCode::BAD_REQUEST
    );
    assert!(parse("service_code=040102&lat=22.7&long=114.3&attribute[trapped]=yes").is_ok());
    let e =
        parse("service_code=010101&lat=22.7&long=114.3&attribute[lamps_out]=many").expect_err("not a number");
    assert!(e.description.contains("attribute[lamps_out]"), "{}", e.description);
    // A multivaluelist answer comes as attribute[CODE][]=a&attribute[CODE][]=b.
    let r =
        parse("service_code=030102&lat=22.7&long=114.3&attribute[times][]=evening&attribute[times][]=night")
            .expect("valid");
    assert_eq!(r.attributes.get("times"), Some(["evening".to_owned(), "night".to_owned()].as_slice()));
}

#[test]
fn the_same_idempotency_key_gives_the_same_reference_and_tracking_number() {
    let c = client();
    let form = Form::parse(b"service_code=010101&lat=22.7&long=114.3").expect("form");
    let who = Submitter { client: &c, idempotency_key: Some(b"order-17"), key: &test_key() };
    let a = new_request(&form, district(), &who, jiesu_domain::time::now()).expect("valid");
    let b = new_request(&form, district(), &who, jiesu_domain::time::now()).expect("valid");
    assert_ne!(a.id, b.id);
    assert_eq!(a.channel_ref, b.channel_ref);
    assert_eq!(a.tracking, b.tracking);
    let other_client = client();
    let who = Submitter { client: &other_client, idempotency_key: Some(b"order-17"), key: &test_key() };
    let c = new_request(&form, district(), &who, jiesu_domain::time::now()).expect("valid");
    assert_ne!(c.tracking, a.tracking, "keys are scoped to the client");
}

#[test]
fn an_idempotency_key_is_refused_when_not_printable_ascii_or_over_160_characters_never_ignored() {
    let body = "service_code=010101&lat=22.7&long=114.3";
    let at_limit = "k".repeat(MAX_IDEMPOTENCY_KEY);
    let keyed = parse_keyed(body, Some(&at_limit)).expect("160 characters are accepted");
    assert!(keyed.channel_ref.as_str().ends_with(&at_limit));
    assert!(parse_keyed(body, Some("order 17/b")).is_ok(), "inner spaces and punctuation are printable");
    let c = client();
    let form = Form::parse(body.as_bytes()).expect("form");
    for (raw, why) in [
        ("k".repeat(MAX_IDEMPOTENCY_KEY + 1).into_bytes(), "at most 160"),
        ("k".repeat(MAX_IDEMPOTENCY_KEY + 3).into_bytes(), "at most 160"),
        ("订单-17".as_bytes().to_vec(), "printable ASCII"),
        (b"order\x0117".to_vec(), "printable ASCII"),
        (vec![0xE9, b'1', b'7'], "printable ASCII"),
        (b"   ".to_vec(), "empty"),
    ] {
        let who = Submitter { client: &c, idempotency_key: Some(&raw), key: &test_key() };
        let e = new_request(&form, district(), &who, jiesu_domain::time::now()).expect_err(why);
        assert_eq!(e.status, StatusCode::BAD_REQUEST);
        assert!(e.description.contains(why), "{why}: {}", e.description);
    }
}

#[test]
fn the_kind_comes_from_the_category() {
    // 0303xx: noise complaints in the sample taxonomy are complaints.
    let leaf =
        district().taxonomy().leaves().find(|c| c.kind == Some(Kind::Complaint)).expect("a complaint leaf");
    let r = parse(&format!("service_code={}&lat=22.7&long=114.3", leaf.code)).expect("valid");
    assert_eq!(r.kind, Kind::Complaint);
}

#[test]
fn a_malformed_body_is_a_400_not_silently_repaired() {
    for body in [&b"%zz=1"[..], b"description=%E8%B7", b"description=\xff", b"a=%4"] {
        assert_eq!(
            Form::parse(body).map(|_| ()).expect_err("bad").status,
            StatusCode::BAD_REQUEST,
            "{body:?}"
        );
    }
    let form = Form::parse(b"description=a+b%2Bc&flag&empty=").expect("valid");
    assert_eq!(form.get("description"), Some("a b+c"));
    assert_eq!(form.get("empty"), None);
}
