//! The citizens' pages (the report form with its map, 秒回's suggestion, the page after
//! submitting, a request's page telling of a coordination meeting, the return visit with stars,
//! a WeChat citizen's 我的诉求)
//! and 秒回's knowledge base on the staff side (a bureau's questions, the desk's review).

use std::path::Path;
use std::time::Duration;

use fantoccini::{Client, Locator};
use jiesu_domain::staff::StaffRole;
use jiesu_e2e::citizen::ask_on_web;
use jiesu_e2e::pages::{DESKTOP, PHONE, click, fill, sign_in, sign_out};
use jiesu_e2e::staff::{StaffClient, declined_by_all, work_to_review};
use jiesu_e2e::wechat::{mine_link, report};
use jiesu_e2e::{Backend, Open311Client};

use super::both;

/// The lamp's three candidates, whose accounts `called_meeting` made.
const CANDIDATES: [(&str, &str); 3] =
    [("urban-management", "um-staff"), ("street-kengzi", "sk-staff"), ("service-centre", "sc-staff")];

/// Reports a dark lamp on the form in the browser, without a phone; answers the tracking number
/// and the private link the received page gives.
async fn report_lamp(c: &Client, base: &str) -> (String, String) {
    c.goto(&format!("{base}/")).await.expect("the form");
    let category = c.find(Locator::Css("#category")).await.expect("category");
    category.select_by_value("010101").await.expect("choose");
    fill(c, "#description", "秀新路口的路灯连续三晚不亮，晚上走路很危险").await;
    fill(c, "#address", "坑梓街道秀新路").await;
    c.find(Locator::Css("#submit")).await.expect("button").click().await.expect("submit");
    let tracking = c.wait().for_element(Locator::Css("#tracking")).await.expect("received");
    let tracking = tracking.text().await.expect("number").replace('-', "");
    let link = c.find(Locator::Css("#private-link")).await.expect("link").attr("href").await.expect("href");
    (tracking, link.expect("a private link"))
}

/// Opens every `details` of the page, so the picture shows what a tap reveals.
async fn open_details(c: &Client) {
    c.execute("document.querySelectorAll('details').forEach(d => d.open = true)", vec![])
        .await
        .expect("open");
}

pub(super) async fn citizens(c: &Client, base: &str, dir: &Path) {
    c.set_window_size(PHONE.0, PHONE.1).await.expect("resize");
    c.goto(&format!("{base}/")).await.expect("the form");
    both(c, dir, "citizen-report").await;
    fill(c, "#description", "请问在坪山办结婚登记需要带什么材料").await;
    c.wait().for_element(Locator::Css("#kb-suggest:not([hidden]) .kb-accept")).await.expect("秒回");
    both(c, dir, "citizen-instant-answer").await;

    let (declined, link) = report_lamp(c, base).await;
    both(c, dir, "citizen-received").await;
    let citizen = Open311Client::new(base, "");
    citizen.wait_for(&declined, Duration::from_secs(15)).await;
    let boss = StaffClient::login(base, "zhao.du").await;
    declined_by_all(base, &declined, &CANDIDATES, &boss).await;
    c.goto(&link).await.expect("the private link");
    open_details(c).await;
    both(c, dir, "citizen-coordination").await;

    let (resolved, link) = report_lamp(c, base).await;
    citizen.wait_for(&resolved, Duration::from_secs(15)).await;
    let clerk = StaffClient::login(base, "um-staff").await;
    let desk = StaffClient::login(base, "han.meimei").await;
    work_to_review(&clerk, &desk, &resolved).await;
    c.goto(&link).await.expect("the private link");
    both(c, dir, "citizen-visit").await;

    // 我的诉求: a WeChat citizen's two requests, from the link in the reply.
    let me = "oJiesuScreenshots000000001";
    report(base, me, ["7001", "7002", "7003"], "秀新路口的路灯不亮了").await;
    let reply = report(base, me, ["7004", "7005", "7006"], "坪山大道有个大坑，电动车差点摔倒").await;
    c.goto(&mine_link(base, &reply)).await.expect("我的诉求");
    both(c, dir, "citizen-mine").await;
}

/// A bureau's questions 秒回 could not answer, one answered, and the desk's review of it.
pub(super) async fn knowledge_base(c: &Client, backend: &Backend, base: &str, dir: &Path) {
    backend.add_staff("zhou.min", StaffRole::BureauStaff, Some("civil-affairs")).await;
    for (category, q) in [
        ("110101", "老年人优待证在哪里办理"),
        ("110101", "请问老年人优待证怎么办"),
        ("110101", "我爸70岁了，办老年人优待证要带什么"),
        ("110201", "低保申请需要满足什么条件"),
    ] {
        ask_on_web(base, category, q).await;
    }
    c.set_window_size(DESKTOP.0, DESKTOP.1).await.expect("resize");
    sign_in(c, base, "zhou.min", "/staff/answers").await;
    for _ in 0..100 {
        if c.find_all(Locator::Css(".qtext")).await.expect("questions").len() >= 4 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
        c.goto(&format!("{base}/staff/answers")).await.expect("reload");
    }
    fill(c, "#answer-0", "年满60周岁的老年人，可携带身份证和一寸照片到居住地社区工作站申办老年人优待证，当场受理，10个工作日内发证。").await;
    fill(c, "#source-0", "《深圳市老年人优待办法》").await;
    both(c, dir, "staff-answers").await;
    click(c, "#propose-0").await;
    sign_out(c).await;
    sign_in(c, base, "han.meimei", "/staff/answers").await;
    both(c, dir, "desk-answers").await;
    sign_out(c).await;
}
