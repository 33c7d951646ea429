//! The sample district's responsibility list, exercised by realistic requests: each row places a
//! request (by point or address) and routes it, then checks the lead, the candidates after it, and
//! the urgency and time limit the best rule sets.

use chrono::{DateTime, Utc};
use jiesu_district::{load, sample_sources};
use jiesu_domain::area::Placement;
use jiesu_domain::category::CategoryCode;
use jiesu_domain::district::District;
use jiesu_domain::geo::GeoPoint;
use jiesu_domain::request::{Channel, Kind, Location, Urgency};
use jiesu_domain::routing::{RouteInput, RouteReason, Routing};
use jiesu_domain::text::AddressText;

#[derive(Clone, Copy)]
enum At {
    Point(f64, f64),
    Address(&'static str),
}

#[derive(Clone, Copy)]
struct Case {
    what: &'static str,
    category: Option<&'static str>,
    text: &'static str,
    at: At,
    kind: Kind,
    channel: Channel,
    /// Local time of day (UTC+8), on 2026-11-30.
    time: &'static str,
    /// The candidates expected, from the lead on (a prefix of the whole list).
    want: &'static [&'static str],
    urgency: Option<Urgency>,
    time_limit: Option<&'static str>,
}

const BASE: Case = Case {
    what: "",
    category: None,
    text: "",
    at: At::Point(22.685, 114.365), // 坪山街道, outside its communities
    kind: Kind::Help,
    channel: Channel::Web,
    time: "10:00",
    want: &[],
    urgency: None,
    time_limit: None,
};

// Points of the sample map (lat, lon).
const PINGSHAN_STREET: At = At::Point(22.685, 114.365);
const SHIJING_STREET: At = At::Point(22.675, 114.412);
const SHIJING_COMMUNITY: At = At::Point(22.672, 114.397);
const KENGZI_COMMUNITY: At = At::Point(22.742, 114.387);
const JINSHA: At = At::Point(22.762, 114.382);
const SHATANG: At = At::Point(22.640, 114.365);
const LONGTIAN_STREET: At = At::Point(22.755, 114.315);
/// On the straight edge (lon 114.32) that 坪山街道 shares with 碧岭街道.
const PINGSHAN_BILING_EDGE: At = At::Point(22.70, 114.32);
/// A vertex of 碧岭, 马峦 and 坪山 streets.
const BILING_MALUAN_PINGSHAN_VERTEX: At = At::Point(22.67, 114.32);
/// A vertex of 坪山, 马峦 and 石井 streets.
const PINGSHAN_MALUAN_SHIJING_VERTEX: At = At::Point(22.66, 114.36);
/// A vertex of 坪山, 石井 and 坑梓 streets.
const SHIJING_KENGZI_VERTEX: At = At::Point(22.69, 114.38);
/// East of the district (in Huizhou), inside no area.
const OUTSIDE: At = At::Point(22.70, 114.50);

fn district() -> District {
    load(&sample_sources()).unwrap_or_else(|e| panic!("the sample district loads:\n{e}"))
}

fn local(time: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(&format!("2026-11-30T{time}:00+08:00")).expect("time").with_timezone(&Utc)
}

/// Places and routes a case as admission does.
fn route(d: &District, c: &Case) -> (Option<Placement>, Routing) {
    let location = match c.at {
        At::Point(lat, lon) => Location::new(Some(GeoPoint::new(lat, lon).expect("point")), None),
        At::Address(a) => Location::new(None, Some(AddressText::parse(a).expect("address"))),
    }
    .expect("location");
    let placement = d.place(&location, None);
    let category = c.category.map(|code| CategoryCode::parse(code).expect("code"));
    let routing = d.route(&RouteInput {
        category: category.as_ref(),
        text: c.text,
        area: placement.as_ref().map(|p| p.area()),
        kind: c.kind,
        channel: c.channel,
        at: local(c.time),
    });
    (placement, routing)
}

fn bureaus(r: &Routing) -> Vec<&str> {
    r.candidates.iter().map(|c| c.bureau.as_str()).collect()
}

#[rustfmt::skip]
const CASES: &[Case] = &[
    // 01 城市管理
    Case { what: "street light, by the most general rule", category: Some("010101"), text: "秀新路口的路灯连续三晚不亮", at: KENGZI_COMMUNITY, want: &["urban-management", "street-kengzi", "service-centre"], time_limit: Some("general"), ..BASE },
    Case { what: "pothole: the leaf rule, then the branch, then the street, then the district", category: Some("010102"), text: "路面坑洼，电动车容易摔倒", at: PINGSHAN_STREET, channel: Channel::Open311, want: &["transport", "urban-management", "street-pingshan", "service-centre"], ..BASE },
    Case { what: "a collapsing road is an emergency", category: Some("010102"), text: "人行道突然塌陷出一个大坑", want: &["transport", "urban-management"], urgency: Some(Urgency::Critical), time_limit: Some("emergency"), ..BASE },
    Case { what: "blocked drain", category: Some("010105"), text: "雨水口堵塞，污水外溢", want: &["water", "urban-management"], ..BASE },
    Case { what: "garbage in Shijing: the street's own rule beats the district's", category: Some("010201"), text: "垃圾桶满溢三天没人清运", at: SHIJING_STREET, channel: Channel::Wechat, want: &["street-shijing", "urban-management", "service-centre"], ..BASE },
    Case { what: "garbage in a Shijing community: the street's rule covers it", category: Some("010201"), text: "垃圾没人清运", at: SHIJING_COMMUNITY, want: &["street-shijing", "urban-management"], ..BASE },
    Case { what: "garbage elsewhere: the district's sanitation rule", category: Some("010201"), text: "垃圾没人清运", at: PINGSHAN_STREET, want: &["urban-management", "street-pingshan"], ..BASE },
    Case { what: "garbage on the vertex Shijing shares with Kengzi: Kengzi by code order, no Shijing rule", category: Some("010201"), text: "路口垃圾堆积", at: SHIJING_KENGZI_VERTEX, want: &["urban-management", "street-kengzi"], ..BASE },
    Case { what: "street vending on the Pingshan/Biling edge: Biling by code order", category: Some("010202"), text: "流动摊贩占道", at: PINGSHAN_BILING_EDGE, kind: Kind::Complaint, want: &["urban-management", "street-biling"], ..BASE },
    // 99 其他: no rule, the street office
    Case { what: "other, on the Pingshan/Biling edge", category: Some("990101"), text: "有事反映", at: PINGSHAN_BILING_EDGE, want: &["street-biling", "service-centre"], ..BASE },
    Case { what: "other, on the vertex of Biling, Maluan and Pingshan", category: Some("990101"), text: "有事反映", at: BILING_MALUAN_PINGSHAN_VERTEX, want: &["street-biling"], ..BASE },
    Case { what: "other, on the vertex of Pingshan, Maluan and Shijing", category: Some("990101"), text: "有事反映", at: PINGSHAN_MALUAN_SHIJING_VERTEX, want: &["street-maluan"], ..BASE },
    Case { what: "other, in Longtian outside its communities", category: Some("990101"), text: "有事反映", at: LONGTIAN_STREET, want: &["street-longtian", "service-centre"], ..BASE },
    Case { what: "other, in a community: the street office is its innermost owner", category: Some("990101"), text: "有事反映", at: JINSHA, want: &["street-kengzi", "service-centre"], ..BASE },
    Case { what: "other, outside every street: the district service centre", category: Some("990101"), text: "有事反映", at: OUTSIDE, want: &["service-centre"], ..BASE },
    Case { what: "no category, placed by address", category: None, text: "我想反映一个问题", at: At::Address("坪山区碧岭街道某小区门口"), want: &["street-biling", "service-centre"], ..BASE },
    Case { what: "no category, no place: the district", category: None, text: "我想反映一个问题", at: At::Address("某个地方"), want: &["service-centre"], ..BASE },
    // Keyword rules without a category
    Case { what: "gas smell without a category", category: None, text: "楼道里有很浓的煤气味", at: PINGSHAN_STREET, channel: Channel::Hotline, want: &["gas", "street-pingshan"], urgency: Some(Urgency::Critical), time_limit: Some("emergency"), ..BASE },
    Case { what: "gas smell filed as other", category: Some("990101"), text: "闻到燃气味，不知道哪里漏的", at: JINSHA, want: &["gas", "street-kengzi"], urgency: Some(Urgency::Critical), ..BASE },
    Case { what: "a drill notice is excluded from the gas-smell rule", category: None, text: "燃气应急演练通知：届时可能闻到燃气味", at: JINSHA, kind: Kind::Consultation, want: &["street-kengzi"], ..BASE },
    Case { what: "a category rule beats a keyword-only rule, which follows", category: Some("010101"), text: "路灯下面闻到煤气味", want: &["urban-management", "gas", "street-pingshan"], time_limit: Some("general"), ..BASE },
    // 02 交通出行: channels and exclusions
    Case { what: "traffic light from the web: traffic police", category: Some("020101"), text: "红绿灯不亮", want: &["traffic-police", "transport"], ..BASE },
    Case { what: "traffic light from digital city management (Open311): transport", category: Some("020101"), text: "信号灯灯杆被撞歪", channel: Channel::Open311, want: &["transport", "traffic-police"], ..BASE },
    Case { what: "parking inside an estate: housing", category: Some("020102"), text: "小区里有车长期乱停", kind: Kind::Report, want: &["housing", "traffic-police", "transport"], ..BASE },
    Case { what: "an estate's fire lane is excluded from the estate rule and has its own", category: Some("020102"), text: "小区消防通道被私家车堵死", kind: Kind::Report, want: &["traffic-police", "transport", "street-pingshan"], urgency: Some(Urgency::Urgent), time_limit: Some("urgent"), ..BASE },
    Case { what: "roadside parking", category: Some("020102"), text: "路边违停", kind: Kind::Report, want: &["traffic-police", "transport"], ..BASE },
    Case { what: "bus service", category: Some("020202"), text: "公交车甩站", kind: Kind::Complaint, want: &["transport", "street-pingshan"], ..BASE },
    // 03 生态环境: keywords and hours
    Case { what: "night construction by its words, at night", category: Some("030101"), text: "夜间施工噪音扰民\n金沙社区旁工地每晚十一点后仍在施工", at: JINSHA, kind: Kind::Complaint, channel: Channel::Hotline, time: "23:30", want: &["ecology-environment", "street-kengzi"], urgency: Some(Urgency::Urgent), time_limit: Some("urgent") },
    Case { what: "daytime construction noise", category: Some("030101"), text: "工地白天施工噪音太大", kind: Kind::Complaint, want: &["ecology-environment", "street-pingshan"], urgency: None, time_limit: Some("general"), ..BASE },
    Case { what: "social noise at 23:30: the night window", category: Some("030102"), text: "楼下广场舞音响太吵", kind: Kind::Complaint, time: "23:30", want: &["police", "urban-management", "ecology-environment"], urgency: Some(Urgency::Urgent), ..BASE },
    Case { what: "social noise at 06:30: the window wraps midnight", category: Some("030102"), text: "楼下有人大声喧哗", kind: Kind::Complaint, time: "06:30", want: &["police"], ..BASE },
    Case { what: "social noise at 22:00: the window starts", category: Some("030102"), text: "邻居音响太吵", kind: Kind::Complaint, time: "22:00", want: &["police"], ..BASE },
    Case { what: "social noise at 07:00: the window has ended", category: Some("030102"), text: "广场舞噪音扰民", kind: Kind::Complaint, time: "07:00", want: &["urban-management", "ecology-environment"], urgency: None, ..BASE },
    Case { what: "social noise at 21:59", category: Some("030102"), text: "商铺喇叭太吵", kind: Kind::Complaint, time: "21:59", want: &["urban-management"], ..BASE },
    Case { what: "river pollution", category: Some("030301"), text: "河道黑臭", kind: Kind::Report, want: &["water", "ecology-environment"], time_limit: Some("complex"), ..BASE },
    // 04 住房建设: exclusions, area-only rules
    Case { what: "a lift with people trapped", category: Some("040102"), text: "电梯困人，有老人被困在里面", want: &["market-regulation", "housing"], urgency: Some(Urgency::Critical), time_limit: Some("emergency"), ..BASE },
    Case { what: "a lift fault where nobody is trapped", category: Some("040102"), text: "电梯故障停运，无人被困", want: &["market-regulation", "housing"], urgency: None, time_limit: Some("general"), ..BASE },
    Case { what: "illegal construction", category: Some("040202"), text: "楼顶违建", kind: Kind::Report, want: &["urban-management", "housing"], time_limit: Some("complex"), ..BASE },
    Case { what: "other in the Shatang renewal zone: the area rule", category: Some("990101"), text: "有事反映", at: SHATANG, want: &["housing", "street-maluan", "service-centre"], ..BASE },
    Case { what: "a street light in Shatang: the category rule first, then the area rule", category: Some("010101"), text: "路灯不亮", at: SHATANG, want: &["urban-management", "housing", "street-maluan"], ..BASE },
    // 05 to 12
    Case { what: "suspected food poisoning", category: Some("050101"), text: "吃了外卖后全家上吐下泻，怀疑食物中毒", kind: Kind::Report, want: &["market-regulation"], urgency: Some(Urgency::Critical), ..BASE },
    Case { what: "water outage", category: Some("060101"), text: "停水一整天了", want: &["water-supply", "housing"], time_limit: Some("utilities"), ..BASE },
    Case { what: "water quality", category: Some("060102"), text: "自来水浑浊", kind: Kind::Complaint, want: &["water", "water-supply", "housing"], ..BASE },
    Case { what: "gas leak", category: Some("060302"), text: "厨房燃气管漏气", want: &["gas", "housing"], urgency: Some(Urgency::Critical), time_limit: Some("emergency"), ..BASE },
    Case { what: "migrant workers' wages", category: Some("080101"), text: "工地农民工被拖欠工资半年", kind: Kind::Complaint, want: &["human-resources"], urgency: Some(Urgency::Urgent), time_limit: Some("complex"), ..BASE },
    Case { what: "a tutoring refund complaint", category: Some("090202"), text: "培训机构跑路不退费", kind: Kind::Complaint, want: &["market-regulation", "education"], ..BASE },
    Case { what: "a report of illegal tutoring", category: Some("090202"), text: "补习班无证办学", kind: Kind::Report, want: &["education", "street-pingshan"], ..BASE },
    Case { what: "elderly care, a rule with two codes", category: Some("110101"), text: "长者食堂饭菜质量差", kind: Kind::Complaint, want: &["civil-affairs", "street-pingshan"], ..BASE },
    Case { what: "a slope with cracks", category: Some("120103"), text: "后山边坡出现裂缝", kind: Kind::Report, want: &["planning-natural-resources", "emergency-management"], time_limit: Some("urgent"), ..BASE },
    Case { what: "a landslide under way", category: Some("120103"), text: "后山正在滑坡，有滚石落下", kind: Kind::Report, want: &["emergency-management", "planning-natural-resources"], urgency: Some(Urgency::Critical), ..BASE },
    // The underpass of DOMAIN.md: seven units, each with a reason it is not theirs.
    Case { what: "underpass: seven candidates", category: Some("010106"), text: "秀新路桥下的下穿通道（涵洞）没有路灯，晚上一片漆黑，雨后还积水", at: KENGZI_COMMUNITY, want: &["transport", "water", "urban-management", "housing", "planning-natural-resources", "street-kengzi", "service-centre"], ..BASE },
    Case { what: "underpass without a bridge or water", category: Some("010106"), text: "人行地道灯不亮", at: KENGZI_COMMUNITY, want: &["urban-management", "housing", "street-kengzi"], time_limit: Some("general"), ..BASE },
    Case { what: "public order", category: Some("070101"), text: "烧烤店门口有人打架", kind: Kind::Report, time: "01:00", want: &["police", "street-pingshan"], time_limit: Some("urgent"), ..BASE },
];

#[test]
fn sample_requests_route_to_the_bureaus_the_list_names() {
    let d = district();
    assert!(CASES.len() >= 40);
    let mut failures = Vec::new();
    for c in CASES {
        let (_, r) = route(&d, c);
        let got = bureaus(&r);
        let time_limit = r.time_limit.as_ref().map(|t| t.as_str());
        let ok = got.starts_with(c.want)
            && (c.urgency.is_none() || r.urgency == c.urgency)
            && (c.time_limit.is_none() || time_limit == c.time_limit);
        if !ok {
            failures.push(format!(
                "{}: want {:?} {:?} {:?}, got {got:?} {:?} {time_limit:?}\n  {}",
                c.what,
                c.want,
                c.urgency,
                c.time_limit,
                r.urgency,
                r.lead().reason.explain()
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} cases failed:\n{}",
        failures.len(),
        CASES.len(),
        failures.join("\n")
    );
}

#[test]
fn rows_without_an_urgency_really_have_none() {
    let d = district();
    for c in CASES.iter().filter(|c| c.what.contains("daytime") || c.what.contains("nobody is trapped")) {
        assert_eq!(route(&d, c).1.urgency, None, "{}", c.what);
    }
}

#[test]
fn shared_edges_and_vertices_are_placed_deterministically() {
    let d = district();
    let placed =
        |at| route(&d, &Case { at, category: Some("990101"), ..BASE }).0.map(|p| p.area().to_string());
    assert_eq!(placed(PINGSHAN_BILING_EDGE).as_deref(), Some("pingshan.biling"));
    assert_eq!(placed(BILING_MALUAN_PINGSHAN_VERTEX).as_deref(), Some("pingshan.biling"));
    assert_eq!(placed(PINGSHAN_MALUAN_SHIJING_VERTEX).as_deref(), Some("pingshan.maluan"));
    assert_eq!(placed(SHIJING_KENGZI_VERTEX).as_deref(), Some("pingshan.kengzi"));
    assert_eq!(placed(OUTSIDE), None);
}

#[test]
fn the_explanation_names_the_rule_its_version_and_what_matched() {
    let d = district();
    let night = CASES.iter().find(|c| c.what.starts_with("night construction")).expect("case");
    let r = route(&d, night).1;
    let RouteReason::Rule { rule, version, category, keywords, .. } = &r.lead().reason else {
        panic!("a rule leads: {:?}", r.lead())
    };
    assert_eq!(rule.as_str(), "night-construction-noise");
    assert_eq!(version.as_ref().map(|v| v.as_str()), Some("2026-11-30"));
    assert_eq!(category.as_ref().map(|c| c.as_str()), Some("030101"));
    assert_eq!(keywords, &["夜间"]);
    assert_eq!(
        r.lead().reason.explain(),
        "rule `night-construction-noise` (list 2026-11-30): category 030101, keyword 「夜间」 found"
    );
    assert_eq!(
        r.lead().reason.explain_zh(),
        "职责清单（2026-11-30版）规则 night-construction-noise（问题分类 030101，关键词「夜间」）"
    );

    let street = CASES.iter().find(|c| c.what.starts_with("garbage in Shijing:")).expect("case");
    let reason = route(&d, street).1.lead().reason.explain();
    assert!(reason.contains("area pingshan.shijing") && reason.contains("category 0102"), "{reason}");

    let hours = CASES.iter().find(|c| c.what.contains("06:30")).expect("case");
    let reason = route(&d, hours).1.lead().reason.explain_zh();
    assert!(reason.contains("时段 22:00-07:00"), "{reason}");

    let channel = CASES.iter().find(|c| c.what.contains("Open311")).expect("case");
    assert!(route(&d, channel).1.lead().reason.explain().contains("channel open311"));

    let kind = CASES.iter().find(|c| c.what.contains("tutoring refund")).expect("case");
    assert!(route(&d, kind).1.lead().reason.explain_zh().contains("诉求类型 投诉"));

    let fallback = CASES.iter().find(|c| c.what.contains("outside every street")).expect("case");
    let r = route(&d, fallback).1;
    assert_eq!(r.lead().reason.explain(), "default owner of area pingshan");
    assert_eq!(r.lead().reason.explain_zh(), "区域 pingshan 的兜底单位");
    let street_owner = CASES.iter().find(|c| c.what.contains("innermost owner")).expect("case");
    assert_eq!(route(&d, street_owner).1.lead().reason.explain(), "default owner of area pingshan.kengzi");
}
