//! The report form and the page that answers a submission.

use jiesu_domain::district::District;
use jiesu_domain::ids::TrackingNumber;
use jiesu_domain::request::Kind;
use jiesu_words::names::local_name;
use jiesu_words::{Lang, kind_name};
use maud::{Markup, html};

use super::super::areas;
use super::super::form::Values;
use super::super::map::MapTiles;
use super::super::text::text;
use super::{Extras, errors_box, layout, layout_with, other};

/// `photo_mb`: the largest photo accepted, in MB, as the label states it; `map`: the tiles under
/// the district's outlines, if the deployment has any.
pub fn report_form(
    d: &District,
    lang: Lang,
    v: &Values,
    (errors, notice): (&[&str], Option<&str>),
    photo_mb: &str,
    map: &MapTiles,
) -> Markup {
    let t = text(lang);
    let name = |zh: &str, en: &Option<String>| local_name(zh, en.as_deref(), lang);
    let top = d.taxonomy().iter().filter(|c| c.code.level() == 1);
    let body = html! {
        div.weui-form__text-area {
            h1.weui-form__title { (t.report_title) }
            p.weui-form__desc { (t.report_intro) }
        }
        (errors_box(t, errors))
        @if let Some(n) = notice { p.notice { (n) } }
        form #report method="post" action="/requests" enctype="multipart/form-data" {
            input type="hidden" name="form_token" value=(v.form_token);
            input type="hidden" name="lang" value=(t.param);
            div.weui-cells__group.weui-cells__group_form {
                h2.weui-cells__title { (t.group_problem) }
                div.weui-cells.weui-cells_form {
                    div.weui-cell.weui-cell_active.weui-cell_select.weui-cell_select-after {
                        div.weui-cell__hd { label.weui-label for="category" { (t.category) } }
                        div.weui-cell__bd {
                            select.weui-select #category name="category" required {
                                option value="" { (t.choose_category) }
                                @for l1 in top {
                                    @for l2 in d.taxonomy().iter().filter(|c| c.code.level() == 2 && l1.code.contains(&c.code)) {
                                        optgroup label={ (name(&l1.name, &l1.name_en)) " · " (name(&l2.name, &l2.name_en)) } {
                                            @for leaf in d.taxonomy().leaves().filter(|c| l2.code.contains(&c.code)) {
                                                option value=(leaf.code) selected[v.category == leaf.code.as_str()] { (name(&leaf.name, &leaf.name_en)) }
                                            }
                                        }
                                    }
                                }
                            }
                        }
                    }
                    div.weui-cell.weui-cell_active.weui-cell_select.weui-cell_select-after {
                        div.weui-cell__hd { label.weui-label for="kind" { (t.kind) } }
                        div.weui-cell__bd {
                            select.weui-select #kind name="kind" {
                                @for k in Kind::ALL {
                                    option value=(k.as_str()) selected[v.kind == k.as_str()] { (kind_name(k, lang)) }
                                }
                            }
                        }
                    }
                    div.weui-cell.weui-cell_active.stacked {
                        div.weui-cell__bd {
                            label.weui-label for="description" { (t.description) }
                            textarea.weui-textarea #description name="description" maxlength="4000" rows="5" required aria-describedby="description-hint" { (v.description) }
                            p.hint #description-hint { (t.description_hint) }
                            input #answered_by type="hidden" name="answered_by" value="";
                            section.kb #kb-suggest hidden aria-live="polite" data-url={ "/answers?lang=" (t.param) } data-accept=(t.kb_accept) {
                                h2 { (t.kb_title) }
                                p.hint { (t.kb_hint) }
                                div #kb-list {}
                            }
                        }
                    }
                }
                h2.weui-cells__title { (t.group_place) }
                div.weui-cells.weui-cells_form {
                    div.weui-cell.weui-cell_active.stacked {
                        div.weui-cell__bd {
                            label.weui-label for="address" { (t.address) }
                            input.weui-input #address type="text" name="address" maxlength="500" value=(v.address) aria-describedby="address-hint";
                            p.hint #address-hint { (t.address_hint) }
                            p.find {
                                button.weui-btn.weui-btn_mini.weui-btn_default #find-address type="button" hidden { (t.find_address) }
                                " " span #find-status role="status" data-found=(t.find_found) data-none=(t.find_none) {}
                            }
                        }
                    }
                    div.weui-cell.weui-cell_active.weui-cell_select.weui-cell_select-after {
                        div.weui-cell__hd { label.weui-label for="area" { (t.area) } }
                        div.weui-cell__bd {
                            select.weui-select #area name="area" {
                                option value="" { (t.area_none) }
                                @for ((code, name), communities) in areas::streets(d, lang) {
                                    optgroup label=(name) {
                                        option value=(code) selected[v.area == code] { (name) }
                                        @for (c, n) in communities { option value=(c) selected[v.area == c] { (n) } }
                                    }
                                }
                            }
                        }
                    }
                    div.weui-cell.stacked.map-cell {
                        div #map hidden role="region" aria-label=(t.map_label)
                            data-areas={ "/areas.geojson?lang=" (t.param) }
                            data-tiles=(map.tiles) data-crs=(map.crs.as_str())
                            data-attribution=(map.attribution) data-subdomains=(map.subdomains) {}
                        p.hint #map-hint { (t.map_hint) }
                    }
                    fieldset.weui-cell.weui-cell_active.stacked.point {
                        legend.weui-label { (t.point) }
                        div.row {
                            input.weui-input #lat type="text" inputmode="decimal" name="lat" placeholder=(t.lat) aria-label=(t.lat) value=(v.lat);
                            input.weui-input #lon type="text" inputmode="decimal" name="lon" placeholder=(t.lon) aria-label=(t.lon) value=(v.lon);
                        }
                        p { button.weui-btn.weui-btn_mini.weui-btn_default #locate type="button" { (t.locate) } " " span #locate-status role="status" {} }
                    }
                }
                h2.weui-cells__title { (t.group_photos) }
                div.weui-cells.weui-cells_form {
                    div.weui-cell.weui-cell_active.stacked {
                        div.weui-cell__bd {
                            label.weui-label for="photos" { (t.photos.replace("{mb}", photo_mb)) }
                            input #photos type="file" name="photos" accept="image/jpeg,image/png,image/webp" multiple data-too-many=(t.err_photo_count) aria-describedby="photos-hint";
                            p.hint #photos-hint { (t.photos_hint) }
                        }
                    }
                }
                h2.weui-cells__title { (t.group_contact) }
                div.weui-cells.weui-cells_form {
                    div.weui-cell.weui-cell_active.stacked {
                        div.weui-cell__bd {
                            label.weui-label for="phone" { (t.phone) }
                            input.weui-input #phone type="tel" name="phone" autocomplete="tel" value=(v.phone) aria-describedby="phone-hint";
                            p.hint #phone-hint { (t.phone_hint) }
                        }
                    }
                    div.weui-cell.weui-cell_active {
                        div.weui-cell__hd { label.weui-label for="name" { (t.name) } }
                        div.weui-cell__bd { input.weui-input #name type="text" name="name" maxlength="100" autocomplete="name" value=(v.name); }
                    }
                }
            }
            div.weui-form__opr-area {
                button.weui-btn.weui-btn_primary #submit type="submit" { (t.submit) }
            }
        }
        p.links { a href={ "/track?lang=" (t.param) } { (t.track_it) } }
    };
    let assets = Extras { styles: &["leaflet.css"], scripts: &["leaflet.js", "report-map.js"] };
    layout_with(t, t.report_title, &format!("/?lang={}", other(lang)), body, assets)
}

/// The answer to a question an instant answer settled: recorded, closed, with its number.
pub fn answered(lang: Lang, tracking: &TrackingNumber, answer: &str) -> Markup {
    let t = text(lang);
    let body = html! {
        div.weui-msg #answered {
            div.weui-msg__icon-area { i.weui-icon-success.weui-icon_msg aria-hidden="true" {} }
            div.weui-msg__text-area {
                h1.weui-msg__title { (t.answered_title) }
                p.weui-msg__desc { (t.answered_intro) }
                p.weui-msg__desc { (t.tracking_number) }
                p.tracking #tracking { (tracking.grouped()) }
            }
            section.private { h2 { (t.kb_answer) } p { (answer) } }
            div.weui-msg__opr-area {
                p.weui-btn-area { a.weui-btn.weui-btn_default href={ "/?lang=" (t.param) } { (t.report_another) } }
            }
        }
    };
    layout(t, t.answered_title, &format!("/?lang={}", other(lang)), body)
}

/// The answer to a submission: its tracking number and its private link (`link`, absolute), which
/// is the only way back for a citizen who gave no phone (`with_phone`).
pub fn received(lang: Lang, tracking: &TrackingNumber, link: &str, with_phone: bool) -> Markup {
    let t = text(lang);
    let body = html! {
        div.weui-msg {
            div.weui-msg__icon-area { i.weui-icon-success.weui-icon_msg aria-hidden="true" {} }
            div.weui-msg__text-area {
                h1.weui-msg__title { (t.received_title) }
                p.weui-msg__desc { (t.tracking_number) }
                p.tracking #tracking { (tracking.grouped()) }
                p.weui-msg__desc #keep { (if with_phone { t.keep_number } else { t.keep_link_only }) }
            }
            section.private #private {
                h2 { (t.private_link) }
                p.link { a #private-link href=(link) { (link) } }
                p.hint { (t.private_link_hint) }
            }
            div.weui-msg__opr-area {
                p.weui-btn-area {
                    @if with_phone {
                        a.weui-btn.weui-btn_primary #track-link href={ "/track?n=" (tracking.as_str()) "&lang=" (t.param) } { (t.track_it) }
                    } @else {
                        a.weui-btn.weui-btn_primary #open-private href=(link) { (t.track_it) }
                    }
                    a.weui-btn.weui-btn_default href={ "/?lang=" (t.param) } { (t.report_another) }
                }
            }
        }
    };
    // The same page in the other language is the private link's for whoever cannot look it up.
    let switch = match link.rsplit_once("&lang=") {
        Some((bare, _)) if !with_phone => format!("{bare}&lang={}", other(lang)),
        _ => format!("/track?n={}&lang={}", tracking.as_str(), other(lang)),
    };
    layout(t, t.received_title, &switch, body)
}
